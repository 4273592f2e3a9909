-- Which product, if any, already has this SKU key.
SELECT id, sku FROM products WHERE sku_key = %(sku_key)s;

INSERT INTO deleted_products
    (deletion_id, id, sku, sku_key, name, description, price, active, created_at, updated_at)
SELECT %(deletion_id)s, id, sku, sku_key, name, description, price, active, created_at, updated_at
FROM products;

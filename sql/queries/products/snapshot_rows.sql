INSERT INTO deleted_products
    (deletion_id, id, sku, sku_key, name, description, price, active, created_at, updated_at, created_by_import)
SELECT %(deletion_id)s, id, sku, sku_key, name, description, price, active, created_at, updated_at, created_by_import
FROM products;

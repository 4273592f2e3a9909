SELECT id, sku, sku_key, name, description, active, created_at, updated_at
FROM products
WHERE id = %(id)s;

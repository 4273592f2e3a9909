DELETE FROM products
WHERE id = %(id)s
RETURNING id, sku, sku_key, name, description, price, active, created_at, updated_at;

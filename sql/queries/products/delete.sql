DELETE FROM products
WHERE id = %(id)s
RETURNING id, sku, name, description, price, active, created_at, updated_at;

-- The product as it is before a change, locked until the change commits.
SELECT id, sku, name, description, price, active, created_at, updated_at
FROM products
WHERE id = %(id)s
FOR UPDATE;

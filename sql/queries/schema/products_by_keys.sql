-- Products that already hold one of these keys.
SELECT id, sku, sku_key, changed_at, updated_at
FROM products
WHERE sku_key = ANY (%(keys)s);

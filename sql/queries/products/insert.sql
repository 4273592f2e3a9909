INSERT INTO products (sku, sku_key, name, description, active)
VALUES (%(sku)s, %(sku_key)s, %(name)s, %(description)s, %(active)s)
RETURNING id, sku, name, description, active, created_at, updated_at;

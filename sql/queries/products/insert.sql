INSERT INTO products (sku, sku_key, name, description, price, active)
VALUES (%(sku)s, %(sku_key)s, %(name)s, %(description)s, %(price)s, %(active)s)
RETURNING id, sku, name, description, price, active, created_at, updated_at;

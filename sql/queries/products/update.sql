-- Only a real change gets a new updated_at.
UPDATE products
SET sku = %(sku)s, sku_key = %(sku_key)s, name = %(name)s, description = %(description)s,
    price = %(price)s::numeric, active = %(active)s, changed_at = now(), updated_at = now()
WHERE id = %(id)s
  AND (sku, name, description, price, active)
      IS DISTINCT FROM (%(sku)s, %(name)s, %(description)s, %(price)s::numeric, %(active)s)
RETURNING id, sku, name, description, price, active, created_at, updated_at;

-- Only a real change gets a new updated_at.
UPDATE products
SET sku = %(sku)s, sku_key = %(sku_key)s, name = %(name)s, description = %(description)s,
    active = %(active)s, changed_at = now(), updated_at = now()
WHERE id = %(id)s
  AND (sku, name, description, active) IS DISTINCT FROM (%(sku)s, %(name)s, %(description)s, %(active)s)
RETURNING id, sku, name, description, active, created_at, updated_at;

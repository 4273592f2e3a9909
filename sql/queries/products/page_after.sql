-- A page of products after %(after_id)s in id order (keyset pagination: a
-- deep page costs the same as the first). A filter whose parameter is NULL
-- is skipped; a pattern is an ILIKE substring match (pg_trgm indexes).
SELECT id, sku, name, description, active, created_at, updated_at
FROM products
WHERE (%(sku)s::text IS NULL OR sku ILIKE %(sku)s)
  AND (%(name)s::text IS NULL OR name ILIKE %(name)s)
  AND (%(description)s::text IS NULL OR description ILIKE %(description)s)
  AND (%(active)s::boolean IS NULL OR active = %(active)s)
  AND id > %(after_id)s
ORDER BY id
LIMIT %(limit)s;

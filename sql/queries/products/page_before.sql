-- The page of products just before %(before_id)s (newest first; the caller
-- puts the rows back in id order). Used for "previous" and "last" pages.
SELECT id, sku, name, description, active, created_at, updated_at
FROM products
WHERE (%(sku)s::text IS NULL OR sku ILIKE %(sku)s)
  AND (%(name)s::text IS NULL OR name ILIKE %(name)s)
  AND (%(description)s::text IS NULL OR description ILIKE %(description)s)
  AND (%(active)s::boolean IS NULL OR active = %(active)s)
  AND id < %(before_id)s
ORDER BY id DESC
LIMIT %(limit)s;

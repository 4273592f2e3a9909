-- The product filter (pipelines/catalog/products.py ProductFilter), shared by
-- the page, the count and the export (their matching placeholder). A filter
-- whose parameter is NULL is skipped; a pattern is an ILIKE substring match
-- (pg_trgm indexes).
(%(sku)s::text IS NULL OR sku ILIKE %(sku)s)
  AND (%(name)s::text IS NULL OR name ILIKE %(name)s)
  AND (%(description)s::text IS NULL OR description ILIKE %(description)s)
  AND (%(active)s::boolean IS NULL OR active = %(active)s)
  AND (%(price_min)s::numeric IS NULL OR price >= %(price_min)s)
  AND (%(price_max)s::numeric IS NULL OR price <= %(price_max)s)

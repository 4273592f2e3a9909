-- How many products match, counted up to %(cap)s (the caller shows "cap+"
-- beyond that): an exact count of a million matches would scan them all.
SELECT count(*) AS n
FROM (
    SELECT 1
    FROM products
    WHERE (%(sku)s::text IS NULL OR sku ILIKE %(sku)s)
      AND (%(name)s::text IS NULL OR name ILIKE %(name)s)
      AND (%(description)s::text IS NULL OR description ILIKE %(description)s)
      AND (%(active)s::boolean IS NULL OR active = %(active)s)
      AND (%(price_min)s::numeric IS NULL OR price >= %(price_min)s)
      AND (%(price_max)s::numeric IS NULL OR price <= %(price_max)s)
    LIMIT %(cap)s
) AS matching;

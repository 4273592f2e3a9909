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
    LIMIT %(cap)s
) AS matching;

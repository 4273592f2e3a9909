-- How many products match, counted up to %(cap)s (the caller shows "cap+"
-- beyond that): an exact count of a million matches would scan them all.
-- The filter is products/matching.sql.
SELECT count(*) AS n
FROM (
    SELECT 1
    FROM products
    WHERE {matching}
    LIMIT %(cap)s
) AS matching;

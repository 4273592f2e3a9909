-- What merging the staged rows would do, without doing it (same rules as
-- merge_products.sql).
WITH compared AS (
    SELECT p.id IS NULL AS is_new,
           (p.sku, p.name, p.description, p.price)
               IS DISTINCT FROM (s.sku, s.name, s.description, CASE WHEN %(has_price)s THEN s.price ELSE p.price END)
               AS differs
    FROM {staging} AS s
    LEFT JOIN products AS p ON p.sku_key = s.sku_key
)
SELECT count(*) FILTER (WHERE is_new)                  AS created,
       count(*) FILTER (WHERE NOT is_new AND differs)     AS updated,
       count(*) FILTER (WHERE NOT is_new AND NOT differs) AS unchanged
FROM compared;

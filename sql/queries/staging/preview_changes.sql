-- What merging the staged rows would do, without doing it (same rules as
-- merge_into_products.sql). {sample} is empty for exact counts (Check only)
-- or a TABLESAMPLE clause when a share of the rows is enough (whether a
-- merge is large enough to rebuild the search indexes after it).
WITH compared AS (
    SELECT p.id IS NULL AS is_new,
           (p.sku, p.name, p.description, p.price)
               IS DISTINCT FROM (s.sku, s.name, s.description, CASE WHEN %(has_price)s THEN s.price ELSE p.price END)
               AS differs
    FROM {staging} AS s {sample}
    LEFT JOIN products AS p ON p.sku_key = s.sku_key
)
SELECT count(*) FILTER (WHERE is_new)                  AS created,
       count(*) FILTER (WHERE NOT is_new AND differs)     AS updated,
       count(*) FILTER (WHERE NOT is_new AND NOT differs) AS unchanged
FROM compared;

-- What merging the staged rows would do, without doing it (same rules as
-- merge_products.sql).
SELECT count(*) FILTER (WHERE p.id IS NULL) AS created,
       count(*) FILTER (WHERE p.id IS NOT NULL
                          AND (p.sku, p.name, p.description) IS DISTINCT FROM (s.sku, s.name, s.description)) AS updated,
       count(*) FILTER (WHERE p.id IS NOT NULL
                          AND (p.sku, p.name, p.description) IS NOT DISTINCT FROM (s.sku, s.name, s.description)) AS unchanged
FROM {staging} AS s
LEFT JOIN products AS p ON p.sku_key = s.sku_key;

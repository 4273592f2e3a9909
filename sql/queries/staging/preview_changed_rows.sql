-- "Check only": each staged row that importing would create or update, with
-- the product's values before (same rules as merge_into_products.sql), in
-- file order. Unchanged rows are left out.
SELECT s.line,
       CASE WHEN p.id IS NULL THEN 'created' ELSE 'updated' END AS change,
       p.sku AS sku_before, s.sku,
       p.name AS name_before, s.name,
       p.description AS description_before, s.description,
       p.price AS price_before, CASE WHEN %(has_price)s THEN s.price ELSE p.price END AS price
FROM {staging} AS s
LEFT JOIN products AS p ON p.sku_key = s.sku_key
WHERE p.id IS NULL
   OR (p.sku, p.name, p.description, p.price)
          IS DISTINCT FROM (s.sku, s.name, s.description, CASE WHEN %(has_price)s THEN s.price ELSE p.price END)
ORDER BY s.line;

-- What an import changed, a page at a time (after a product id): for each
-- product, created or updated, its values before (updated only) and now.
-- "Now" is what the import left while changed_since is false; a later import
-- or an edit has changed it since otherwise (or deleted it: deleted_since).
SELECT j.product_id, j.created,
       j.sku AS sku_before, j.name AS name_before, j.description AS description_before, j.price AS price_before,
       p.sku, p.name, p.description, p.price,
       p.id IS NULL AS deleted_since,
       p.id IS NOT NULL AND p.changed_at <> i.queued_at AS changed_since
FROM import_changes AS j
JOIN imports AS i ON i.id = j.import_id
LEFT JOIN products AS p ON p.id = j.product_id
WHERE j.import_id = %(import_id)s
  AND j.product_id > %(after)s
  AND (%(created)s::boolean IS NULL OR j.created = %(created)s)
  AND (%(sku)s::text IS NULL OR coalesce(p.sku, j.sku) ILIKE %(sku)s)
ORDER BY j.product_id
LIMIT %(limit)s;

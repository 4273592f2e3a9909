-- A product's history, newest first: its changes in the app or over the API
-- (its events, with the values before an update and who made it), and the
-- imports that created or updated it (the import journal: the values before;
-- kept for JOURNAL_RETENTION_DAYS).
SELECT at, change, by, import_id, file_name, before, after
FROM (
    SELECT e.created_at AS at,
           e.type AS change,
           e.payload ->> 'by' AS by,
           NULL::bigint AS import_id,
           NULL::text AS file_name,
           e.payload -> 'previous' AS before,
           e.payload -> 'product' AS after
    FROM events e
    WHERE e.type IN ('product.created', 'product.updated', 'product.deleted')
      AND (e.payload -> 'product' ->> 'id')::bigint = %(id)s

    UNION ALL

    SELECT i.finished_at, 'import.updated', NULL, i.id, i.file_name,
           jsonb_build_object('sku', c.sku, 'name', c.name, 'description', c.description, 'price', c.price::text),
           NULL
    FROM import_changes c
    JOIN imports i ON i.id = c.import_id
    WHERE c.product_id = %(id)s AND i.reverted_at IS NULL

    UNION ALL

    SELECT i.finished_at, 'import.created', NULL, i.id, i.file_name, NULL, NULL
    FROM products p
    JOIN imports i ON i.id = p.created_by_import
    WHERE p.id = %(id)s
) AS history
ORDER BY at DESC
LIMIT %(limit)s;

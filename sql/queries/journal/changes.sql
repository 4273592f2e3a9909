-- What an import changed, a page at a time (after a product id): the
-- products it created (products.created_by_import) and those it updated
-- (import_changes, with their values before), with their values now. "Now"
-- is what the import left while changed_since is false; a later import or
-- an edit has changed it since otherwise (or deleted it: deleted_since;
-- created products deleted since are gone and not listed).
WITH imp AS (
    SELECT id, queued_at FROM imports WHERE id = %(import_id)s
),
changes AS (
    SELECT p.id AS product_id, true AS created,
           NULL::text AS sku_before, NULL::text AS name_before, NULL::text AS description_before,
           NULL::numeric AS price_before,
           p.sku, p.name, p.description, p.price, false AS deleted_since, p.changed_at <> imp.queued_at AS changed_since
    FROM products AS p
    CROSS JOIN imp
    WHERE p.created_by_import = imp.id AND %(created)s::boolean IS DISTINCT FROM false
    UNION ALL
    SELECT j.product_id, false,
           j.sku, j.name, j.description, j.price,
           p.sku, p.name, p.description, p.price, p.id IS NULL, p.id IS NOT NULL AND p.changed_at <> imp.queued_at
    FROM import_changes AS j
    CROSS JOIN imp
    LEFT JOIN products AS p ON p.id = j.product_id
    WHERE j.import_id = imp.id AND %(created)s::boolean IS DISTINCT FROM true
)
SELECT *
FROM changes
WHERE product_id > %(after)s
  AND (%(sku)s::text IS NULL OR coalesce(sku, sku_before) ILIKE %(sku)s)
ORDER BY product_id
LIMIT %(limit)s;

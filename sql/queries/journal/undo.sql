-- Undo an import, in one statement (inside the caller's transaction, which
-- holds the merge lock): products it updated get their values before back,
-- products it created are deleted (with a tombstone, as a delete in the app
-- leaves), and products changed since (products.changed_at moved past the
-- import's arrival: a later import or an edit in the app), or deleted since,
-- are kept as they are. A restored product gets back when its values had
-- arrived (changed_at) too, as if the import had never been: undoing two
-- imports newest first takes the catalog back to before both. A deleted
-- product gets a tombstone: an import that arrived before the undo and
-- merges after it does not create it again, as with any delete.
WITH imp AS (
    SELECT id, queued_at, coalesce(created, 0) AS created FROM imports WHERE id = %(import_id)s
),
updated_entries AS (
    SELECT j.*, p.id IS NOT NULL AND p.changed_at = imp.queued_at AS undoable, coalesce(p.sku, j.sku) AS known_sku
    FROM import_changes AS j
    CROSS JOIN imp
    LEFT JOIN products AS p ON p.id = j.product_id
    WHERE j.import_id = imp.id
),
created_entries AS (
    SELECT p.id, p.sku, p.changed_at = imp.queued_at AS undoable
    FROM products AS p
    CROSS JOIN imp
    WHERE p.created_by_import = imp.id
),
restored AS (
    UPDATE products AS p
    SET sku = e.sku, name = e.name, description = e.description, price = e.price,
        changed_at = e.changed_at, updated_at = now()
    FROM updated_entries AS e
    WHERE p.id = e.product_id AND e.undoable
    RETURNING p.id
),
deleted AS (
    DELETE FROM products AS p
    USING created_entries AS e
    WHERE p.id = e.id AND e.undoable
    RETURNING p.sku_key
),
tombstones AS (
    INSERT INTO product_tombstones (sku_key, deleted_at)
    SELECT sku_key, now() FROM deleted
    ON CONFLICT (sku_key) DO UPDATE SET deleted_at = excluded.deleted_at
),
kept AS (
    SELECT known_sku AS sku FROM updated_entries WHERE NOT undoable
    UNION ALL
    SELECT sku FROM created_entries WHERE NOT undoable
)
SELECT (SELECT count(*) FROM restored) AS restored,
       (SELECT count(*) FROM deleted) AS deleted,
       -- kept: changed since, and created products deleted since (counted, not named: they are gone)
       (SELECT count(*) FROM kept) + (SELECT created FROM imp) - (SELECT count(*) FROM created_entries) AS kept,
       (SELECT coalesce(array_agg(sku ORDER BY sku), '{}') FROM (SELECT sku FROM kept ORDER BY sku LIMIT %(kept_listed)s) AS k)
           AS kept_skus;

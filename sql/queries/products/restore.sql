-- Put back what a delete-all deleted, with its ids, values and active flag.
-- A product whose SKU exists again (created since) is kept as it is now and
-- not restored. The restore is a change arriving now (changed_at): an import
-- that arrived before it does not overwrite restored products.
WITH restored AS (
    INSERT INTO products AS p
        (id, sku, sku_key, name, description, price, active, created_at, updated_at, changed_at, created_by_import)
    OVERRIDING SYSTEM VALUE
    SELECT d.id, d.sku, d.sku_key, d.name, d.description, d.price, d.active, d.created_at, now(), now(),
           d.created_by_import
    FROM deleted_products AS d
    WHERE d.deletion_id = %(deletion_id)s
    ON CONFLICT DO NOTHING
    RETURNING 1
),
marked AS (
    UPDATE catalog_deletions
    SET restored_at = now(), restored = (SELECT count(*) FROM restored)
    WHERE id = %(deletion_id)s
)
SELECT (SELECT count(*) FROM restored) AS restored;

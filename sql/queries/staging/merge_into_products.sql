-- Merge the staged file into products. New SKUs start active; existing ones
-- take the file's SKU casing, name, description and price and keep `active`.
-- A file without a price column (%(has_price)s false) keeps every price.
--
-- The staging table is first joined to products to find the rows that are
-- new or different; only those are written. Unchanged products get no new
-- row version and keep their updated_at, and re-importing an unchanged file
-- costs one hash join instead of 500,000 index probes and row locks.
--
-- Only products whose last change arrived before this import did are
-- overwritten (changed_at <= the import's queued_at): with several imports
-- at once the file that arrived later wins whatever order they merge in,
-- and an edit made in the app while this import ran is kept. The UPDATE
-- re-checks that on the newest row version, so an edit that commits while
-- this statement runs is kept too. Deletes follow the same rule: a SKU
-- deleted after this import arrived (a tombstone), or a catalog deleted as
-- a whole since then, is not created again; such rows count as unchanged.
--
-- What the import changed (migration 0012) is written by this statement
-- too: created products carry its id, and the values it overwrote go to
-- import_changes, so both exist exactly when the merge commits. The
-- placeholder below is the journal's CTE (staging/journal.sql); the
-- benchmark leaves it out to measure its cost.
-- `arrival` is one row, and written so that the planner knows it (a join
-- with products_cleared was estimated at 2,200 rows, which multiplied every
-- estimate below into the billions and chose hash joins over the whole
-- table for a few thousand changed rows).
WITH arrival AS (
    SELECT i.queued_at AS at,
           i.queued_at >= coalesce((SELECT c.cleared_at FROM products_cleared AS c), '-infinity') AS after_clear
    FROM imports AS i
    WHERE i.id = %(import_id)s
),
changed AS (
    SELECT s.line, s.sku, s.sku_key, s.name, s.description,
           CASE WHEN %(has_price)s THEN s.price ELSE p.price END AS price, p.id AS product_id,
           p.sku AS sku_before, p.name AS name_before, p.description AS description_before, p.price AS price_before,
           p.changed_at AS changed_at_before
    FROM {staging} AS s
    CROSS JOIN arrival
    LEFT JOIN products AS p ON p.sku_key = s.sku_key
    WHERE (p.id IS NULL
           AND arrival.after_clear
           AND NOT EXISTS (
               SELECT 1 FROM product_tombstones AS t WHERE t.sku_key = s.sku_key AND t.deleted_at > arrival.at
           ))
       OR ((p.sku, p.name, p.description, p.price)
               IS DISTINCT FROM (s.sku, s.name, s.description, CASE WHEN %(has_price)s THEN s.price ELSE p.price END)
           AND p.changed_at <= arrival.at)
),
inserted AS (
    INSERT INTO products AS p (sku, sku_key, name, description, price, changed_at, created_by_import)
    SELECT sku, sku_key, name, description, price, (SELECT at FROM arrival), %(import_id)s
    FROM changed
    WHERE product_id IS NULL
    -- Key order fills the unique index from left to right instead of at
    -- random places: about a third faster on a large insert.
    ORDER BY sku_key
    -- A product another import or the app created since the join above is
    -- overwritten only if that change arrived earlier.
    ON CONFLICT (sku_key) DO UPDATE
        SET sku = excluded.sku, name = excluded.name, description = excluded.description,
            price = CASE WHEN %(has_price)s THEN excluded.price ELSE p.price END,
            changed_at = excluded.changed_at, updated_at = now()
        WHERE p.changed_at <= excluded.changed_at
    RETURNING (xmax = 0) AS is_new
),
updated AS (
    UPDATE products AS p
    SET sku = c.sku, name = c.name, description = c.description,
        price = CASE WHEN %(has_price)s THEN c.price ELSE p.price END,
        changed_at = arrival.at, updated_at = now()
    FROM changed AS c, arrival
    WHERE p.id = c.product_id AND p.changed_at <= arrival.at
    RETURNING p.id
){journal}
SELECT (SELECT count(*) FILTER (WHERE is_new) FROM inserted)                                 AS created,
       (SELECT count(*) FILTER (WHERE NOT is_new) FROM inserted) + (SELECT count(*) FROM updated) AS updated;

-- Deletes obey the same arrival rule as edits: an import that arrived
-- before a product was deleted does not bring it back when it merges
-- (merge_into_products.sql). A tombstone per deleted SKU key, and one time
-- for "delete all" (which truncates, so it leaves no per-product trace).
-- Tombstones older than every import still waiting to merge can no longer
-- matter and are pruned by the merge (staging/prune_tombstones.sql).
CREATE TABLE product_tombstones (
    sku_key    text        PRIMARY KEY,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX product_tombstones_deleted_at ON product_tombstones (deleted_at);

CREATE TABLE products_cleared (
    only_row   boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    cleared_at timestamptz NOT NULL
);

-- What each import changed, so that it can be shown and undone, and what a
-- delete-all deleted, so that it can be restored.
--
-- Both are written by the merge's own statement
-- (staging/merge_into_products.sql), so they exist exactly when the merge
-- committed:
-- * a product the import created carries its id (created_by_import): one
--   column filled by the INSERT itself. A journal row per created product
--   cost a fresh 500,000-row merge 47% more on PostgreSQL 15 (10.4 s
--   against 7.1 s, bench.undo_speed), this costs it nothing measurable;
-- * a product it updated has a row in import_changes with its values
--   before (and when they had arrived).
-- A product's values after the import are its current ones while
-- products.changed_at is still the import's arrival (imports.queued_at); a
-- later import or an edit in the app moves changed_at on, and undo keeps
-- such products as they are.
ALTER TABLE products ADD COLUMN created_by_import bigint;

CREATE TABLE import_changes (
    import_id   bigint      NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    product_id  bigint      NOT NULL,
    sku         text        NOT NULL,  -- the values before the import
    name        text        NOT NULL,
    description text        NOT NULL,
    price       numeric,
    changed_at  timestamptz NOT NULL,  -- when they had arrived (products.changed_at)
    PRIMARY KEY (import_id, product_id)
);

-- An undone import: when, and what its undo did (restored, deleted, kept).
-- journal_pruned_at: its journal was removed after the retention period
-- (JOURNAL_RETENTION_DAYS), so it can no longer be shown or undone.
ALTER TABLE imports ADD COLUMN reverted_at timestamptz;
ALTER TABLE imports ADD COLUMN revert_summary jsonb;
ALTER TABLE imports ADD COLUMN journal_pruned_at timestamptz;

-- Delete-all keeps what it deleted for JOURNAL_RETENTION_DAYS; Restore puts it back.
CREATE TABLE catalog_deletions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deleted_at  timestamptz NOT NULL DEFAULT now(),
    products    bigint      NOT NULL,
    restored_at timestamptz,
    restored    bigint
);
CREATE TABLE deleted_products (
    deletion_id       bigint      NOT NULL REFERENCES catalog_deletions (id) ON DELETE CASCADE,
    id                bigint      NOT NULL,
    sku               text        NOT NULL,
    sku_key           text        NOT NULL,
    name              text        NOT NULL,
    description       text        NOT NULL,
    price             numeric,
    active            boolean     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    created_by_import bigint
);
CREATE INDEX deleted_products_deletion ON deleted_products (deletion_id);

-- What each import changed, so that it can be shown and undone, and what a
-- delete-all deleted, so that it can be restored.
--
-- import_changes is written by the merge's own statement
-- (staging/merge_into_products.sql), so it exists exactly when the merge
-- committed: one row per product the import created (created = true) or
-- updated (the values before it). A product's values after the import are
-- its current ones while products.changed_at is still the import's arrival
-- (imports.queued_at); a later import or an edit in the app moves changed_at
-- on, and undo keeps such products as they are.
CREATE TABLE import_changes (
    import_id   bigint  NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    product_id  bigint  NOT NULL,
    created     boolean NOT NULL,
    sku         text,     -- updated: before the import; created: as created
    name        text,     -- before the import (updated products only), and so on
    description text,
    price       numeric,
    changed_at  timestamptz,  -- when the values before had arrived (products.changed_at)
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
    deletion_id bigint      NOT NULL REFERENCES catalog_deletions (id) ON DELETE CASCADE,
    id          bigint      NOT NULL,
    sku         text        NOT NULL,
    sku_key     text        NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL,
    price       numeric,
    active      boolean     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX deleted_products_deletion ON deleted_products (deletion_id);

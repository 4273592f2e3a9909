-- python: pipelines.catalog.sku_migration:recompute_sku_keys
-- "Same SKU" became Unicode caseless matching (pipelines/catalog/sku.py):
-- NFKC, full case folding, default-ignorable characters removed. The keys of
-- existing products are recomputed after this file, in the same transaction
-- (pipelines/db/migrations.py). Two products whose SKUs now mean the same
-- keep the one changed most recently; each other one is moved here, with the
-- product it was merged into, and a product.deleted event says so.
CREATE TABLE products_merged_by_sku_key (
    id              bigint      PRIMARY KEY,  -- the product's id before it was merged
    sku             text        NOT NULL,
    old_sku_key     text        NOT NULL,
    name            text        NOT NULL,
    description     text        NOT NULL,
    active          boolean     NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    changed_at      timestamptz NOT NULL,
    kept_product_id bigint      NOT NULL,     -- the product with the same caseless SKU that stayed
    merged_at       timestamptz NOT NULL DEFAULT now()
);

-- Products, the history of imports, and the outbox of events for webhooks.

CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text        NOT NULL,  -- casing of the latest import or edit
    sku_key     text        NOT NULL,  -- pipelines.sku.normalize_sku(sku): what "same SKU" means
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_sku_key_unique UNIQUE (sku_key),
    CONSTRAINT products_sku_not_blank CHECK (sku_key <> '' AND name <> '')
);

CREATE TABLE imports (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name          text        NOT NULL,
    file_path          text,                 -- where the file is now (landing, processed, failed)
    source             text        NOT NULL CHECK (source IN ('folder', 'upload', 'cli', 'bucket')),
    content_hash       text,                 -- sha256 of the file as received
    file_size          bigint,
    status             text        NOT NULL DEFAULT 'queued'
                                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    stage              text        NOT NULL DEFAULT 'queued',
    percent            smallint    NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    rows_processed     bigint      NOT NULL DEFAULT 0,  -- rows through the current stage so far
    rows_seen          bigint,
    rows_valid         bigint,
    rows_rejected      bigint,
    duplicates_in_file bigint,
    created            bigint,
    updated            bigint,
    unchanged          bigint,
    error              text,
    rejects_path       text,
    dagster_run_id     text,
    stage_seconds      jsonb       NOT NULL DEFAULT '{}',
    queued_at          timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz
);
CREATE INDEX imports_queued_at ON imports (queued_at DESC);
CREATE INDEX imports_dagster_run_id ON imports (dagster_run_id);

-- Outbox: written in the same transaction as the change it describes, so an
-- event exists exactly when its change committed. The webhook worker reads it.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type       text        NOT NULL,
    payload    jsonb       NOT NULL,
    import_id  bigint      REFERENCES imports (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One upload.completed / upload.failed per import, even if a step is retried.
CREATE UNIQUE INDEX events_one_per_import ON events (import_id, type) WHERE import_id IS NOT NULL;

-- Indexes for the admin app's product filters (case-insensitive substring
-- on sku, name, description; active status), so that no click scans the table.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX products_sku_trgm ON products USING gin (sku gin_trgm_ops);
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_description_trgm ON products USING gin (description gin_trgm_ops);
-- Inactive products are the few; active ones are found by skipping these.
CREATE INDEX products_inactive ON products (id) WHERE NOT active;

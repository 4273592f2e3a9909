-- The admin app filters products by case-insensitive substring (sku, name,
-- description) through pg_trgm GIN indexes. Their definitions live in
-- sql/queries/search_indexes/create.sql, because large imports drop and
-- rebuild them (see pipelines/db/search_indexes.py); migrate() creates them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Inactive products are the few; the status filter finds them by this.
CREATE INDEX products_inactive ON products (id) WHERE NOT active;

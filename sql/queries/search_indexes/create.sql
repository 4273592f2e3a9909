-- The trigram indexes behind the product filters. {concurrently} is
-- CONCURRENTLY when the app may be in use (after an import's merge, in
-- recovery): writes go on during the build, which takes about twice as long;
-- empty where nobody writes (migrations, the benchmark's floor): reads go on,
-- writes would wait until the build ends (measured: an app edit waited 133 s
-- behind a plain build of 5,100,000 rows on PostgreSQL 15).
-- One statement per index (each runs on its own).
CREATE INDEX {concurrently} IF NOT EXISTS products_sku_trgm ON products USING gin (sku gin_trgm_ops);
CREATE INDEX {concurrently} IF NOT EXISTS products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX {concurrently} IF NOT EXISTS products_description_trgm ON products USING gin (description gin_trgm_ops);

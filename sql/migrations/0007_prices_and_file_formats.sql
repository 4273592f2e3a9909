-- Products get an optional price: an exact decimal, never negative (the
-- import and the app check the same rule first, pipelines/catalog/product_rules.py).
-- numeric without a fixed scale keeps the digits given: 19.90 stays 19.90.
ALTER TABLE products ADD COLUMN price numeric CONSTRAINT products_price_not_negative CHECK (price >= 0);

-- What an import read and how: the column mapping it was asked to use
-- (a profile or --map), the format its header was recognized as, the
-- product field -> header name it used, and the rows that are not products
-- by that format's rules (e.g. Shopify image rows).
ALTER TABLE imports
    ADD COLUMN mapping      jsonb,
    ADD COLUMN file_format  text,
    ADD COLUMN columns_used jsonb,
    ADD COLUMN rows_skipped bigint,
    ADD COLUMN skipped_reason text;

DROP INDEX IF EXISTS products_sku_trgm;
DROP INDEX IF EXISTS products_name_trgm;
DROP INDEX IF EXISTS products_description_trgm;

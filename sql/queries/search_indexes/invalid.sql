-- Search indexes left INVALID by an interrupted concurrent build.
SELECT c.relname AS name
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'products'::regclass AND NOT i.indisvalid AND c.relname ~ '^products_.*_trgm$';

-- The search indexes that exist on products, and whether queries can use them
-- (an interrupted build leaves one INVALID; one being built is not yet valid).
SELECT c.relname AS name, i.indisvalid AS valid
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'products'::regclass AND c.relname = ANY (%(names)s);

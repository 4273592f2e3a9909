-- After a merge that kept the search indexes: move the entries it appended
-- to each trigram index's pending list (staging/merge_settings.sql) into the
-- index proper, in bulk, so searches stop scanning the list. Quick when a
-- list is empty; only valid indexes (not one being built).
SELECT c.relname AS name, gin_clean_pending_list(i.indexrelid) AS pages_cleaned
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'products'::regclass AND i.indisvalid AND c.relname = ANY (%(names)s);

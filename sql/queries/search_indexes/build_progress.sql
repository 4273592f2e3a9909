-- How far a search index build on products has got, from PostgreSQL's own
-- progress view: the import page's bar moves while indexes are rebuilt
-- (db/search_indexes.index_build_fraction).
SELECT c.relname AS name, p.phase, p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done
FROM pg_stat_progress_create_index AS p
LEFT JOIN pg_class AS c ON c.oid = p.index_relid
WHERE p.relid = 'products'::regclass;

-- For the merge's own transaction (SET LOCAL), each measured on PostgreSQL 15
-- with a fresh 465,000-row merge (auto_explain):
-- * no JIT: the plan's cost estimates run into the billions (the CTEs are
--   estimated from the whole staging table several times over), so the
--   planner compiled 72 functions with inlining and optimization: 0.6 s of
--   a 5.1 s statement, for a query that runs once;
-- * enough work_mem to sort and hash the staged rows in memory (the key
--   order sort spilled to disk at the default 4 MB);
-- * a GIN pending list large enough for the whole merge: the rows a merge
--   adds to the trigram indexes are appended to each index's pending list
--   and merged into it in bulk after the commit (gin_clean_pending_list,
--   the indexing stage) instead of in 4 MB steps during it. 46,000 updates
--   and 25,000 inserts under the three trigram indexes: 2.8 s instead of
--   5.0 s, then 2.5 s of cleaning. Searches read the pending list as well,
--   so they stay correct meanwhile.
SET LOCAL jit = off;
SET LOCAL work_mem = '256MB';
SET LOCAL gin_pending_list_limit = '2GB';

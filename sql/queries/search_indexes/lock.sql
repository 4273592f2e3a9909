-- One session at a time drops or builds the search indexes. Tried, not
-- waited for (search_indexes.py retries): a session waiting inside this
-- statement would be a transaction that CREATE INDEX CONCURRENTLY in the
-- lock holder's session must wait for, a deadlock PostgreSQL then breaks
-- by failing one of them.
SELECT pg_try_advisory_lock(hashtext('product_importer.search_indexes')) AS locked;

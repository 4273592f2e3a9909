-- Held by a running import's heartbeat connection for as long as its stage
-- runs: a session lock that PostgreSQL releases when the process or its
-- connection dies, which imports/liveness.sql looks for. Tried, not waited
-- for: the same import's previous stage may still be letting go of it.
SELECT pg_try_advisory_lock(hashtext('product_importer.import') & 2147483647, (%(import_id)s)::int) AS held;

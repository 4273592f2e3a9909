-- A running import's process writes heartbeat_at every few seconds
-- (importing/import_runs.Heartbeat). A running import whose heartbeat is
-- older than IMPORT_HEARTBEAT_TIMEOUT_SECONDS has lost its process (kill -9,
-- power loss) and is failed by the recovery (importing/recovery.py), which
-- also restores what such a crash leaves: search indexes, staging tables,
-- work folders.
ALTER TABLE imports ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX imports_running ON imports (heartbeat_at) WHERE status = 'running';

-- The run picked the import up.
UPDATE imports
SET status         = 'running',
    stage          = 'validating',
    percent        = 0,
    started_at     = now(),
    heartbeat_at   = now(),
    dagster_run_id = %(run_id)s
WHERE id = %(import_id)s AND status <> 'cancelled';  -- a cancelled import stays so (its run stops)

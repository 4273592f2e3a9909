-- Ask an import to stop (migration 0011 says how that is honoured). Only a
-- queued or running import: one whose merge committed is succeeded, and a
-- merge committing now holds this row until it has.
UPDATE imports
SET cancel_requested_at = COALESCE(cancel_requested_at, now())
WHERE id = %(import_id)s AND status IN ('queued', 'running')
RETURNING id, status, stage, source, file_path, dagster_run_id;

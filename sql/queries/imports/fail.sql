-- The import failed, or was cancelled, before its merge committed: nothing
-- in products changed. %(status)s is 'failed' or 'cancelled'.
UPDATE imports
SET status      = %(status)s,
    stage       = %(status)s,
    error       = %(error)s,
    file_path   = COALESCE(%(file_path)s, file_path),
    finished_at = now()
WHERE id = %(import_id)s AND status <> 'succeeded'
RETURNING file_name, status, rows_seen, rows_valid, rows_rejected, duplicates_in_file, rejects_path, error, source, file_path;

-- Imports that ended since %(since)s, oldest first: `up` prints a line for each.
SELECT id, file_name, source, status, rows_seen, rows_rejected, created, updated, unchanged, error,
       extract(epoch FROM finished_at - started_at) AS seconds
FROM imports
WHERE finished_at >= %(since)s AND status NOT IN ('queued', 'running')
ORDER BY finished_at, id;

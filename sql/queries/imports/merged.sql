-- Runs inside the merge transaction: the outcome commits with the products.
-- Only a running import that nobody asked to cancel: one that recovery has
-- failed meanwhile (its heartbeat stopped) or that a user cancelled returns
-- no row, and the merge is rolled back.
UPDATE imports
SET status        = 'succeeded',
    stage         = 'merged',
    percent       = 80,
    created       = %(created)s,
    updated       = %(updated)s,
    unchanged     = %(unchanged)s
WHERE id = %(import_id)s AND status = 'running' AND cancel_requested_at IS NULL
RETURNING file_name, status, rows_seen, rows_valid, rows_rejected, duplicates_in_file,
          created, updated, unchanged, rejects_path, file_format, columns_used, rows_skipped;

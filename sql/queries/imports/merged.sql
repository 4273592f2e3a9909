-- Runs inside the merge transaction: the outcome commits with the products.
UPDATE imports
SET status        = 'succeeded',
    stage         = 'merged',
    percent       = 80,
    created       = %(created)s,
    updated       = %(updated)s,
    unchanged     = %(unchanged)s
WHERE id = %(import_id)s
RETURNING file_name, status, rows_seen, rows_valid, rows_rejected, duplicates_in_file,
          created, updated, unchanged, rejects_path, file_format, columns_used, rows_skipped;

SELECT id, file_name, source, status, stage, percent, rows_seen, rows_rejected, duplicates_in_file,
       created, updated, unchanged, rows_skipped, file_format, error, queued_at, started_at, finished_at
FROM imports
ORDER BY id DESC
LIMIT %(limit)s;

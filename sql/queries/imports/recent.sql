SELECT id, file_name, source, status, stage, percent, rows_processed, rows_seen, rows_valid, rows_rejected,
       duplicates_in_file, created, updated, unchanged, rows_skipped, file_format, error, refused, cancel_requested_at,
       stage_seconds, stage_started_at, dagster_run_id, reverted_at, queued_at, started_at, finished_at
FROM imports
ORDER BY id DESC
LIMIT %(limit)s;

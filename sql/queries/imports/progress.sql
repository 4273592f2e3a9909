-- Where the import is now; a watcher polls this row. Counts that are not
-- known yet are passed as NULL and keep their value. The caller stops the
-- import when a cancel request asks it to (migration 0011).
UPDATE imports
SET stage_started_at   = CASE WHEN stage IS DISTINCT FROM %(stage)s OR stage_started_at IS NULL
                              THEN now() ELSE stage_started_at END,
    stage              = %(stage)s,
    percent            = GREATEST(percent, %(percent)s),
    rows_processed     = %(rows_processed)s,
    rows_seen          = COALESCE(%(rows_seen)s, rows_seen),
    rows_valid         = COALESCE(%(rows_valid)s, rows_valid),
    rows_rejected      = COALESCE(%(rows_rejected)s, rows_rejected),
    duplicates_in_file = COALESCE(%(duplicates_in_file)s, duplicates_in_file),
    rejects_path       = COALESCE(%(rejects_path)s, rejects_path),
    content_hash       = COALESCE(%(content_hash)s, content_hash),
    file_size          = COALESCE(%(file_size)s, file_size),
    ignored_columns    = COALESCE(%(ignored_columns)s, ignored_columns),
    file_format        = COALESCE(%(file_format)s, file_format),
    columns_used       = COALESCE(%(columns_used)s, columns_used),
    rows_skipped       = COALESCE(%(rows_skipped)s, rows_skipped),
    skipped_reason     = COALESCE(%(skipped_reason)s, skipped_reason),
    stage_seconds      = stage_seconds || COALESCE(%(stage_seconds)s::jsonb, '{}')
WHERE id = %(import_id)s
RETURNING stop_at_next_report;

-- An upload from the admin app or the API creates its import row (queued)
-- before its file lands; the run for that file takes that row over. A row
-- cancelled while it was queued tells a run that started meanwhile to stop.
SELECT id, source, status FROM imports
WHERE file_path = %(file_path)s AND status IN ('queued', 'cancelled')
ORDER BY id DESC
LIMIT 1;

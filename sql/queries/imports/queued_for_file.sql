-- An upload from the admin app creates its import row (queued) before its
-- file lands; the run for that file takes that row over.
SELECT id, source FROM imports
WHERE file_path = %(file_path)s AND status = 'queued'
ORDER BY id DESC
LIMIT 1;

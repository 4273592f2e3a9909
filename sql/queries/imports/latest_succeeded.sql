-- The most recently finished successful import, for the rejected-rows check.
SELECT id, file_name, rows_seen, rows_rejected
FROM imports
WHERE status = 'succeeded'
ORDER BY finished_at DESC NULLS LAST, id DESC
LIMIT 1;

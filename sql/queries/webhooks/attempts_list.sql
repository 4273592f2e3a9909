-- The delivery log, newest first; filters are skipped when NULL.
SELECT a.*, w.url
FROM webhook_attempts AS a
LEFT JOIN webhook_endpoints AS w ON w.id = a.endpoint_id
WHERE (%(endpoint_id)s::bigint IS NULL OR a.endpoint_id = %(endpoint_id)s)
  AND (%(succeeded)s::boolean IS NULL OR a.succeeded = %(succeeded)s)
ORDER BY a.id DESC
LIMIT %(limit)s;

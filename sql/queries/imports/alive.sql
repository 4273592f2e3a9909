-- Imports whose process is alive (a running import with a fresh heartbeat).
SELECT count(*) AS n
FROM imports
WHERE status = 'running'
  AND coalesce(heartbeat_at, started_at, queued_at) >= now() - make_interval(secs => %(timeout_seconds)s);

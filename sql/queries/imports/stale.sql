-- Running imports whose process has stopped writing its heartbeat.
SELECT id, file_path, source, stage, heartbeat_at
FROM imports
WHERE status = 'running'
  AND coalesce(heartbeat_at, started_at, queued_at) < now() - make_interval(secs => %(timeout_seconds)s)
ORDER BY id;

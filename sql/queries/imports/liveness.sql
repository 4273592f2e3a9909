-- Every running import, and whether its process is gone (importing/recovery.py).
--
-- A live import's process holds a session lock on the import's id
-- (imports/hold.sql, taken by its heartbeat's connection) and writes
-- heartbeat_at every few seconds. The lock goes the moment the process or
-- its connection dies (kill -9, out of memory, a terminated backend, a
-- restarted server), so such an import counts as gone once its heartbeat is
-- a few seconds old (the grace covers the moment between two stages, when
-- no heartbeat runs). A heartbeat older than the timeout is gone whatever
-- the lock says: a machine that lost power can leave its
-- connection, and so its lock, open on the server for a long while.
SELECT i.id, i.file_path, i.source, i.stage, i.heartbeat_at,
       beat.at < now() - make_interval(secs => %(timeout_seconds)s)
       OR (beat.at < now() - make_interval(secs => %(grace_seconds)s)
           AND NOT EXISTS (
               SELECT 1
               FROM pg_locks AS l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND l.classid = (hashtext('product_importer.import') & 2147483647)::oid
                 AND l.objid = i.id::oid
           )) AS gone
FROM imports AS i
-- The last sign of life: the heartbeat, else when the import started or was queued.
CROSS JOIN LATERAL (SELECT coalesce(i.heartbeat_at, i.started_at, i.queued_at) AS at) AS beat
WHERE i.status = 'running'
ORDER BY i.id;

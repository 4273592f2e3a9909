-- Tombstones only matter to imports that arrived before them and have not
-- merged yet; older ones are dropped (in the merge's transaction).
DELETE FROM product_tombstones
WHERE deleted_at < (SELECT coalesce(min(queued_at), now()) FROM imports WHERE status IN ('queued', 'running'));

-- Delete-alls that can still be restored, newest first.
SELECT id, deleted_at, products, restored_at, restored
FROM catalog_deletions
ORDER BY id DESC
LIMIT %(limit)s;

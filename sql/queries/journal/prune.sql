-- Retention (JOURNAL_RETENTION_DAYS): journals of imports that finished
-- longer ago, and delete-all snapshots taken longer ago, are removed.
WITH pruned AS (
    UPDATE imports
    SET journal_pruned_at = now()
    WHERE finished_at < now() - %(days)s::float8 * interval '1 day' AND journal_pruned_at IS NULL
    RETURNING id
),
journal AS (
    DELETE FROM import_changes WHERE import_id IN (SELECT id FROM pruned)
    RETURNING 1
),
snapshots AS (
    DELETE FROM catalog_deletions WHERE deleted_at < now() - %(days)s::float8 * interval '1 day'
    RETURNING 1
)
SELECT (SELECT count(*) FROM pruned) AS imports, (SELECT count(*) FROM journal) AS journal_rows,
       (SELECT count(*) FROM snapshots) AS deletions;

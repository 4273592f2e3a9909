-- Staging tables whose import is no longer queued or running: a crash left
-- them behind (finishing or failing an import drops its table).
SELECT c.relname AS name
FROM pg_class AS c
LEFT JOIN imports AS i ON c.relname = 'import_staging_' || i.id
WHERE c.relkind = 'r'
  AND c.relnamespace = current_schema()::regnamespace
  AND c.relname ~ '^import_staging_[0-9]+$'
  AND (i.id IS NULL OR i.status NOT IN ('queued', 'running'))
ORDER BY c.relname;

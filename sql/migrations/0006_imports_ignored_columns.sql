-- The header names of a file that were not imported (no product field of
-- that name), shown with the import's summary.
ALTER TABLE imports ADD COLUMN ignored_columns text[] NOT NULL DEFAULT '{}';

-- The import failed because of the file's content (not UTF-8, no header, not
-- a table at all...): importing the same file again would fail the same way,
-- so the app and the API offer no retry for it (importing/uploads.retry_import).
ALTER TABLE imports ADD COLUMN refused boolean NOT NULL DEFAULT false;

-- When the current stage began (imports/progress.sql moves it on when the
-- stage changes): the time left in a stage is estimated from how much of it
-- is done in how long (importing/import_runs.seconds_left).
ALTER TABLE imports ADD COLUMN stage_started_at timestamptz;

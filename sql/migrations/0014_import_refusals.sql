-- The import failed because of the file's content (not UTF-8, no header, not
-- a table at all...): importing the same file again would fail the same way,
-- so the app and the API offer no retry for it (importing/uploads.retry_import).
ALTER TABLE imports ADD COLUMN refused boolean NOT NULL DEFAULT false;

-- When the change that set a product's values arrived: an import's
-- imports.queued_at, or the moment of an edit in the app. An import only
-- overwrites products whose last change arrived before the import did, so
-- with imports running at once the file that arrived later wins, and an
-- edit made while an import runs is not undone by it.
ALTER TABLE products ADD COLUMN changed_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE products ALTER COLUMN changed_at SET DEFAULT now();

-- The import has been undone (in the undo's transaction).
UPDATE imports
SET reverted_at = now(), revert_summary = %(summary)s
WHERE id = %(import_id)s;

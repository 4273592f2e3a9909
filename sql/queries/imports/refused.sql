-- The file itself was refused: a retry of the same file cannot succeed.
UPDATE imports SET refused = true WHERE id = %(import_id)s;

-- The file is archived; the import is done.
UPDATE imports
SET stage       = 'done',
    percent     = 100,
    file_path   = %(file_path)s,
    finished_at = now()
WHERE id = %(import_id)s;

-- A new import, before its run starts (CLI, upload) or as its run starts (folder).
INSERT INTO imports (file_name, file_path, source, status, stage)
VALUES (%(file_name)s, %(file_path)s, %(source)s, 'queued', 'queued')
RETURNING id;

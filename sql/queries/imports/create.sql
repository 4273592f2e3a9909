-- A new import, before its run starts (CLI, upload) or as its run starts (folder).
-- `mapping`: the columns the user chose (columns.Mapping), or NULL to recognize the header.
INSERT INTO imports (file_name, file_path, source, status, stage, mapping)
VALUES (%(file_name)s, %(file_path)s, %(source)s, 'queued', 'queued', %(mapping)s)
RETURNING id;

-- A new import, before its run starts (CLI, upload) or as its run starts (folder).
-- `mapping`: the columns the user chose (columns.Mapping), or NULL to recognize the header.
-- `queued_at`: when the file arrived (its run was queued), or NULL for now.
-- It is the import's arrival, which decides who wins an overlap (merge_into_products.sql).
INSERT INTO imports (file_name, file_path, source, status, stage, mapping, queued_at)
VALUES (%(file_name)s, %(file_path)s, %(source)s, 'queued', 'queued', %(mapping)s, COALESCE(%(queued_at)s, now()))
RETURNING id;

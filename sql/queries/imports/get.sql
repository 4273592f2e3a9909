SELECT * FROM imports WHERE id = %(import_id)s;

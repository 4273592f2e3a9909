UPDATE imports SET file_path = %(file_path)s WHERE id = %(import_id)s;

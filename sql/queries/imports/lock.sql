-- The import row, locked until the caller's transaction ends: its outcome is
-- decided once (a failure racing a cancel request or another failure).
SELECT * FROM imports WHERE id = %(import_id)s FOR UPDATE;

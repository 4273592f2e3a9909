SELECT * FROM imports WHERE dagster_run_id = %(run_id)s ORDER BY id DESC LIMIT 1;

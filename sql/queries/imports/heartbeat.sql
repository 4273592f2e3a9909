UPDATE imports SET heartbeat_at = now() WHERE id = %(import_id)s AND status = 'running';

UPDATE webhook_endpoints SET secret = %(secret)s, updated_at = now() WHERE id = %(id)s RETURNING *;

DELETE FROM webhook_endpoints WHERE id = %(id)s RETURNING id;

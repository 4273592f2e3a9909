INSERT INTO webhook_endpoints (url, event_types, enabled, secret)
VALUES (%(url)s, %(event_types)s, %(enabled)s, %(secret)s)
RETURNING *;

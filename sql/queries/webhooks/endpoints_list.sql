SELECT * FROM webhook_endpoints ORDER BY id;

-- What a worker needs to send a claimed delivery.
SELECT d.id AS delivery_id, d.message_id, d.attempts, e.id AS event_id, e.type, e.payload, e.created_at,
       w.id AS endpoint_id, w.url, w.secret
FROM webhook_deliveries AS d
JOIN events AS e ON e.id = d.event_id
JOIN webhook_endpoints AS w ON w.id = d.endpoint_id
WHERE d.id = ANY (%(ids)s);

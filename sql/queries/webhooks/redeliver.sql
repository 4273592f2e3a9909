-- Send a past event to an endpoint again, now; the same webhook-id lets the
-- receiver recognise it.
INSERT INTO webhook_deliveries (event_id, endpoint_id, message_id)
VALUES (%(event_id)s, %(endpoint_id)s, 'msg_' || %(event_id)s || '_' || %(endpoint_id)s)
RETURNING id;

INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, event_type, message_id, attempt, succeeded,
                              http_status, response_ms, error, response_excerpt)
VALUES (%(delivery_id)s, %(endpoint_id)s, %(event_id)s, %(event_type)s, %(message_id)s, %(attempt)s, %(succeeded)s,
        %(http_status)s, %(response_ms)s, %(error)s, %(response_excerpt)s);

-- An endpoint's latest result; a failure streak long enough (or an HTTP 410)
-- disables it, saying why.
UPDATE webhook_endpoints
SET last_delivery_at     = now(),
    last_status          = %(http_status)s,
    last_response_ms     = %(response_ms)s,
    consecutive_failures = CASE WHEN %(succeeded)s THEN 0 ELSE consecutive_failures + 1 END,
    enabled              = CASE
                               WHEN %(gone)s THEN false
                               WHEN NOT %(succeeded)s AND consecutive_failures + 1 >= %(disable_after)s THEN false
                               ELSE enabled
                           END,
    disabled_reason      = CASE
                               WHEN %(gone)s THEN 'The receiver answered 410 Gone.'
                               WHEN NOT %(succeeded)s AND consecutive_failures + 1 >= %(disable_after)s
                                   THEN 'Disabled after ' || (consecutive_failures + 1) || ' failed deliveries in a row.'
                               ELSE disabled_reason
                           END
WHERE id = %(endpoint_id)s;

-- Take due deliveries of enabled endpoints for this worker, with a lease.
UPDATE webhook_deliveries AS d
SET status = 'delivering', leased_until = now() + make_interval(secs => %(lease_seconds)s), updated_at = now()
FROM (
    SELECT d2.id
    FROM webhook_deliveries AS d2
    JOIN webhook_endpoints AS w ON w.id = d2.endpoint_id AND w.enabled
    WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
    ORDER BY d2.next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE OF d2 SKIP LOCKED
) AS due
WHERE d.id = due.id
RETURNING d.id, d.event_id, d.endpoint_id, d.message_id, d.attempts;

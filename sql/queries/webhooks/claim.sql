-- Take due deliveries of enabled endpoints, with a lease: for the worker,
-- any event's; for an import's own first attempt, only %(event_id)s's.
-- SKIP LOCKED and the status change mean one claimer per delivery.
-- At most %(per_endpoint)s deliveries per endpoint are in flight, so a
-- receiver that hangs cannot hold every slot and starve the others.
WITH busy AS (
    SELECT endpoint_id, count(*) AS in_flight
    FROM webhook_deliveries
    WHERE status = 'delivering'
    GROUP BY endpoint_id
),
ranked AS (
    SELECT d.id,
           row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id)
               + COALESCE(b.in_flight, 0) AS slot
    FROM webhook_deliveries AS d
    JOIN webhook_endpoints AS w ON w.id = d.endpoint_id AND w.enabled
    LEFT JOIN busy AS b ON b.endpoint_id = d.endpoint_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
      AND (%(event_id)s::bigint IS NULL OR d.event_id = %(event_id)s::bigint)
),
due AS (
    SELECT d.id
    FROM webhook_deliveries AS d
    JOIN ranked AS r ON r.id = d.id
    WHERE r.slot <= %(per_endpoint)s
    ORDER BY d.next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries AS d
SET status = 'delivering', leased_until = now() + make_interval(secs => %(lease_seconds)s), updated_at = now()
FROM due
WHERE d.id = due.id
RETURNING d.id, d.event_id, d.endpoint_id, d.message_id, d.attempts;

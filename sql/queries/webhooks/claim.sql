-- Take due deliveries of enabled endpoints, with a lease: for the worker,
-- any event's; for an import's own first attempt, only %(event_id)s's.
-- Each endpoint gets its deliveries one at a time and in event order: only
-- its oldest unfinished delivery can be taken, and only while none of its
-- deliveries is in flight. So a receiver sees events in the order they
-- happened, and one that hangs holds up only its own endpoint.
-- SKIP LOCKED and the status check on the row itself (re-read if another
-- claimer changed it meanwhile) mean one claimer per delivery.
WITH heads AS (
    SELECT head.id, head.event_id
    FROM webhook_endpoints AS w
    CROSS JOIN LATERAL (
        SELECT d.id, d.event_id, d.status, d.next_attempt_at
        FROM webhook_deliveries AS d
        WHERE d.endpoint_id = w.id AND d.status IN ('pending', 'delivering')
        ORDER BY d.event_id, d.id
        LIMIT 1
    ) AS head
    WHERE w.enabled
      AND head.status = 'pending'
      AND head.next_attempt_at <= now()
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries AS busy
          WHERE busy.endpoint_id = w.id AND busy.status = 'delivering'
      )
      AND (%(event_id)s::bigint IS NULL OR head.event_id = %(event_id)s::bigint)
),
due AS (
    SELECT d.id
    FROM webhook_deliveries AS d
    JOIN heads AS h ON h.id = d.id
    WHERE d.status = 'pending'
    ORDER BY h.event_id
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries AS d
SET status = 'delivering', leased_until = now() + make_interval(secs => %(lease_seconds)s), updated_at = now()
FROM due
WHERE d.id = due.id
RETURNING d.id, d.event_id, d.endpoint_id, d.message_id, d.attempts;

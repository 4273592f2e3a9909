-- Turn new events into one delivery per endpoint subscribed to their type,
-- and mark them done. A disabled endpoint's deliveries wait until it is
-- enabled again (or the user drops them). SKIP LOCKED lets several workers share.
-- %(event_id)s, when not NULL, limits it to that one event.
WITH batch AS (
    SELECT id, type
    FROM events
    WHERE NOT fanned_out AND (%(event_id)s::bigint IS NULL OR id = %(event_id)s::bigint)
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
),
deliveries AS (
    INSERT INTO webhook_deliveries (event_id, endpoint_id, message_id)
    SELECT b.id, w.id, 'msg_' || b.id || '_' || w.id
    FROM batch AS b
    JOIN webhook_endpoints AS w ON b.type = ANY (w.event_types)
    RETURNING 1
),
marked AS (
    UPDATE events SET fanned_out = true WHERE id IN (SELECT id FROM batch) RETURNING 1
)
SELECT (SELECT count(*) FROM marked) AS events, (SELECT count(*) FROM deliveries) AS deliveries;

-- Record an event in the outbox and return its id. A retried step does not
-- record its import's event twice: it gets the id of the one already there.
WITH inserted AS (
    INSERT INTO events (type, payload, import_id)
    VALUES (%(type)s, %(payload)s, %(import_id)s)
    ON CONFLICT (import_id, type) WHERE import_id IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT id FROM inserted
UNION ALL
SELECT id FROM events
WHERE import_id = %(import_id)s AND type = %(type)s AND NOT EXISTS (SELECT 1 FROM inserted);

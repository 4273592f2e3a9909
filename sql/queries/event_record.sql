-- Record an event in the outbox; a retried step does not record it twice.
INSERT INTO events (type, payload, import_id)
VALUES (%(type)s, %(payload)s, %(import_id)s)
ON CONFLICT (import_id, type) WHERE import_id IS NOT NULL DO NOTHING;

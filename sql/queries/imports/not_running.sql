-- Which of these import ids are not running (their work folders may go).
SELECT id FROM unnest(%(ids)s::bigint[]) AS given (id)
WHERE NOT EXISTS (SELECT 1 FROM imports AS i WHERE i.id = given.id AND i.status IN ('queued', 'running'));

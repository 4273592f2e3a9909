-- A request with this token: which live or revoked token it is. last_used_at
-- is written at most once a minute per token, not on every request.
WITH found AS (
    SELECT id, name, revoked_at FROM api_tokens WHERE token_hash = %(token_hash)s
), touched AS (
    UPDATE api_tokens t
    SET last_used_at = now()
    FROM found
    WHERE t.id = found.id AND found.revoked_at IS NULL
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT id, name, revoked_at FROM found;

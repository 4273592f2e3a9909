SELECT id, name, created_at, last_used_at, revoked_at
FROM api_tokens
ORDER BY revoked_at IS NOT NULL, id;

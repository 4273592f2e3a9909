-- A new API token; only its hash is stored (migration 0011).
INSERT INTO api_tokens (name, token_hash)
VALUES (%(name)s, %(token_hash)s)
RETURNING id, name, created_at;

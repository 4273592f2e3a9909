SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL;

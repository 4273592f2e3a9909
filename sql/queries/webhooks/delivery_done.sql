-- After an attempt: succeeded, failed for good, or pending again at next_attempt_at.
UPDATE webhook_deliveries
SET status = %(status)s, attempts = attempts + 1, next_attempt_at = COALESCE(%(next_attempt_at)s, next_attempt_at),
    leased_until = NULL, updated_at = now()
WHERE id = %(delivery_id)s;

-- An endpoint enabled again: its waiting deliveries are due now and start
-- their retry schedule over; they go out one by one in event order (claim.sql).
UPDATE webhook_deliveries
SET next_attempt_at = now(), attempts = 0, updated_at = now()
WHERE endpoint_id = %(endpoint_id)s AND status = 'pending';

-- The user chose to drop what an endpoint missed while it was disabled.
UPDATE webhook_deliveries
SET status = 'dropped', leased_until = NULL, updated_at = now()
WHERE endpoint_id = %(endpoint_id)s AND status = 'pending';

-- Deliveries whose worker died mid-attempt go back in the queue, same message id.
UPDATE webhook_deliveries
SET status = 'pending', leased_until = NULL, updated_at = now()
WHERE status = 'delivering' AND leased_until < now();

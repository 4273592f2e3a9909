-- Deliveries waiting for an endpoint (kept while it is disabled).
SELECT count(*) AS n, min(created_at) AS oldest
FROM webhook_deliveries
WHERE endpoint_id = %(endpoint_id)s AND status = 'pending';

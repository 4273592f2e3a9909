-- Webhook delivery policy (pipelines/webhooks/delivery.py):
-- * an endpoint is disabled only after it has failed continuously for
--   WEBHOOK_DISABLE_AFTER_HOURS: failing_since is the first failure of the
--   current streak, cleared by a success;
-- * deliveries are made for disabled endpoints too and wait until the
--   endpoint is enabled again, or until the user drops them ('dropped');
-- * each endpoint gets its deliveries one at a time, in event order: the
--   index finds an endpoint's oldest unfinished delivery.
ALTER TABLE webhook_endpoints
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN disabled_at   timestamptz;

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'dropped'));

CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (endpoint_id, event_id, id)
    WHERE status IN ('pending', 'delivering');

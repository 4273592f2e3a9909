-- Editing an endpoint; enabling it again clears why it was disabled and its
-- failure streak (what happens to its waiting deliveries: backlog_*.sql).
UPDATE webhook_endpoints
SET url                  = %(url)s,
    event_types          = %(event_types)s,
    enabled              = %(enabled)s,
    disabled_reason      = CASE WHEN %(enabled)s THEN NULL ELSE disabled_reason END,
    disabled_at          = CASE WHEN %(enabled)s THEN NULL ELSE disabled_at END,
    consecutive_failures = CASE WHEN %(enabled)s AND NOT enabled THEN 0 ELSE consecutive_failures END,
    failing_since        = CASE WHEN %(enabled)s AND NOT enabled THEN NULL ELSE failing_since END,
    updated_at           = now()
WHERE id = %(id)s
RETURNING *;

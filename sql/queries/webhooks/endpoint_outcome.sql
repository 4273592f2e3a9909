-- An endpoint's latest result. It is disabled by an HTTP 410, or once it
-- has failed continuously (no success in between) for %(disable_after_seconds)s;
-- `newly_disabled` tells the caller to record the webhook.endpoint_disabled event.
WITH before AS (
    SELECT id, enabled FROM webhook_endpoints WHERE id = %(endpoint_id)s FOR UPDATE
),
judged AS (
    SELECT w.id,
           CASE WHEN %(succeeded)s THEN NULL ELSE COALESCE(w.failing_since, now()) END AS failing_since,
           CASE
               WHEN %(gone)s THEN 'The receiver answered 410 Gone.'
               WHEN NOT %(succeeded)s
                    AND COALESCE(w.failing_since, now()) <= now() - make_interval(secs => %(disable_after_seconds)s)
                   THEN 'Disabled after failing continuously since '
                        || to_char(COALESCE(w.failing_since, now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC ('
                        || (w.consecutive_failures + 1) || ' failed attempts).'
           END AS disable_reason
    FROM webhook_endpoints AS w
    WHERE w.id = %(endpoint_id)s
)
UPDATE webhook_endpoints AS w
SET last_delivery_at     = now(),
    last_status          = %(http_status)s,
    last_response_ms     = %(response_ms)s,
    consecutive_failures = CASE WHEN %(succeeded)s THEN 0 ELSE w.consecutive_failures + 1 END,
    failing_since        = judged.failing_since,
    enabled              = w.enabled AND judged.disable_reason IS NULL,
    disabled_reason      = CASE WHEN w.enabled AND judged.disable_reason IS NOT NULL
                                THEN judged.disable_reason ELSE w.disabled_reason END,
    disabled_at          = CASE WHEN w.enabled AND judged.disable_reason IS NOT NULL
                                THEN now() ELSE w.disabled_at END
FROM before, judged
WHERE w.id = before.id AND w.id = judged.id
RETURNING w.id, w.url, w.disabled_reason, w.failing_since,
          (before.enabled AND NOT w.enabled) AS newly_disabled;

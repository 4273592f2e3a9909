-- Rows per second of the last large merges (median of ten), to estimate
-- how far a running merge is: no progress view covers an INSERT or UPDATE,
-- and the merge is one statement (staging/merge_into_products.sql).
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY rows_seen / (stage_seconds ->> 'merging')::float) AS rows_per_second
FROM (
    SELECT rows_seen, stage_seconds
    FROM imports
    WHERE status = 'succeeded' AND rows_seen >= %(at_least)s AND (stage_seconds ->> 'merging')::float > 0
    ORDER BY id DESC
    LIMIT 10
) AS recent;

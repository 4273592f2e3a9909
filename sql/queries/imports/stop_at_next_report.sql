-- A cancelled import whose run Dagster could not stop: its own next progress
-- report stops it (migration 0011).
UPDATE imports
SET stop_at_next_report = true
WHERE id = %(import_id)s AND cancel_requested_at IS NOT NULL;

-- Merges take turns (transaction-scoped), so overlapping imports cannot
-- deadlock on each other's rows and commit in the order they reach this point.
SELECT pg_advisory_xact_lock(hashtext('product_importer.merge'));

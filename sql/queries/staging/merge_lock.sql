-- Merges take turns (transaction-scoped lock), so two large merges never
-- lock overlapping rows in different orders and deadlock. Which one wins on
-- an overlap does not depend on this order (see merge_products.sql).
SELECT pg_advisory_xact_lock(hashtext('product_importer.merge'));

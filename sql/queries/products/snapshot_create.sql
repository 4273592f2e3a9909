-- A delete-all keeps what it deletes (restorable for JOURNAL_RETENTION_DAYS).
INSERT INTO catalog_deletions (products) VALUES (%(products)s) RETURNING id, deleted_at;

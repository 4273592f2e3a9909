SELECT id, deleted_at, products, restored_at FROM catalog_deletions WHERE id = %(deletion_id)s FOR UPDATE;

-- Remember that this SKU was deleted now: an import that arrived earlier
-- must not create it again (merge_into_products.sql).
INSERT INTO product_tombstones (sku_key, deleted_at)
VALUES (%(sku_key)s, now())
ON CONFLICT (sku_key) DO UPDATE SET deleted_at = excluded.deleted_at;

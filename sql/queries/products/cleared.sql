-- Remember when the whole catalog was deleted: imports that arrived before
-- create nothing (merge_into_products.sql). Per-SKU tombstones are then moot.
INSERT INTO products_cleared (cleared_at) VALUES (now())
ON CONFLICT (only_row) DO UPDATE SET cleared_at = excluded.cleared_at;
DELETE FROM product_tombstones;

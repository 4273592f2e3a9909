-- Move a product whose caseless SKU is another's into the archive; returns it.
WITH gone AS (
    DELETE FROM products WHERE id = %(id)s
    RETURNING id, sku, sku_key, name, description, active, created_at, updated_at, changed_at
)
INSERT INTO products_merged_by_sku_key
    (id, sku, old_sku_key, name, description, active, created_at, updated_at, changed_at, kept_product_id)
SELECT id, sku, sku_key, name, description, active, created_at, updated_at, changed_at, %(kept)s
FROM gone
RETURNING id, sku, name, description, active, kept_product_id;

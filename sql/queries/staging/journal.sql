,
-- The import's journal (import_changes, migration 0012), a CTE of
-- staging/merge_into_products.sql: each product it created (with its SKU),
-- and each it updated with its values before. A product that another change created
-- while the merge ran, and that the merge then overwrote, is journaled as
-- updated without values before: undo keeps it.
journal AS (
    INSERT INTO import_changes (import_id, product_id, created, sku, name, description, price, changed_at)
    SELECT %(import_id)s, id, is_new, CASE WHEN is_new THEN sku END, NULL, NULL, NULL, NULL
    FROM inserted
    UNION ALL
    SELECT %(import_id)s, c.product_id, false, c.sku_before, c.name_before, c.description_before, c.price_before,
           c.changed_at_before
    FROM updated AS u
    JOIN changed AS c ON c.product_id = u.id
)

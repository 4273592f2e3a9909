,
-- The import's journal (import_changes, migration 0012), a CTE of
-- staging/merge_into_products.sql: each product it updated, with its values
-- before. (A product that another change created while the merge ran, and
-- that the merge then overwrote, has no values before here: undo keeps it.)
journal AS (
    INSERT INTO import_changes (import_id, product_id, sku, name, description, price, changed_at)
    SELECT %(import_id)s, c.product_id, c.sku_before, c.name_before, c.description_before, c.price_before,
           c.changed_at_before
    FROM updated AS u
    JOIN changed AS c ON c.product_id = u.id
)

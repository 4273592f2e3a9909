-- A page of products in the chosen order, after a cursor (keyset
-- pagination: a deep page costs the same as the first). {key} is the sort
-- column (pipelines/catalog/products.py SORT_KEYS), and the id breaks ties,
-- so (key, id) is unique and the cursor is the last row's pair. {cmp} and
-- {direction} are > ASC to go forward in ascending order; the caller flips
-- them to go backward or to sort descending. The filter is
-- products/matching.sql.
SELECT id, sku, name, description, price, active, created_at, updated_at, {key} AS sort_value
FROM products
WHERE {matching}
  AND (%(cursor_id)s::bigint IS NULL OR ({key}, id) {cmp} (%(cursor_value)s::{key_type}, %(cursor_id)s))
ORDER BY {key} {direction}, id {direction}
LIMIT %(limit)s;

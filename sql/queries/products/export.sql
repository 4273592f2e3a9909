-- The products that match the filter (products/matching.sql) as
-- CSV in the import's own columns, so an exported file imports back
-- unchanged. COPY streams it row by row: a million products never sit in
-- memory. In id order, the order products were first created.
COPY (
    SELECT sku, name, description, price
    FROM products
    WHERE {matching}
    ORDER BY id
) TO STDOUT WITH (FORMAT csv, HEADER true);

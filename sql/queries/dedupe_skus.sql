-- DuckDB: one row per SKU key; the last occurrence in the file wins and
-- keeps its own casing. `valid_rows` is the validated Polars frame.
SELECT line, sku, sku_key, name, description
FROM valid_rows
QUALIFY row_number() OVER (PARTITION BY sku_key ORDER BY line DESC) = 1
ORDER BY line;

-- DuckDB: for each SKU key, the line of its last occurrence in the file.
-- That row wins and keeps its own casing. `valid_rows` is the validated
-- Polars frame (line, sku_key), read through Arrow without a copy.
SELECT max(line) AS line
FROM valid_rows
GROUP BY sku_key;

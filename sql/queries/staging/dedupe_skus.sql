-- DuckDB: for each SKU key, the line of its last occurrence in the file.
-- That row wins and keeps its own casing. `valid_rows` is a view over the
-- checked rows' Parquet files; sorted so each file's winners are one range.
SELECT max(line) AS line
FROM valid_rows
GROUP BY sku_key
ORDER BY line

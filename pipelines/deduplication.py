"""Removing duplicate SKUs with DuckDB: the last row of the file wins."""

import duckdb
import polars as pl

from pipelines.sql_files import query


def dedupe(valid_rows: pl.DataFrame) -> pl.DataFrame:
    """One row per SKU key, in file order; see sql/queries/dedupe_skus.sql.

    DuckDB decides which line survives for each key; only those line numbers
    come back, and Polars keeps the matching rows (cheaper than sending every
    text column through DuckDB and back).
    """
    with duckdb.connect() as con:
        con.register("valid_rows", valid_rows.select("line", "sku_key"))
        winners = con.sql(query("dedupe_skus")).pl()
    return valid_rows.join(winners, on="line", how="semi")

"""Removing duplicate SKUs with DuckDB: the last row of the file wins."""

import duckdb
import polars as pl

from pipelines.sql_files import query


def dedupe(valid_rows: pl.DataFrame) -> pl.DataFrame:
    """One row per SKU key, in file order; see sql/queries/dedupe_skus.sql."""
    with duckdb.connect() as con:
        # DuckDB reads the Polars frame through Arrow without copying it.
        con.register("valid_rows", valid_rows)
        return con.sql(query("dedupe_skus")).pl()

"""Removing duplicate SKUs with DuckDB: the last row of the file wins.

DuckDB reads the checked rows' Parquet files (checked_rows.py) and decides
which line survives for each SKU key; only those line numbers are kept, in
work/winners.parquet. Staging then streams each Parquet file's winning rows
to PostgreSQL, so no step holds the whole file. DuckDB spills to the work
folder above its memory limit instead of failing.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.db.sql_files import query
from pipelines.importing.checked_rows import valid_parts

WINNERS = "winners.parquet"
# DuckDB's share of memory. On 5,000,000 rows it found the winners in 0.9 s
# and the whole import peaked at 703 MB (bench/results/import_speed_big.json).
MEMORY_LIMIT = "256MB"


@dataclass(frozen=True)
class Deduplicated:
    rows_valid: int
    unique: int

    @property
    def duplicates(self) -> int:
        return self.rows_valid - self.unique


def find_winners(work: Path) -> Deduplicated:
    """Write the winning line of each SKU key to work/winners.parquet."""
    parts = valid_parts(work)
    winners = Path(work) / WINNERS
    if not parts:
        pl.DataFrame(schema={"line": pl.UInt32}).write_parquet(winners)
        return Deduplicated(0, 0)
    config = {
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(Path(work) / "duckdb"),
        "preserve_insertion_order": False,
    }
    with duckdb.connect(config=config) as con:
        con.read_parquet([str(part) for part in parts]).create_view("valid_rows")
        rows_valid = con.execute("SELECT count(*) FROM valid_rows").fetchall()[0][0]
        target = str(winners).replace("'", "''")  # COPY's target cannot be a parameter
        con.execute(f"COPY ({query('staging/dedupe_skus')}) TO '{target}' (FORMAT parquet)")
    unique = pl.scan_parquet(winners).select(pl.len()).collect().item()
    return Deduplicated(rows_valid=rows_valid, unique=unique)


def unique_rows(work: Path) -> Iterator[pl.DataFrame]:
    """Each Parquet file's winning rows, in file order."""
    winners = pl.read_parquet(Path(work) / WINNERS)["line"]  # sorted; 8 bytes a row
    for part in valid_parts(work):
        rows = pl.read_parquet(part)
        first, last = rows["line"][0], rows["line"][-1]
        start, end = winners.search_sorted(first), winners.search_sorted(last, side="right")
        yield rows.join(winners.slice(start, end - start).to_frame(), on="line", how="semi")

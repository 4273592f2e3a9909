"""Loading deduplicated rows into a per-import staging table with COPY."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import polars as pl
import psycopg

from pipelines.database import connect
from pipelines.sql_files import with_table

COPY_CHUNK_ROWS = 50_000
# Two COPY streams keep both the encoder (Polars, here) and the server's
# parser busy; more brings nothing on a small machine.
COPY_STREAMS = 2
COLUMNS = ["line", "sku", "sku_key", "name", "description"]


def staging_table(import_id: int) -> str:
    return f"import_staging_{import_id}"


def load_staging(
    url: str,
    import_id: int,
    rows: pl.DataFrame,
    on_progress: Callable[[int], None] = lambda done: None,
) -> str:
    """COPY `rows` into a fresh staging table; returns its name.

    Polars writes each chunk as CSV in Rust and psycopg streams the bytes to
    the server: no per-row Python work. The table is UNLOGGED and only read
    by this import's merge, so its streams need not share a transaction.
    """
    table = staging_table(import_id)
    with connect(url, autocommit=True) as conn:
        conn.execute(with_table("staging_create", staging=table))
    copied = 0
    lock = threading.Lock()

    def count(rows_done: int) -> None:
        nonlocal copied
        with lock:
            copied += rows_done
            on_progress(copied)

    def copy_part(part: pl.DataFrame) -> None:
        with connect(url) as conn:
            copy_rows(conn, table, part, count)

    size = -(-rows.height // COPY_STREAMS) if rows.height else 1
    parts = [rows.slice(i * size, size) for i in range(COPY_STREAMS)]
    with ThreadPoolExecutor(COPY_STREAMS) as pool:
        list(pool.map(copy_part, parts))  # list() re-raises a stream's error
    return table


def copy_rows(conn: psycopg.Connection, table: str, rows: pl.DataFrame, on_chunk: Callable[[int], None] = lambda n: None) -> None:
    """COPY rows into `table` on `conn`, in chunks (on_chunk gets each chunk's size)."""
    with conn.cursor().copy(with_table("staging_copy", staging=table)) as copy:
        for offset in range(0, rows.height, COPY_CHUNK_ROWS):
            chunk = rows.slice(offset, COPY_CHUNK_ROWS)
            buffer = BytesIO()
            chunk.select(COLUMNS).write_csv(buffer, include_header=False)
            copy.write(buffer.getbuffer())
            on_chunk(chunk.height)


def drop_staging(url: str, import_id: int) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(with_table("staging_drop", staging=staging_table(import_id)))

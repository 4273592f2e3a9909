"""Loading deduplicated rows into a per-import staging table with COPY."""

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import polars as pl
import psycopg

from pipelines.db.connection import connect
from pipelines.db.sql_files import query, with_table

COPY_CHUNK_ROWS = 50_000
# Two COPY streams keep both the encoder (Polars, here) and the server's
# parser busy; more brings nothing on a small machine.
COPY_STREAMS = 2
COLUMNS = ["line", "sku", "sku_key", "name", "description", "price"]


def staging_table(import_id: int) -> str:
    return f"import_staging_{import_id}"


def load_staging(
    url: str,
    import_id: int,
    frames: Iterable[pl.DataFrame],
    on_progress: Callable[[int], None] = lambda done: None,
) -> int:
    """COPY the rows of `frames` into a fresh staging table; returns the row count.

    Polars writes each chunk as CSV in Rust and psycopg streams the bytes to
    the server: no per-row Python work. The streams take frames from one
    iterator, so only a few are in memory at once. The table is UNLOGGED and
    only read by this import's merge, so its streams need not share a
    transaction.
    """
    table = staging_table(import_id)
    with connect(url, autocommit=True) as conn:
        conn.execute(with_table("staging/create", staging=table))
    copied = 0
    lock = threading.Lock()
    source = iter(frames)

    def next_frame() -> pl.DataFrame | None:
        with lock:
            return next(source, None)

    def count(rows_done: int) -> None:
        nonlocal copied
        with lock:
            copied += rows_done
            on_progress(copied)

    def stream() -> None:
        with connect(url) as conn, conn.cursor().copy(with_table("staging/copy", staging=table)) as copy:
            while (frame := next_frame()) is not None:
                write_frame(copy, frame, count)

    with ThreadPoolExecutor(COPY_STREAMS) as pool:
        for done in [pool.submit(stream) for _ in range(COPY_STREAMS)]:
            done.result()  # re-raises a stream's error
    return copied


def copy_rows(conn: psycopg.Connection, table: str, frames: Iterable[pl.DataFrame]) -> None:
    """COPY the rows of `frames` into `table` on `conn`."""
    with conn.cursor().copy(with_table("staging/copy", staging=table)) as copy:
        for frame in frames:
            write_frame(copy, frame)


def write_frame(copy: psycopg.Copy, rows: pl.DataFrame, on_chunk: Callable[[int], None] = lambda n: None) -> None:
    """Send rows to a COPY in CSV chunks (on_chunk gets each chunk's size)."""
    for offset in range(0, rows.height, COPY_CHUNK_ROWS):
        chunk = rows.slice(offset, COPY_CHUNK_ROWS)
        buffer = BytesIO()
        chunk.select(COLUMNS).write_csv(buffer, include_header=False)
        copy.write(buffer.getbuffer())
        on_chunk(chunk.height)


def drop_staging(url: str, import_id: int) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(with_table("staging/drop", staging=staging_table(import_id)))


def leftover_staging_tables(url: str) -> list[str]:
    """Staging tables of imports that are no longer running (left by a crash)."""
    with connect(url) as conn:
        return [row["name"] for row in conn.execute(query("staging/leftover_tables")).fetchall()]

"""Loading deduplicated rows into a per-import staging table with COPY."""

from collections.abc import Callable
from io import BytesIO

import polars as pl

from pipelines.database import connect
from pipelines.sql_files import with_table

COPY_CHUNK_ROWS = 100_000
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
    the server: no per-row Python work.
    """
    table = staging_table(import_id)
    with connect(url) as conn:
        conn.execute(with_table("staging_create", staging=table))
        with conn.cursor().copy(with_table("staging_copy", staging=table)) as copy:
            for offset in range(0, rows.height, COPY_CHUNK_ROWS):
                buffer = BytesIO()
                rows.slice(offset, COPY_CHUNK_ROWS).select(COLUMNS).write_csv(buffer, include_header=False)
                copy.write(buffer.getbuffer())
                on_progress(min(offset + COPY_CHUNK_ROWS, rows.height))
    return table


def drop_staging(url: str, import_id: int) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(with_table("staging_drop", staging=staging_table(import_id)))

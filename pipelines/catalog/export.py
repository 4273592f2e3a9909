"""Exporting products as CSV in the import's own columns (export -> import round-trips)."""

from collections.abc import Iterator

from pipelines.catalog.products import ProductFilter
from pipelines.db.connection import connect
from pipelines.db.sql_files import query, with_parts

# COPY sends one message per row; handing on blocks of this size keeps the
# number of writes (HTTP chunks) low without holding more than one block.
BLOCK_BYTES = 256 << 10


def export_csv(url: str, where: ProductFilter) -> Iterator[bytes]:
    """The matching products as CSV (header sku,name,description,price), in blocks.

    Streams from the server through COPY: memory stays at one block for any
    number of products. Stopping early (a client that went away) ends the COPY.
    """
    statement = with_parts("products/export", matching=query("products/matching"))
    with connect(url) as conn, conn.cursor().copy(statement, where.params()) as copy:
        block = bytearray()
        for data in copy:
            block += data
            if len(block) >= BLOCK_BYTES:
                yield bytes(block)
                block.clear()
        if block:
            yield bytes(block)

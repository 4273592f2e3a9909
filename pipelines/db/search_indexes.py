"""The trigram indexes behind the product filters, around large imports.

Keeping a GIN trigram index up to date row by row is expensive: measured
here, merging 465,000 new products took 3.3 s without them and 36 s with
them, while building them afterwards took 10 s (20 s with CONCURRENTLY).
So an import that writes a large share of the table drops them first and
rebuilds them after its merge committed: reads go on (filters are slower
until the build ends) and so do writes (the rebuild is CONCURRENTLY). Small
imports keep them and pay per row.
"""

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache

import psycopg

from pipelines.db.connection import connect
from pipelines.db.sql_files import query, with_table

# Rebuilding costs about a third of maintaining per row, counted over the
# whole table; below this many changed rows it is never worth it.
REBUILD_SHARE = 0.3
REBUILD_MIN_ROWS = 20_000
LOCK_POLL_SECONDS = 0.2


def worth_rebuilding(changed_rows: int, table_rows: int) -> bool:
    """Whether writing `changed_rows` into a table of `table_rows` should rebuild."""
    return changed_rows >= REBUILD_MIN_ROWS and changed_rows >= REBUILD_SHARE * max(table_rows, 1)


def _statements(name: str, **parts: str) -> list[str]:
    """A file's statements, one by one (index DDL may not share a transaction);
    `parts` fill its {placeholders} with fixed SQL words."""
    code = "\n".join(line for line in query(name).splitlines() if not line.strip().startswith("--"))
    code = code.format(**parts) if parts else code
    return [statement for statement in code.split(";") if statement.strip()]


def _run_each(conn: psycopg.Connection, name: str, **parts: str) -> None:
    for statement in _statements(name, **parts):
        conn.execute(statement)


def create_statements() -> list[str]:
    """The plain CREATE INDEX statements of the search indexes (search_indexes/create.sql)."""
    return _statements("search_indexes/create", concurrently="")


def _run_at_once(url: str, statements: list[str]) -> None:
    """Each statement in a session of its own, all at the same time.

    Plain CREATE INDEX builds of one table share its lock, so they can run
    side by side: PostgreSQL 15 builds a GIN index in one process, and on
    two cores the description index (13.4 s for 465,000 products) then
    takes the time while the SKU and name indexes (2.5 s and 1.5 s) build
    beside it. Measured for the three (465,000 products): 14.4-15.5 s at
    once against 17.1-18.9 s one after another on PostgreSQL 15; on 18,
    whose GIN builds use parallel workers, 10.1-10.4 s either way.
    (CONCURRENTLY builds of one table wait for each other: 20-30 s.)
    """

    def run(statement: str) -> None:
        with connect(url, autocommit=True) as conn:
            conn.execute(statement)

    with ThreadPoolExecutor(len(statements) or 1) as pool:
        for done in [pool.submit(run, statement) for statement in statements]:
            done.result()


@contextmanager
def _index_session(url: str) -> Iterator[psycopg.Connection]:
    """A connection holding the lock that lets one session at a time change the indexes."""
    with connect(url, autocommit=True) as conn:
        while not conn.execute(query("search_indexes/lock")).fetchone()["locked"]:
            time.sleep(LOCK_POLL_SECONDS)
        try:
            yield conn
        finally:
            conn.execute(query("search_indexes/unlock"))


@contextmanager
def no_index_build(url: str) -> Iterator[None]:
    """Wait until no search index is being built, and keep builds out meanwhile.

    For statements that need the table to themselves (delete all's TRUNCATE):
    run beside a CREATE INDEX CONCURRENTLY, such a statement and the build
    wait for each other, and PostgreSQL fails one of them as a deadlock.
    """
    with _index_session(url):
        yield


def drop_search_indexes(url: str) -> None:
    with _index_session(url) as conn:
        _run_each(conn, "search_indexes/drop")


def ensure_search_indexes(url: str, concurrently: bool = False) -> None:
    """Create missing search indexes and replace ones a crash left invalid.

    `concurrently` while the app may write: slower, but no write waits for it.
    """
    with _index_session(url) as conn:
        for row in conn.execute(query("search_indexes/invalid")).fetchall():
            conn.execute(with_table("search_indexes/drop_invalid", index=row["name"]))
        if concurrently:
            _run_each(conn, "search_indexes/create", concurrently="CONCURRENTLY")
        else:
            _run_at_once(url, create_statements())


def clean_pending_lists(url: str) -> bool:
    """Move what merges appended to the trigram indexes' pending lists into
    the indexes (staging/merge_settings.sql says why merges append there).
    Skipped (False) while another session builds or drops the indexes: that
    build takes the entries in anyway, and autovacuum cleans lists too."""
    with connect(url, autocommit=True) as conn:
        if not conn.execute(query("search_indexes/lock")).fetchone()["locked"]:
            return False
        try:
            conn.execute(query("search_indexes/clean_pending"), {"names": list(search_index_names())})
        finally:
            conn.execute(query("search_indexes/unlock"))
    return True


@cache
def search_index_names() -> tuple[str, ...]:
    """The indexes `ensure_search_indexes` creates, as named in its SQL file."""
    return tuple(re.findall(r"CREATE INDEX \{concurrently\} IF NOT EXISTS (\w+)", query("search_indexes/create")))


def index_build_fraction(conn: psycopg.Connection) -> float | None:
    """How much of the search index rebuild is done (0..1), from
    pg_stat_progress_create_index: the indexes already valid, plus the
    share of the one being built; None while none is being built."""
    names = search_index_names()
    building = [r for r in conn.execute(query("search_indexes/build_progress")).fetchall() if r["name"] in names]
    if not building:
        return None
    valid = {r["name"] for r in conn.execute(query("search_indexes/status"), {"names": list(names)}) if r["valid"]}
    return min(1.0, (len(valid) + sum(_build_share(r) for r in building)) / len(names))


def _build_share(row: dict) -> float:
    """One build's progress: scanning the table (blocks), then, for a
    CONCURRENTLY build, validating (tuples); the phase names are PostgreSQL's."""
    phase = row["phase"] or ""

    def part(done: str, total: str) -> float:
        return row[done] / row[total] if row[total] else 0.0

    if phase.startswith("building index"):
        return 0.7 * (part("blocks_done", "blocks_total") or part("tuples_done", "tuples_total"))
    if phase.startswith("index validation"):
        return 0.7 + 0.25 * (part("blocks_done", "blocks_total") or part("tuples_done", "tuples_total"))
    return 0.95 if phase.startswith("waiting for old snapshots") or phase.startswith("waiting for readers") else 0.0


def search_indexes_missing(url: str) -> list[str]:
    """Search indexes that are absent or not usable (invalid, or still being built)."""
    with connect(url) as conn:
        rows = conn.execute(query("search_indexes/status"), {"names": list(search_index_names())}).fetchall()
    usable = {row["name"] for row in rows if row["valid"]}
    return [name for name in search_index_names() if name not in usable]

"""Merging a staging table into products, in one transaction."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from pipelines.catalog.events import UPLOAD_COMPLETED, record_event, upload_event
from pipelines.db.connection import connect
from pipelines.db.search_indexes import drop_search_indexes, worth_rebuilding
from pipelines.db.sql_files import query, with_table
from pipelines.importing.staging import staging_table


class ImportNoLongerRunning(RuntimeError):
    """The import was failed (e.g. by recovery) while its merge ran."""


def planned_changes(url: str, import_id: int, has_price: bool) -> dict:
    """created/updated/unchanged that merging the staging table would give."""
    with connect(url) as conn:
        return conn.execute(
            with_table("staging/preview_changes", staging=staging_table(import_id)), {"has_price": has_price}
        ).fetchone()


def table_estimate(url: str) -> int:
    with connect(url) as conn:
        return conn.execute(query("products/estimate")).fetchone()["n"]


def plan_search_index_rebuild(url: str, import_id: int, staged_rows: int, has_price: bool) -> bool:
    """Drop the search indexes if this merge writes enough rows to rebuild them after.

    The exact number of changed rows is counted only when the file is large
    compared with the table; a small file never triggers a rebuild.
    """
    table = table_estimate(url)
    if not worth_rebuilding(staged_rows, table):
        return False
    planned = planned_changes(url, import_id, has_price)
    if not worth_rebuilding(planned["created"] + planned["updated"], table + planned["created"]):
        return False
    drop_search_indexes(url)
    return True


@dataclass(frozen=True)
class MergeResult:
    created: int
    updated: int
    unchanged: int
    event: dict
    event_id: int  # of upload.completed, in the outbox


def merge_progress(url: str, rows: int) -> Callable[[psycopg.Connection], float | None]:
    """How far a merge of `rows` rows that starts now has got (0..1), for its
    progress bar. No progress view covers an INSERT or UPDATE and the merge is
    one statement, so this is its time so far against the median speed of the
    last large merges; None (the bar waits) without such history."""
    with connect(url) as conn:
        rate = conn.execute(query("imports/merge_rate"), {"at_least": 10_000}).fetchone()["rows_per_second"]
    started = time.monotonic()
    # At most 90%: past the expected time the bar waits, and the time left
    # (from the share done) grows instead of promising "0 s".
    return lambda conn: min(0.9, (time.monotonic() - started) * rate / max(rows, 1)) if rate else None


def merge_import(
    url: str,
    import_id: int,
    staged_rows: int,
    has_price: bool = True,
    before_commit: Callable[[psycopg.Connection], None] = lambda conn: None,
    journal: bool = True,
) -> MergeResult:
    """Upsert the import's staging table into products.

    In the same transaction: the import row gets its outcome and the
    `upload.completed` event is written to the outbox. So either the products,
    the import's success and its event all commit, or none of them does.
    Without a price column in the file (`has_price` false) prices are kept.
    `before_commit` lets tests inject a failure at the last moment. The
    journal (what it created, and the values it overwrote, for undo) is
    written by the merge statement itself; only the benchmark turns it off,
    to measure what it costs.
    """
    with connect(url) as conn, conn.transaction():
        conn.execute(query("staging/merge_lock"))
        counts = conn.execute(
            with_table(
                "staging/merge_into_products",
                parts={"journal": query("staging/journal") if journal else ""},
                staging=staging_table(import_id),
            ),
            {"import_id": import_id, "has_price": has_price},
        ).fetchone()
        created, updated = counts["created"], counts["updated"]
        conn.execute(query("staging/prune_tombstones"))
        unchanged = staged_rows - created - updated
        summary = conn.execute(
            query("imports/merged"),
            {
                "import_id": import_id,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
            },
        ).fetchone()
        if summary is None:
            raise ImportNoLongerRunning(
                f"Import {import_id} is no longer running (it was cancelled, or marked failed meanwhile); "
                "its merge was rolled back."
            )
        event = upload_event(import_id, summary)
        event_id = record_event(conn, UPLOAD_COMPLETED, event, import_id)
        before_commit(conn)
    return MergeResult(created=created, updated=updated, unchanged=unchanged, event=event, event_id=event_id)

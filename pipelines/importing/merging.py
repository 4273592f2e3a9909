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
from pipelines.settings import rebuild_concurrently


class ImportNoLongerRunning(RuntimeError):
    """The import was failed (e.g. by recovery) while its merge ran."""


# Rows of the staging table joined to estimate what a merge changes: the
# estimate only decides whether to rebuild the search indexes (at 30% of the
# table), and counting every row cost a 465,000-row re-import a second join
# of the whole table (about 1 s on PostgreSQL 15).
PLAN_SAMPLE_ROWS = 5_000


def planned_changes(url: str, import_id: int, has_price: bool, staged_rows: int) -> dict:
    """created/updated/unchanged that merging the staging table would give,
    estimated from a random sample of about PLAN_SAMPLE_ROWS staged rows."""
    percent = min(100.0, 100.0 * PLAN_SAMPLE_ROWS / max(staged_rows, 1))
    sample = f"TABLESAMPLE BERNOULLI ({percent:.4f}) REPEATABLE (13)" if percent < 100 else ""
    with connect(url) as conn:
        counts = conn.execute(
            with_table("staging/preview_changes", parts={"sample": sample}, staging=staging_table(import_id)),
            {"has_price": has_price},
        ).fetchone()
    scale = 100.0 / percent
    return {key: round(value * scale) for key, value in counts.items()}


def table_estimate(url: str) -> int:
    with connect(url) as conn:
        return conn.execute(query("products/estimate")).fetchone()["n"]


def catalog_is_empty(url: str) -> bool:
    with connect(url) as conn:
        return not conn.execute(query("products/any")).fetchone()["any"]


@dataclass(frozen=True)
class RebuildPlan:
    """This merge drops the search indexes; they are built again after it."""

    concurrently: bool  # settings.rebuild_concurrently: whether the app's writes go on meanwhile


def plan_search_index_rebuild(url: str, import_id: int, staged_rows: int, has_price: bool) -> RebuildPlan | None:
    """Drop the search indexes if this merge writes enough rows to rebuild them after.

    Into an empty catalog every staged row is new. Otherwise the changed rows
    are estimated from a sample, and only when the file is large compared
    with the table; a small file never triggers a rebuild.
    """
    empty = catalog_is_empty(url)
    table = 0 if empty else table_estimate(url)
    if not worth_rebuilding(staged_rows, table):
        return None
    if not empty:
        planned = planned_changes(url, import_id, has_price, staged_rows)
        if not worth_rebuilding(planned["created"] + planned["updated"], table + planned["created"]):
            return None
    plan = RebuildPlan(concurrently=rebuild_concurrently(catalog_was_empty=empty))
    drop_search_indexes(url)
    return plan


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
        conn.execute(query("staging/merge_settings"))  # no parameters: one round trip for its statements
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

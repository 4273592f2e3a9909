"""What an import changed (its journal), undoing it, and the retention of journals.

The journal is written by the merge statement itself (staging/journal.sql),
so it exists exactly when the merge committed. Undo runs in one transaction
that takes turns with merges (the merge lock): the catalog is either as it
was before the undo or fully undone, whatever happens to the process.

Undoing is final: an undone import cannot be undone again. To apply it
once more, import its file again (Retry, or drop it again).
"""

import csv
import io
import time
from dataclasses import asdict, dataclass, field

from psycopg.types.json import Jsonb

from pipelines.catalog.events import UPLOAD_REVERTED, record_event
from pipelines.catalog.products import contains_pattern
from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.importing.cancellation import ImportNotFound

# Kept products are reported by SKU; beyond this many, by count only.
KEPT_LISTED = 1000


class CannotUndo(ValueError):
    """The import cannot be undone; the message says why."""


@dataclass(frozen=True)
class UndoSummary:
    import_id: int
    restored: int  # updated by the import: their values before are back
    deleted: int  # created by the import: deleted again
    kept: int  # changed or deleted since: left as they are
    kept_skus: list[str] = field(default_factory=list)  # the first KEPT_LISTED of them
    seconds: float = 0.0

    def as_json(self) -> dict:
        return asdict(self)


def _undoable(row: dict | None, import_id: int) -> None:
    if row is None:
        raise ImportNotFound(f"There is no import {import_id}.")
    if row["reverted_at"] is not None:
        raise CannotUndo(
            f"Import {import_id} was already undone at {row['reverted_at']:%Y-%m-%d %H:%M}; "
            "to apply it again, import its file again."
        )
    if row["status"] != "succeeded":
        raise CannotUndo(f"Import {import_id} is {row['status']}: only a merged import changed anything to undo.")
    if row["journal_pruned_at"] is not None:
        raise CannotUndo(
            f"Import {import_id}'s journal was removed at {row['journal_pruned_at']:%Y-%m-%d} "
            "(JOURNAL_RETENTION_DAYS); it can no longer be undone."
        )


def undo_import(url: str, import_id: int) -> UndoSummary:
    """Undo import `import_id` in one transaction, with its upload.reverted event."""
    started = time.monotonic()
    with connect(url) as conn, conn.transaction():
        conn.execute(query("staging/merge_lock"))  # takes turns with merges and other undos
        _undoable(conn.execute(query("imports/lock"), {"import_id": import_id}).fetchone(), import_id)
        counts = conn.execute(query("journal/undo"), {"import_id": import_id, "kept_listed": KEPT_LISTED}).fetchone()
        summary = UndoSummary(
            import_id,
            counts["restored"],
            counts["deleted"],
            counts["kept"],
            list(counts["kept_skus"]),
            round(time.monotonic() - started, 3),
        )
        conn.execute(query("journal/reverted"), {"import_id": import_id, "summary": Jsonb(summary.as_json())})
        record_event(conn, UPLOAD_REVERTED, summary.as_json(), import_id)
    return summary


def import_changes(
    url: str, import_id: int, after: int = 0, limit: int = 100, created: bool | None = None, sku: str = ""
) -> list[dict]:
    """A page of what the import changed (by product id, after `after`), filtered by
    kind (created True / updated False) and SKU substring."""
    with connect(url) as conn:
        return conn.execute(
            query("journal/changes"),
            {
                "import_id": import_id,
                "after": after,
                "limit": limit,
                "created": created,
                "sku": contains_pattern(sku),
            },
        ).fetchall()


def prune_journals(url: str, days: float) -> dict:
    """Remove journals of imports finished more than `days` ago, and delete-all snapshots as old."""
    with connect(url) as conn:
        return conn.execute(query("journal/prune"), {"days": days}).fetchone()


JOURNALED_FIELDS = ("sku", "name", "description", "price")


def _text(value) -> str | None:
    return None if value is None else str(value)


def change_view(row: dict) -> dict:
    """One journal row (journal/changes.sql) as before -> after, the way the app, the
    API and the CSV show it: `before` for updated products, `after` unless deleted since."""
    return {
        "product_id": row["product_id"],
        "change": "created" if row["created"] else "updated",
        "before": None if row["created"] else {f: _text(row[f"{f}_before"]) for f in JOURNALED_FIELDS},
        "after": None if row["deleted_since"] else {f: _text(row[f]) for f in JOURNALED_FIELDS},
        "changed_since": row["changed_since"],
        "deleted_since": row["deleted_since"],
    }


CHANGES_CSV_HEADER = (
    "product_id",
    "change",
    *(f"{f}_before" for f in JOURNALED_FIELDS),
    *(f"{f}_after" for f in JOURNALED_FIELDS),
    "changed_since",
    "deleted_since",
)


def changes_csv(url: str, import_id: int, created: bool | None = None, sku: str = "", page: int = 10_000):
    """Every change of the import as CSV lines (header first), read a page at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHANGES_CSV_HEADER)
    after = 0
    while True:
        rows = import_changes(url, import_id, after, page, created, sku)
        for row in rows:
            view = change_view(row)
            before, now = view["before"] or {}, view["after"] or {}
            writer.writerow(
                [view["product_id"], view["change"]]
                + [before.get(f) for f in JOURNALED_FIELDS]
                + [now.get(f) for f in JOURNALED_FIELDS]
                + [view["changed_since"], view["deleted_since"]]
            )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < page:
            return
        after = rows[-1]["product_id"]

"""Cancelling an import: the request, and ending an import no run has taken.

A request is a mark on the import row (migration 0011): the merge refuses
to commit for a marked import, so an import asked to stop never merges,
however it runs. Stopping its run is defs/cancel.py's part: through
Dagster, or else by `stop_at_next_report` (import_runs.ImportCancelled).
"""

from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.importing.import_runs import get_import
from pipelines.importing.outcome import CANCELLED, fail_import
from pipelines.settings import Folders


class ImportNotFound(LookupError):
    pass


class CannotCancel(ValueError):
    """The import has ended (or its merge has committed); the message says how."""


_ENDED = {
    "succeeded": "its merge has committed; undo it instead of cancelling",
    "failed": "it has already failed",
    "cancelled": "it has already been cancelled",
}


def request_cancel(url: str, import_id: int) -> dict:
    """Mark the import to stop; returns its row as marked (status, stage, source, file, run)."""
    with connect(url) as conn:
        marked = conn.execute(query("imports/request_cancel"), {"import_id": import_id}).fetchone()
    if marked is None:
        row = get_import(url, import_id)
        if row is None:
            raise ImportNotFound(f"There is no import {import_id}.")
        raise CannotCancel(f"Import {import_id} cannot be cancelled: {_ENDED.get(row['status'], row['status'])}.")
    return marked


def cancel_queued(url: str, folders: Folders, marked: dict) -> bool:
    """End a marked import that is still queued (no run has taken it): cancelled
    with upload.cancelled, its file moved to failed/. False if a run took it."""
    if marked["status"] != "queued" or marked["dagster_run_id"]:
        return False
    return fail_import(
        url, marked["id"], CANCELLED, marked["file_path"], marked["source"], folders, only_if=("queued",)
    )


def stop_at_next_report(url: str, import_id: int) -> None:
    """Have the import's own next progress report stop its run (one Dagster cannot stop)."""
    with connect(url) as conn:
        conn.execute(query("imports/stop_at_next_report"), {"import_id": import_id})

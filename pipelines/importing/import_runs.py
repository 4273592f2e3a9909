"""The `imports` row of one import: creation, progress, outcome.

Progress goes through its own autocommit connection so a watcher sees it
while the merge transaction is still open.
"""

import json
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import monotonic

import psycopg
from psycopg.types.json import Jsonb

from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.settings import heartbeat_timeout_seconds

# Share of the progress bar each stage ends at.
STAGE_END_PERCENT = {
    "validating": 30,
    "deduplicating": 40,
    "loading": 60,
    "merging": 80,
    "indexing": 95,
    "notifying": 98,
}
# What each stage is called on screen.
STAGE_LABELS = {
    "queued": "Queued",
    "validating": "Validating",
    "deduplicating": "Removing duplicates",
    "loading": "Loading",
    "merging": "Merging",
    "indexing": "Rebuilding search indexes",
    "notifying": "Sending webhooks",
    "merged": "Merged",
    "done": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


def _stage_span(stage: str) -> tuple[int, int]:
    """The percents a stage runs from and to: from the end of the one before."""
    names = list(STAGE_END_PERCENT)
    start = STAGE_END_PERCENT[names[names.index(stage) - 1]] if names.index(stage) else 0
    return start, STAGE_END_PERCENT[stage]


def stage_fraction(row: dict) -> float | None:
    """How much of its current stage an import has done (0..1), from its percent."""
    if row.get("stage") not in STAGE_END_PERCENT:
        return None
    start, end = _stage_span(row["stage"])
    return max(0.0, min(1.0, (row["percent"] - start) / (end - start)))


def seconds_left(row: dict, now: datetime) -> float | None:
    """The time left in the import's current stage, from how much of it was
    done in how long; None until a twentieth of it is done (too early to say)
    and once it is all but done (its end is being written)."""
    fraction, started = stage_fraction(row), row.get("stage_started_at")
    if row.get("status") != "running" or not fraction or not 0.05 <= fraction < 0.99 or started is None:
        return None
    spent = (now - started).total_seconds()
    return max(0.0, spent * (1 - fraction) / fraction)


def no_rows_warning(rows_seen: int | None, checking: bool = False) -> str | None:
    """What to say of a file without a single data row (a header only), imported or checked."""
    if rows_seen == 0:
        done = "importing it would change nothing" if checking else "nothing was imported"
        return f"The file has a header but no data rows: {done}."
    return None


PROGRESS_COUNTS = (
    "rows_seen",
    "rows_valid",
    "rows_rejected",
    "duplicates_in_file",
    "rejects_path",
    "content_hash",
    "file_size",
    "ignored_columns",
    "file_format",
    "columns_used",
    "rows_skipped",
    "skipped_reason",
)


class ImportCancelled(Exception):
    """Someone asked this import to stop (imports/request_cancel.sql); nothing was merged."""


def create_import(
    url: str,
    file_name: str,
    file_path: str | None,
    source: str,
    mapping: dict | None = None,
    queued_at: datetime | None = None,
) -> int:
    """A queued import; `mapping` is columns.Mapping.as_json() of the columns the user chose.

    `queued_at` is when the file arrived (default now): a sensor's run gives
    the moment its run was queued, since queued runs start in that order but
    may create their import rows in any order."""
    with connect(url) as conn:
        row = conn.execute(
            query("imports/create"),
            {
                "file_name": file_name,
                "file_path": file_path,
                "source": source,
                "mapping": Jsonb(mapping) if mapping else None,
                "queued_at": queued_at,
            },
        ).fetchone()
    return row["id"]


def queued_import_for(url: str, file_path: str) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("imports/queued_for_file"), {"file_path": file_path}).fetchone()


def landed_source(url: str, file_path: Path | str) -> str:
    """Where a file in the landing folder came from: an upload (its import row
    is queued for that path) or a drop."""
    queued = queued_import_for(url, str(file_path))
    return queued["source"] if queued else "folder"


def set_import_path(url: str, import_id: int, file_path: str) -> None:
    with connect(url) as conn:
        conn.execute(query("imports/set_path"), {"import_id": import_id, "file_path": file_path})


def mark_refused(url: str, import_id: int) -> None:
    """The import's file was refused for its content: no retry of it is offered."""
    with connect(url) as conn:
        conn.execute(query("imports/refused"), {"import_id": import_id})


def get_import(url: str, import_id: int) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("imports/get"), {"import_id": import_id}).fetchone()


def find_import_by_run(url: str, run_id: str) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("imports/by_run"), {"run_id": run_id}).fetchone()


def latest_succeeded_import(url: str) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("imports/latest_succeeded")).fetchone()


def recent_imports(url: str, limit: int = 20) -> list[dict]:
    with connect(url) as conn:
        return conn.execute(query("imports/recent"), {"limit": limit}).fetchall()


# How often a running stage writes its heartbeat, and how old a heartbeat
# may be before an import whose process no longer holds its lock counts as
# gone (imports/liveness.sql): more than one beat, so that a heartbeat
# connection the server terminated has reconnected and taken the lock again.
HEARTBEAT_SECONDS = 2.0
LIVENESS_GRACE_SECONDS = 5.0


class Heartbeat:
    """While a stage runs: holds the import's liveness lock and writes its
    heartbeat_at (at the start, every HEARTBEAT_SECONDS or a sixth of the
    timeout if that is shorter, and at the end), from a thread with its own
    connection, so a long statement elsewhere does not stop it. A failed
    write is tried again at the next beat, on a new connection that takes
    the lock again."""

    def __init__(self, url: str, import_id: int):
        self.url, self.import_id = url, import_id
        self.every = min(HEARTBEAT_SECONDS, heartbeat_timeout_seconds() / 6)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{import_id}", daemon=True)

    def _beat(self) -> None:
        conn = None
        params = {"import_id": self.import_id}
        while True:
            try:
                if conn is None or conn.closed:
                    conn = connect(self.url, autocommit=True)
                    conn.execute(query("imports/hold"), params)
                conn.execute(query("imports/heartbeat"), params)
            except psycopg.Error:
                conn = None
            if self._stop.wait(self.every):
                break
        if conn is not None:
            with suppress(psycopg.Error):
                conn.execute(query("imports/heartbeat"), params)  # the gap to the next stage starts now
            conn.close()

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


@dataclass
class ImportTracker:
    """Progress of one import; use it in a `with` block so its connection closes."""

    url: str
    import_id: int
    _conn: psycopg.Connection | None = field(default=None, repr=False)
    _stage_started: float = field(default_factory=monotonic, repr=False)

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url, autocommit=True)
        return self._conn

    def start(self, run_id: str) -> None:
        """Claim the import for this run before anything can fail."""
        self._connection().execute(query("imports/start"), {"import_id": self.import_id, "run_id": run_id})
        self._stage_started = monotonic()

    def progress(self, stage: str, fraction: float = 0.0, rows_processed: int = 0, **counts) -> None:
        """Report that `stage` is `fraction` (0..1) done, with any counts now known;
        raises ImportCancelled once the import has been asked to stop."""
        self._update(stage, fraction, rows_processed, None, counts)

    def stage_done(self, stage: str, rows_processed: int = 0, **counts) -> float:
        """Mark `stage` complete, record its duration and return it in seconds."""
        seconds = round(monotonic() - self._stage_started, 3)
        self._update(stage, 1.0, rows_processed, {stage: seconds}, counts)
        self._stage_started = monotonic()
        return seconds

    def _update(self, stage: str, fraction: float, rows_processed: int, seconds: dict | None, counts: dict) -> None:
        start, end = _stage_span(stage)
        percent = int(start + (end - start) * max(0.0, min(1.0, fraction)))
        params = {k: Jsonb(v) if isinstance(v, dict) else v for k, v in ((k, counts.get(k)) for k in PROGRESS_COUNTS)}
        params.update(
            import_id=self.import_id,
            stage=stage,
            percent=percent,
            rows_processed=rows_processed,
            stage_seconds=json.dumps(seconds) if seconds else None,
        )
        row = self._connection().execute(query("imports/progress"), params).fetchone()
        if row and row["stop_at_next_report"]:
            raise ImportCancelled(f"Import {self.import_id} was cancelled on request; nothing was imported.")

    def __enter__(self) -> "ImportTracker":
        return self

    def __exit__(self, *exc) -> None:
        if self._conn is not None:
            self._conn.close()

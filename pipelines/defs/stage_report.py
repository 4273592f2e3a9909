"""How an op of the import job reports its stage, written once for all of them.

Inside `with import_stage(...) as stage:` an op reports progress on the
import's row (`stage.progress`) and says what it did (`stage.done`). On a
normal exit the stage is marked complete on the row with its duration, one
log line tells the run page what happened and the op's output metadata gets
the same numbers. Nothing is reported as done when the op raises.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dagster as dg
import psycopg

from pipelines.db.connection import connect
from pipelines.importing.import_runs import Heartbeat, ImportCancelled, ImportTracker


@dataclass
class Stage:
    tracker: ImportTracker
    name: str
    summary: str = ""
    rows: int = 0
    counts: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def progress(self, fraction: float, rows: int = 0, **counts) -> None:
        """`fraction` (0..1) of this stage done, with any counts now known (imports row columns)."""
        self.tracker.progress(self.name, fraction, rows_processed=rows, **counts)

    @contextmanager
    def watched(self, measure: Callable[[psycopg.Connection], float | None], every: float = 1.0) -> Iterator[None]:
        """While one long statement runs (a merge, an index build), report this
        stage's progress every `every` seconds from `measure(conn)` (0..1, or None
        for not known), on connections of its own."""
        stop = threading.Event()

        def watch() -> None:
            try:
                with (
                    ImportTracker(self.tracker.url, self.tracker.import_id) as tracker,
                    connect(self.tracker.url, autocommit=True) as conn,
                ):
                    while not stop.wait(every):
                        if (fraction := measure(conn)) is not None:
                            tracker.progress(self.name, min(fraction, 0.99))
            except (ImportCancelled, psycopg.Error):
                pass  # the op itself stops at its next report; a lost watcher only stills the bar

        thread = threading.Thread(target=watch, name=f"progress-{self.tracker.import_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)

    def done(self, summary: str, rows: int = 0, counts: dict | None = None, **metadata) -> None:
        """What the stage did: a log line, the rows it passed on, counts for the row, metadata for Dagster."""
        self.summary, self.rows, self.counts, self.metadata = summary, rows, counts or {}, metadata


def refuse_reexecution(context: dg.OpExecutionContext) -> None:
    """An import run is never re-executed (Dagster UI "Re-execute", from failure or all steps).

    By the time anyone can re-execute it, the run's file has been archived
    (processed/ or failed/, or moved in the bucket) and its import recorded
    with its event; running its steps again would import nothing, or fail
    and announce a false upload.failed. So the re-execution fails at once,
    before creating an import or an event, and says what to do instead.
    """
    parent = context.run.parent_run_id
    if parent:
        raise dg.Failure(
            description=(
                f"Import runs are not re-executed: run {parent} has already imported or failed its file, "
                "and the file has been archived (processed/ or failed/). Nothing was changed. To import the "
                "file again, use Retry on the admin app's Import page, drop it into the landing folder again, "
                "or run `product-importer import PATH`."
            )
        )


@contextmanager
def import_stage(
    context: dg.OpExecutionContext, url: str, import_id: int, name: str, claim_for_run: bool = False
) -> Iterator[Stage]:
    """One stage of import `import_id`; `claim_for_run` first ties the import to this run."""
    refuse_reexecution(context)  # a re-execution from failure starts at a later op
    with ImportTracker(url, import_id) as tracker:
        if claim_for_run:
            tracker.start(context.run_id)
        # The heartbeat tells recovery (importing/recovery.py) this process is alive.
        with Heartbeat(url, import_id):
            stage = Stage(tracker, name)
            stage.progress(0.0)
            yield stage
            seconds = tracker.stage_done(name, rows_processed=stage.rows, **stage.counts)
        context.log.info(f"{stage.summary} ({seconds:.2f}s)")
        context.add_output_metadata({**stage.metadata, "seconds": seconds})

"""Cancel an import, from the admin app or the HTTP API.

The request is recorded first (importing/cancellation.py), so the import
can no longer merge whatever happens next. A queued import ends at once. A
running one is stopped through Dagster (the run ends CANCELED in its UI) and
the import marked cancelled once its run has ended; a run Dagster cannot
stop (the CLI's) stops at its next progress report. Its file is kept in failed/ for a
retry, and upload.cancelled is sent instead of upload.completed.
"""

import time

from pipelines.defs.run_control import run_finished, stop_run
from pipelines.importing.cancellation import cancel_queued, request_cancel, stop_at_next_report
from pipelines.importing.import_runs import get_import
from pipelines.importing.outcome import CANCELLED, fail_stopped_run
from pipelines.settings import Folders


def cancel_import(url: str, folders: Folders, import_id: int, wait_seconds: float = 20) -> dict:
    """Cancel import `import_id`; returns its row, `cancelled` unless its run is still
    stopping after `wait_seconds`. ImportNotFound / CannotCancel say why not."""
    marked = request_cancel(url, import_id)
    if cancel_queued(url, folders, marked):
        return get_import(url, import_id)
    run_id = marked["dagster_run_id"]
    if not (run_id and marked["source"] != "cli" and stop_run(run_id)):
        stop_at_next_report(url, import_id)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        row = get_import(url, import_id)
        if row["status"] not in ("queued", "running"):
            return row
        if run_id and run_finished(run_id):
            # The run ended without recording it (terminated between ops):
            # record it here rather than wait for the run status sensor.
            fail_stopped_run(url, run_id, CANCELLED, folders)
        time.sleep(0.2)
    return get_import(url, import_id)

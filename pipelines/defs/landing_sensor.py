"""The sensor that starts an import for each new file in the landing folder.

Dagster's daemon starts a round of sensor evaluations at most every 5
seconds (a constant in dagster._daemon.sensor), which alone would add 2.5 s
on average to every drop. So one evaluation watches the folder for up to
WATCH_SECONDS, looking every POLL_SECONDS, and returns as soon as a file is
ready. Watching longer than the daemon's round means an idle daemon starts
the next evaluation at once: a file is requested within about POLL_SECONDS
of settling, and the evaluation stays far inside the daemon's 60-second
sensor timeout. After an evaluation that found a file the daemon waits out
the rest of its 5 seconds, so a second file dropped within those seconds
waits for them.
"""

import json
import time
from pathlib import Path

import dagster as dg

from pipelines.defs.import_job import import_products
from pipelines.defs.resources import FoldersResource, PostgresResource
from pipelines.defs.run_config import import_run_request
from pipelines.importing.import_runs import landed_source
from pipelines.importing.landing import links, scan_landing

WATCH_SECONDS = 5.5
LINKS_KEY = "/links"  # in the cursor, beside files' relative paths (none starts with a slash)
POLL_SECONDS = 0.2


@dg.sensor(
    job=import_products,
    minimum_interval_seconds=1,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts one import per new CSV file in the landing folder (LANDING_DIR).",
)
def landing_folder_sensor(
    context: dg.SensorEvaluationContext, folders: FoldersResource, postgres: PostgresResource
) -> dg.SensorResult:
    landing = Path(folders.landing_dir)
    deadline = time.monotonic() + WATCH_SECONDS
    ready, cursor = scan_landing(landing, context.cursor)
    while not ready and time.monotonic() + POLL_SECONDS < deadline:
        time.sleep(POLL_SECONDS)
        ready, cursor = scan_landing(landing, cursor)
    # An upload from the app or the API lands here too, its import row queued
    # first: its run says so (tag product_importer/source=upload in the UI).
    url = postgres.resolved_url() if ready else ""
    requests = [
        import_run_request(file.run_key, file.path, file.path.name, landed_source(url, file.path)) for file in ready
    ]
    state = json.loads(cursor)
    reported = set(json.loads(context.cursor or "{}").get(LINKS_KEY, []))
    found = links(landing)
    for name in sorted(set(found) - reported):
        context.log.warning(f"Skipped {name}: a symbolic link. Only regular files in the landing folder are imported.")
    state[LINKS_KEY] = found
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True))

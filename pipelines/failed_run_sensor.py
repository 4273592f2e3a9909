"""Recording imports whose run died without running the job's failure hook.

The hook marks an import failed when an op raises. A run whose process dies
(killed, out of memory, machine restart) never gets to that; Dagster's run
monitoring marks the run failed, and this sensor then does what the hook
would: import failed, upload.failed recorded, file moved to failed/.
"""

import dagster as dg

from pipelines.import_job import import_products
from pipelines.import_runs import find_import_by_run
from pipelines.outcome import fail_import
from pipelines.resources import FoldersResource, PostgresResource


@dg.run_failure_sensor(
    monitored_jobs=[import_products],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks the import of a run that died as failed (the job's own hook could not).",
)
def import_run_failed(context: dg.RunFailureSensorContext, postgres: PostgresResource, folders: FoldersResource) -> None:
    url = postgres.resolved_url()
    row = find_import_by_run(url, context.dagster_run.run_id)
    if row is None or row["status"] not in ("queued", "running"):
        return  # the hook already recorded it, or the merge committed
    message = context.failure_event.message or "The import's run stopped before it finished."
    fail_import(url, row["id"], f"The run failed: {message}", row["file_path"], row["source"], folders.folders())
    context.log.info(f"Import {row['id']} marked failed after its run died")

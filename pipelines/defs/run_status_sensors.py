"""Recording imports whose run ended without running the job's failure hook.

The hook marks an import failed when an op raises. A run whose process dies
(killed, out of memory, machine restart) never gets to that; Dagster's run
monitoring marks the run failed. A run terminated from the Dagster UI or API
ends as canceled, which runs no hook either. For both, a sensor here does
what the hook does, through the same function (importing.outcome.fail_stopped_run).
"""

import dagster as dg

from pipelines.defs.import_job import import_products
from pipelines.defs.resources import FoldersResource, PostgresResource
from pipelines.importing.outcome import fail_stopped_run


def _record_stopped(context, postgres: PostgresResource, folders: FoldersResource, message: str) -> None:
    failed = fail_stopped_run(postgres.resolved_url(), context.dagster_run.run_id, message, folders.folders())
    if failed:
        context.log.info(f"Import {failed} marked failed: {message}")


@dg.run_failure_sensor(
    monitored_jobs=[import_products],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks the import of a run that died as failed (the job's own hook could not).",
)
def import_run_failed(
    context: dg.RunFailureSensorContext, postgres: PostgresResource, folders: FoldersResource
) -> None:
    message = context.failure_event.message or "The import's run stopped before it finished."
    _record_stopped(context, postgres, folders, f"The run failed: {message}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.CANCELED,
    monitored_jobs=[import_products],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks the import of a run terminated from Dagster as failed.",
)
def import_run_canceled(
    context: dg.RunStatusSensorContext, postgres: PostgresResource, folders: FoldersResource
) -> None:
    _record_stopped(context, postgres, folders, "The run was terminated before the merge; nothing was imported.")

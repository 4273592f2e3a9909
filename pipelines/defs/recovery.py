"""The catalog's recovery under Dagster: a sensor that looks, a job that fixes.

The sensor looks every RECOVERY_SECONDS (cheap queries: stale imports,
leftovers, missing search indexes while no import is alive) and, when there
is something to do, asks for one `recover_catalog` run, at most one a
minute; the run calls importing.recovery.recover, which may take minutes
(rebuilding a trigram index of millions of rows), far more than a sensor
evaluation may.
"""

import time

import dagster as dg

from pipelines.defs.resources import FoldersResource, PostgresResource
from pipelines.importing.recovery import needs_recovery, recover

RECOVERY_SECONDS = 30


@dg.op(description="Fail imports whose process is gone; restore search indexes; drop staging tables and work folders.")
def recover_leftovers(context: dg.OpExecutionContext, postgres: PostgresResource, folders: FoldersResource) -> None:
    done = recover(postgres.resolved_url(), folders.folders())
    context.log.info(f"Recovery: {done.describe()}")
    context.add_output_metadata(
        {
            "failed_imports": len(done.failed_imports),
            "staging_tables": len(done.staging_tables),
            "work_folders": len(done.work_folders),
            "search_indexes": ", ".join(done.search_indexes) or "none",
        }
    )


@dg.job(description="Put right what a crashed import left behind (importing/recovery.py).")
def recover_catalog():
    recover_leftovers()


@dg.sensor(
    job=recover_catalog,
    minimum_interval_seconds=RECOVERY_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts recover_catalog when a crashed import left something behind.",
)
def catalog_recovery(postgres: PostgresResource, folders: FoldersResource) -> dg.SensorResult | dg.SkipReason:
    if not needs_recovery(postgres.resolved_url(), folders.folders()):
        return dg.SkipReason("Nothing to recover.")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"recover-{int(time.time() // 60)}")])

"""Running the import job inside this process (CLI, tests, benchmark).

The Dagster instance is opened and disposed here, in the calling thread.
Left to the garbage collector, an ephemeral instance's SQLite connections
were once finalized in whatever thread ran next (an AppTest script thread),
logging errors whose tracebacks re-entered ast.parse mid-compile and broke
it on Python 3.11 (CPython gh-106905).
"""

from pathlib import Path

import dagster as dg

from pipelines.defs.run_config import import_run_config, import_tags


def execute_import(
    path: str | Path,
    source: str,
    import_id: int = 0,
    *,
    ephemeral: bool = False,
    resources: dict | None = None,
    log_level: str = "CRITICAL",
) -> dg.ExecuteInProcessResult:
    """Run import_products on one file; failures are in the result, not raised.

    `ephemeral` keeps the run out of the local Dagster instance (tests and
    the benchmark); `resources` replaces the ones from the environment.
    """
    from pipelines.definitions import defs  # after DATABASE_URL / DAGSTER_HOME are set

    job = defs.resolve_job_def("import_products")
    name = str(path).rsplit("/", 1)[-1]
    with dg.DagsterInstance.ephemeral() if ephemeral else dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            run_config=import_run_config(path, source, import_id, log_level=log_level),
            instance=instance,
            resources=resources,
            raise_on_error=False,
            tags=import_tags(name, source),
        )

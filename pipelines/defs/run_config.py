"""The shape of an import run: its typed config, its tags and its run request.

Both sensors, the CLI, the tests and the benchmark start imports through
these, so a run looks the same in Dagster whoever started it.
"""

from pathlib import Path

import dagster as dg

JOB_TAG = "product_importer/job"  # deploy/dagster.yaml limits concurrent imports by it
FILE_TAG = "product_importer/file"
SOURCE_TAG = "product_importer/source"


class ImportConfig(dg.Config):
    path: str  # a local path or an s3:// URL
    source: str = "folder"  # folder | bucket | upload | cli: where the file came from
    # Set when the import row was created before the run (CLI, app upload).
    import_id: int = 0


def import_run_config(path: str | Path, source: str, import_id: int = 0, log_level: str | None = None) -> dg.RunConfig:
    """Run config of one import; `log_level` sets Dagster's console log (in-process runs)."""
    given = {"path": str(path), "source": source} | ({"import_id": import_id} if import_id else {})
    # Only the fields given: a run's config in the Dagster UI shows what started it.
    config = ImportConfig(**given).model_dump(exclude_unset=True)
    loggers = {"console": {"config": {"log_level": log_level}}} if log_level else None
    return dg.RunConfig(ops={"validate": {"config": config}}, loggers=loggers)


def import_tags(file_name: str, source: str) -> dict[str, str]:
    return {FILE_TAG: file_name, SOURCE_TAG: source}


def import_run_request(run_key: str, path: str | Path, file_name: str, source: str) -> dg.RunRequest:
    """What a sensor asks for to import one file; Dagster runs each run key once."""
    return dg.RunRequest(
        run_key=run_key, run_config=import_run_config(path, source), tags=import_tags(file_name, source)
    )

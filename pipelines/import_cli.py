"""`product-importer import PATH`: the import job, in this process."""

import json
import sys
from pathlib import Path

import dagster as dg

from pipelines import database
from pipelines.dagster_home import ensure_dagster_home
from pipelines.import_runs import create_import, get_import

SUMMARY_FIELDS = (
    "status", "import_id", "file_name", "rows_total", "rows_valid", "rows_rejected", "duplicates_in_file",
    "created", "updated", "unchanged", "rejects_path", "file_path", "dagster_run_id", "error", "seconds",
)


def summarize(row: dict) -> dict:
    seconds = None
    if row.get("started_at") and row.get("finished_at"):
        seconds = round((row["finished_at"] - row["started_at"]).total_seconds(), 3)
    values = {**row, "import_id": row["id"], "rows_total": row["rows_seen"], "seconds": seconds}
    return {key: values.get(key) for key in SUMMARY_FIELDS}


def run_import(path: Path, source: str = "cli", quiet: bool = False) -> dict:
    """Run import_products in-process, recorded in the local Dagster instance."""
    from pipelines.definitions import defs  # after DATABASE_URL/DAGSTER_HOME are set

    url = database.resolve_url()
    database.migrate(url)
    ensure_dagster_home()
    path = Path(path).resolve()
    import_id = create_import(url, path.name, str(path), source)
    run_config = {
        "ops": {"validate": {"config": {"path": str(path), "source": source, "import_id": import_id}}},
        "loggers": {"console": {"config": {"log_level": "WARNING" if quiet else "INFO"}}},
    }
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("import_products").execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False,
            tags={"product_importer/file": path.name, "product_importer/source": source},
        )
    row = get_import(url, import_id)
    summary = summarize(row)
    if not result.success and summary["status"] != "failed":
        # The run failed before the import could record it (e.g. bad config).
        failure = next((e for e in result.all_events if e.is_failure), None)
        summary.update(status="failed", error=failure.message if failure else "The import run failed.")
    return summary


def print_summary(summary: dict) -> None:
    if summary["status"] != "succeeded":
        print(f"error: import {summary['import_id']} of {summary['file_name']} failed: {summary['error']}", file=sys.stderr)
        return
    print(
        f"Import {summary['import_id']} of {summary['file_name']} succeeded in {summary['seconds']}s: "
        f"{summary['rows_total']:,} rows, {summary['rows_rejected']:,} rejected, "
        f"{summary['duplicates_in_file']:,} duplicate SKUs in the file; "
        f"{summary['created']:,} created, {summary['updated']:,} updated, {summary['unchanged']:,} unchanged."
    )
    if summary["rejects_path"]:
        print(f"Rejected rows and reasons: {summary['rejects_path']}")


def main(path: str, as_json: bool) -> int:
    summary = run_import(Path(path), quiet=as_json)
    if as_json:
        print(json.dumps(summary, default=str))
        if summary["status"] != "succeeded":
            print(f"error: {summary['error']}", file=sys.stderr)
    else:
        print_summary(summary)
    return 0 if summary["status"] == "succeeded" else 1

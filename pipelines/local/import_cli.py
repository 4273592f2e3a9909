"""`product-importer import PATH`: the import job, in this process."""

import json
import sys
import threading
from pathlib import Path

from pipelines.db import connection, migrations
from pipelines.defs.in_process import execute_import
from pipelines.importing.columns import Mapping
from pipelines.importing.csv_records import name_list
from pipelines.importing.import_runs import STAGE_LABELS, create_import, get_import, no_rows_warning
from pipelines.importing.recovery import recover
from pipelines.local.dagster_home import ensure_dagster_home
from pipelines.settings import Folders

SUMMARY_FIELDS = (
    "status",
    "import_id",
    "file_name",
    "rows_total",
    "rows_valid",
    "rows_rejected",
    "rows_skipped",
    "duplicates_in_file",
    "created",
    "updated",
    "unchanged",
    "file_format",
    "columns_used",
    "skipped_reason",
    "ignored_columns",
    "rejects_path",
    "file_path",
    "dagster_run_id",
    "error",
    "seconds",
)


def summarize(row: dict) -> dict:
    seconds = None
    if row.get("started_at") and row.get("finished_at"):
        seconds = round((row["finished_at"] - row["started_at"]).total_seconds(), 3)
    values = {**row, "import_id": row["id"], "rows_total": row["rows_seen"], "seconds": seconds}
    return {key: values.get(key) for key in SUMMARY_FIELDS}


class ProgressPrinter(threading.Thread):
    """Shows the import's stage and percent on a terminal while it runs."""

    def __init__(self, url: str, import_id: int):
        super().__init__(daemon=True)
        self.url, self.import_id = url, import_id
        self.finished = threading.Event()

    def run(self) -> None:
        shown = None
        while not self.finished.wait(0.5):
            row = get_import(self.url, self.import_id)
            line = f"{STAGE_LABELS.get(row['stage'], row['stage'])} {row['percent']}% ({row['rows_processed']:,} rows)"
            if line != shown:
                print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
                shown = line
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def run_import(
    path: Path, source: str = "cli", log_level: str = "CRITICAL", progress: bool = False, mapping: Mapping | None = None
) -> dict:
    """Run import_products in-process, recorded in the local Dagster instance.

    Dagster's own console log is off by default (the run's full log is in the
    Dagster UI); `log_level` turns it on.
    """
    url = connection.resolve_url()
    migrations.migrate(url)
    if recovered := recover(url, Folders.from_env().create()):
        print(f"Recovered what a crash left: {recovered.describe()}", file=sys.stderr)
    ensure_dagster_home()
    path = Path(path).resolve()
    import_id = create_import(url, path.name, str(path), source, mapping.as_json() if mapping else None)
    printer = ProgressPrinter(url, import_id) if progress else None
    if printer:
        printer.start()
    result = execute_import(path, source, import_id, log_level=log_level)
    if printer:
        printer.finished.set()
        printer.join()
    row = get_import(url, import_id)
    summary = summarize(row)
    if not result.success and summary["status"] != "failed":
        # The run failed before the import could record it (e.g. bad config).
        failure = next((e for e in result.all_events if e.is_failure), None)
        summary.update(status="failed", error=failure.message if failure else "The import run failed.")
    return summary


def print_summary(summary: dict) -> None:
    if summary["status"] != "succeeded":
        print(
            f"error: import {summary['import_id']} of {summary['file_name']} failed: {summary['error']}",
            file=sys.stderr,
        )
        return
    print(
        f"Import {summary['import_id']} of {summary['file_name']} succeeded in {summary['seconds']}s: "
        f"{summary['rows_total']:,} rows, {summary['rows_rejected']:,} rejected, "
        f"{summary['duplicates_in_file']:,} repeated SKUs in the file; "
        f"{summary['created']:,} created, {summary['updated']:,} updated, {summary['unchanged']:,} unchanged."
    )
    if warning := no_rows_warning(summary["rows_total"]):
        print(f"warning: {warning}", file=sys.stderr)
    columns = ", ".join(f"{field} <- '{header}'" for field, header in (summary["columns_used"] or {}).items())
    print(f"Read as {summary['file_format']}: {columns}")
    if summary["rows_skipped"]:
        print(f"Not products, skipped: {summary['rows_skipped']:,} {summary['skipped_reason']}")
    if summary["ignored_columns"]:
        print(f"Ignored columns (not product fields): {name_list(summary['ignored_columns'], 20)}")
    if summary["rejects_path"]:
        print(f"Rejected rows and reasons: {summary['rejects_path']}")


def main(path: str, as_json: bool, verbose: bool = False, mapping: Mapping | None = None) -> int:
    summary = run_import(
        Path(path),
        log_level="DEBUG" if verbose else "CRITICAL",
        progress=not as_json and sys.stderr.isatty(),
        mapping=mapping,
    )
    if as_json:
        print(json.dumps(summary, default=str))
        if summary["status"] != "succeeded":
            print(f"error: {summary['error']}", file=sys.stderr)
    else:
        print_summary(summary)
    return 0 if summary["status"] == "succeeded" else 1

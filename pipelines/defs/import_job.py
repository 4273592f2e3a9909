"""The `import_products` job: validate -> dedupe -> stage -> merge -> reindex -> notify -> archive.

Each op is a thin layer over plain functions in this package; the ops add
progress on the `imports` row, log lines and output metadata so the Dagster
run page tells the story. Rows pass between ops as files in the import's
work folder (checked_rows.py), never as one frame of the whole file, so
memory stays bounded at any file size. The source file stays in the landing
folder until the merge has committed, so a crashed run loses nothing and is
simply run again.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg

from pipelines.importing.bucket import S3Location, download, is_s3, s3_client
from pipelines.importing.checked_rows import check_into, work_folder
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.deduplication import find_winners, unique_rows
from pipelines.importing.import_runs import ImportTracker, create_import, find_import_by_run, queued_import_for
from pipelines.importing.merging import merge_import, plan_search_index_rebuild
from pipelines.importing.outcome import fail_import, file_digest, finish_import, local_copy
from pipelines.defs.resources import FoldersResource, PostgresResource
from pipelines.db.search_indexes import ensure_search_indexes
from pipelines.importing.staging import load_staging, staging_table

class ImportConfig(dg.Config):
    path: str
    source: str = "folder"
    # Set when the import row was created before the run (CLI, app upload).
    import_id: int = 0


@dataclass(frozen=True)
class ImportState:
    import_id: int
    path: Path  # the local file being imported
    origin: str  # where it came from: that path, or an s3:// URL
    source: str
    work: Path  # the checked rows (checked_rows.py)
    rows: int  # rows going on to the next step
    stage_seconds: dict
    rebuild_indexes: bool = False


def _tracker(postgres: PostgresResource, import_id: int) -> ImportTracker:
    return ImportTracker(postgres.resolved_url(), import_id)


@dg.op(description="Read the CSV with Polars, check every row, write rejected rows with their line numbers.")
def validate(context: dg.OpExecutionContext, config: ImportConfig, postgres: PostgresResource, folders: FoldersResource) -> ImportState:
    url = postgres.resolved_url()
    origin, source = config.path, config.source
    name = S3Location.parse(origin).name if is_s3(origin) else Path(origin).name
    if config.import_id:
        import_id = config.import_id
    elif queued := queued_import_for(url, origin):
        import_id, source = queued["id"], queued["source"]  # an upload from the app
    else:
        import_id = create_import(url, name, origin, source)
    paths = folders.folders()
    with ImportTracker(url, import_id) as tracker:
        tracker.start(context.run_id)
        context.log.info(f"Import {import_id}: validating {origin}")
        path = Path(origin)
        try:
            if is_s3(origin):
                tracker.progress("validating", 0.0)
                path = download(s3_client(), origin, local_copy(paths, import_id, origin))
                context.log.info(f"Downloaded {origin} ({path.stat().st_size:,} bytes)")
            size = path.stat().st_size
            tracker.progress("validating", 0.0, file_size=size)
            work = work_folder(paths.work, import_id)
            with ThreadPoolExecutor(1) as pool:  # hashing overlaps parsing; both release the GIL
                digest = pool.submit(file_digest, path)
                checked = check_into(
                    path,
                    work,
                    paths.rejects / f"{import_id}.csv",
                    on_progress=lambda rows, done: tracker.progress(
                        "validating", 0.95 * min(done / max(size, 1), 1.0), rows_processed=rows
                    ),
                )
            tracker.progress("validating", 0.95, content_hash=digest.result())
        except (FileRefused, FileNotFoundError, IsADirectoryError) as refused:
            message = str(refused) if isinstance(refused, FileRefused) else f"Cannot read {path}: {refused.strerror}."
            raise dg.Failure(description=message) from None
        rejects_path = str(checked.rejects_path) if checked.rejects_path else None
        seconds = tracker.stage_done(
            "validating",
            rows_processed=checked.rows_total,
            rows_seen=checked.rows_total,
            rows_valid=checked.rows_valid,
            rows_rejected=checked.rows_rejected,
            rejects_path=rejects_path,
        )
        context.log.info(
            f"{checked.rows_total:,} rows read, {checked.rows_valid:,} valid, "
            f"{checked.rows_rejected:,} rejected in {seconds:.2f}s"
            + (f"; rejects written to {rejects_path}" if rejects_path else "")
        )
        for line, reason in checked.first_problems.head(5).iter_rows():
            context.log.warning(f"line {line}: {reason}")
        context.add_output_metadata(
            {
                "import_id": import_id,
                "rows_total": checked.rows_total,
                "rows_valid": checked.rows_valid,
                "rows_rejected": checked.rows_rejected,
                "rejects_path": rejects_path or "",
                "delimiter": repr(checked.delimiter),
                "seconds": seconds,
            }
        )
        return ImportState(import_id, path, origin, source, work, checked.rows_valid, {"validating": seconds})


@dg.op(description="Keep one row per SKU (case-insensitive) with DuckDB; the last row in the file wins.")
def deduplicate(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    with _tracker(postgres, state.import_id) as tracker:
        tracker.progress("deduplicating", 0.0, rows_processed=0)
        result = find_winners(state.work)
        seconds = tracker.stage_done("deduplicating", rows_processed=result.unique, duplicates_in_file=result.duplicates)
        context.log.info(f"{result.duplicates:,} duplicate SKUs removed, {result.unique:,} products remain ({seconds:.2f}s)")
        context.add_output_metadata({"duplicates_in_file": result.duplicates, "unique_skus": result.unique, "seconds": seconds})
        return replace(state, rows=result.unique, stage_seconds={**state.stage_seconds, "deduplicating": seconds})


@dg.op(description="COPY the rows into an UNLOGGED staging table.")
def stage(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    with _tracker(postgres, state.import_id) as tracker:
        total = max(state.rows, 1)
        tracker.progress("loading", 0.0)
        copied = load_staging(
            postgres.resolved_url(),
            state.import_id,
            unique_rows(state.work),
            on_progress=lambda done: tracker.progress("loading", done / total, rows_processed=done),
        )
        seconds = tracker.stage_done("loading", rows_processed=copied)
        table = staging_table(state.import_id)
        context.log.info(f"{copied:,} rows copied into {table} ({seconds:.2f}s)")
        context.add_output_metadata({"staging_table": table, "rows": copied, "seconds": seconds})
        return replace(state, rows=copied, stage_seconds={**state.stage_seconds, "loading": seconds})


@dg.op(description="Upsert the staging table into products in one transaction, with the upload.completed event.")
def merge(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    with _tracker(postgres, state.import_id) as tracker:
        tracker.progress("merging", 0.0)
        url = postgres.resolved_url()
        rebuild = plan_search_index_rebuild(url, state.import_id, state.rows)
        if rebuild:
            context.log.info("Large change: search indexes dropped, to be rebuilt after the merge")
        try:
            result = merge_import(url, state.import_id, state.rows, state.stage_seconds)
        except Exception:
            if rebuild:
                ensure_search_indexes(url)
            raise
        seconds = tracker.stage_done("merging", rows_processed=state.rows)
        context.log.info(
            f"Merged: {result.created:,} created, {result.updated:,} updated, {result.unchanged:,} unchanged ({seconds:.2f}s)"
        )
        context.add_output_metadata(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "seconds": seconds}
        )
        return replace(state, rebuild_indexes=rebuild, stage_seconds={**state.stage_seconds, "merging": seconds})


@dg.op(description="Rebuild the search indexes if the merge dropped them (large imports).")
def reindex(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    with _tracker(postgres, state.import_id) as tracker:
        if state.rebuild_indexes:
            tracker.progress("indexing", 0.0)
            ensure_search_indexes(postgres.resolved_url())
            seconds = tracker.stage_done("indexing", rows_processed=state.rows)
            context.log.info(f"Search indexes rebuilt ({seconds:.2f}s)")
            context.add_output_metadata({"rebuilt": True, "seconds": seconds})
        else:
            context.add_output_metadata({"rebuilt": False})
        return state


@dg.op(description="Hand the upload.completed event to webhook delivery.")
def notify(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    # The event itself was written by the merge transaction (so it exists
    # exactly when the merge committed); delivery reads it from the outbox.
    with _tracker(postgres, state.import_id) as tracker:
        tracker.stage_done("notifying", rows_processed=state.rows)
        context.log.info(f"upload.completed recorded for import {state.import_id}")
        return state


@dg.op(description="Move the imported file to the processed folder.")
def archive(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource, folders: FoldersResource) -> None:
    final = finish_import(postgres.resolved_url(), state.import_id, state.origin, state.source, folders.folders())
    context.log.info(f"Import {state.import_id} done; file now at {final}")
    context.add_output_metadata({"file_path": str(final)})


def _failure_message(error: BaseException | None) -> str:
    if isinstance(error, dg.Failure) and error.description:
        return error.description
    if error is None:
        return "The import failed."
    return f"{type(error).__name__}: {error}".splitlines()[0]


@dg.failure_hook(required_resource_keys={"postgres", "folders"})
def record_failure(context: dg.HookContext) -> None:
    """Mark the import failed, record upload.failed, move the file to failed/."""
    url = context.resources.postgres.resolved_url()
    row = find_import_by_run(url, context.run_id)
    if row is None:
        return
    message = _failure_message(context.op_exception)
    failed = fail_import(url, row["id"], message, row["file_path"], row["source"], context.resources.folders.folders())
    if failed:
        context.log.error(f"Import {row['id']} failed: {message}")


@dg.job(
    description="Import a products CSV into PostgreSQL.",
    executor_def=dg.in_process_executor,
    hooks={record_failure},
    tags={"product_importer/job": "import"},  # deploy/dagster.yaml limits concurrent imports by it
)
def import_products():
    archive(notify(reindex(merge(stage(deduplicate(validate()))))))

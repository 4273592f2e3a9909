"""The `import_products` job: validate -> dedupe -> stage -> merge -> reindex -> notify -> archive.

Each op is a thin layer over plain functions in pipelines.importing and
pipelines.webhooks; stage_report.import_stage adds the progress on the
`imports` row, the log line and the output metadata that make the Dagster
run page tell the story. Rows pass between ops as files in the import's work
folder (importing/checked_rows.py), never as one frame of the whole file, so
memory stays bounded at any file size. The source file stays in the landing
folder until the merge has committed, so a crashed run loses nothing and is
simply run again.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import dagster as dg

from pipelines.db.search_indexes import clean_pending_lists, ensure_search_indexes, index_build_fraction
from pipelines.defs.catalog_asset import findings, materialization
from pipelines.defs.resources import FoldersResource, PostgresResource
from pipelines.defs.run_config import JOB_TAG, ImportConfig
from pipelines.defs.stage_report import import_stage, refuse_reexecution
from pipelines.importing.bucket import S3Location, download, is_s3, s3_client
from pipelines.importing.checked_rows import check_into, work_folder
from pipelines.importing.csv_records import FileRefused, name_list
from pipelines.importing.deduplication import find_winners, unique_rows
from pipelines.importing.import_runs import create_import, get_import, mark_refused, queued_import_for
from pipelines.importing.merging import RebuildPlan, merge_import, merge_progress, plan_search_index_rebuild
from pipelines.importing.outcome import fail_stopped_run, file_digest, finish_import, local_copy
from pipelines.importing.profiles import mapping_for
from pipelines.importing.staging import load_staging, staging_table
from pipelines.webhooks.delivery import deliver_event_now


@dataclass(frozen=True)
class ImportState:
    import_id: int
    path: Path  # the local file being imported
    origin: str  # where it came from: that path, or an s3:// URL
    source: str
    work: Path  # the checked rows (importing/checked_rows.py)
    rows: int  # rows going on to the next step
    rebuild: RebuildPlan | None = None  # the merge dropped the search indexes, to build them after it
    written: int = 0  # products the merge created or updated
    has_price: bool = True  # the file has a price column (without one, prices are kept)
    event_id: int = 0  # upload.completed, once the merge committed


def _claim_import(context: dg.OpExecutionContext, url: str, config: ImportConfig) -> tuple[int, str]:
    """The import this run carries out, and its source: given, queued by an upload, or new."""
    if config.import_id:
        return config.import_id, config.source
    if queued := queued_import_for(url, config.path):
        if queued["status"] == "cancelled":
            raise dg.Failure(description=f"Import {queued['id']} was cancelled before its run started.")
        return queued["id"], queued["source"]  # an upload from the app or the API
    name = S3Location.parse(config.path).name if is_s3(config.path) else Path(config.path).name
    return create_import(url, name, config.path, config.source, queued_at=run_queued_at(context)), config.source


def run_queued_at(context: dg.OpExecutionContext) -> datetime | None:
    """When this run was created: a sensor creates runs in the order files arrived."""
    record = context.instance.get_run_record_by_id(context.run_id)
    return record.create_timestamp if record else None


@dg.op(
    description="Read the CSV or workbook with Polars, check every row, write rejected rows with their line numbers."
)
def validate(
    context: dg.OpExecutionContext, config: ImportConfig, postgres: PostgresResource, folders: FoldersResource
) -> ImportState:
    url = postgres.resolved_url()
    refuse_reexecution(context)  # before an import row exists
    import_id, source = _claim_import(context, url, config)
    paths = folders.folders()
    origin = config.path
    with import_stage(context, url, import_id, "validating", claim_for_run=True) as stage:
        context.log.info(f"Import {import_id}: validating {origin}")
        path = Path(origin)
        if source in ("folder", "upload") and path.is_symlink():
            raise dg.Failure(
                description=f"{path.name} is a symbolic link: only regular files in the landing folder are imported."
            )
        try:
            if is_s3(origin):
                path = download(s3_client(), origin, local_copy(paths, import_id, origin))
                context.log.info(f"Downloaded {origin} ({path.stat().st_size:,} bytes)")
            size = path.stat().st_size
            stage.progress(0.0, file_size=size)
            work = work_folder(paths.work, import_id)
            mapping = mapping_for(get_import(url, import_id)["mapping"], Path(origin), paths.landing)
            if not mapping.empty:
                context.log.info(f"Columns chosen by {mapping.describe()}: {mapping.columns}")
            with ThreadPoolExecutor(1) as pool:  # hashing overlaps parsing; both release the GIL
                digest = pool.submit(file_digest, path)
                checked = check_into(
                    path,
                    work,
                    paths.rejects / f"{import_id}.csv",
                    on_progress=lambda rows, done: stage.progress(0.95 * min(done / max(size, 1), 1.0), rows=rows),
                    mapping=mapping,
                )
            stage.progress(0.95, content_hash=digest.result())
        except (FileRefused, FileNotFoundError, IsADirectoryError) as refused:
            if isinstance(refused, FileRefused):
                mark_refused(url, import_id)
                message = str(refused)
            else:
                message = f"Cannot read {path}: {refused.strerror}."
            raise dg.Failure(description=message) from None
        rejects_path = str(checked.rejects_path) if checked.rejects_path else None
        for line, reason in checked.first_problems.head(5).iter_rows():
            context.log.warning(f"line {line}: {reason}")
        ignored = checked.ignored_columns
        context.log.info(f"Read as {checked.file_format}: {checked.columns_used}")
        if ignored:
            context.log.info(f"Ignored columns: {name_list(ignored, 20)}")
        if checked.rows_skipped:
            context.log.info(f"{checked.rows_skipped:,} rows are not products: {checked.skipped_reason}")
        stage.done(
            f"{checked.rows_total:,} rows read as {checked.file_format}, {checked.rows_valid:,} valid, "
            f"{checked.rows_rejected:,} rejected"
            + (f", {checked.rows_skipped:,} not products" if checked.rows_skipped else "")
            + (f"; rejects written to {rejects_path}" if rejects_path else ""),
            rows=checked.rows_total,
            counts={
                "rows_seen": checked.rows_total,
                "rows_valid": checked.rows_valid,
                "rows_rejected": checked.rows_rejected,
                "rejects_path": rejects_path,
                "ignored_columns": ignored,
                "file_format": checked.file_format,
                "columns_used": checked.columns_used,
                "rows_skipped": checked.rows_skipped,
                "skipped_reason": checked.skipped_reason,
            },
            import_id=import_id,
            rows_total=checked.rows_total,
            rows_valid=checked.rows_valid,
            rows_rejected=checked.rows_rejected,
            rejects_path=rejects_path or "",
            delimiter=repr(checked.delimiter),
            ignored_columns=", ".join(ignored) or "none",
            file_format=checked.file_format,
            columns_used=", ".join(f"{k} <- {v}" for k, v in checked.columns_used.items()),
            rows_skipped=checked.rows_skipped,
        )
    return ImportState(import_id, path, origin, source, work, checked.rows_valid, has_price=checked.has_price)


@dg.op(description="Keep one row per SKU (case-insensitive) with DuckDB; the last row in the file wins.")
def deduplicate(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    with import_stage(context, postgres.resolved_url(), state.import_id, "deduplicating") as stage:
        result = find_winners(state.work)
        stage.done(
            f"{result.duplicates:,} duplicate SKUs removed, {result.unique:,} products remain",
            rows=result.unique,
            counts={"duplicates_in_file": result.duplicates},
            duplicates_in_file=result.duplicates,
            unique_skus=result.unique,
        )
    return replace(state, rows=result.unique)


@dg.op(description="COPY the rows into an UNLOGGED staging table.")
def stage(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    url = postgres.resolved_url()
    with import_stage(context, url, state.import_id, "loading") as loading:
        total = max(state.rows, 1)
        copied = load_staging(
            url,
            state.import_id,
            unique_rows(state.work),
            on_progress=lambda done: loading.progress(done / total, rows=done),
        )
        table = staging_table(state.import_id)
        loading.done(f"{copied:,} rows copied into {table}", rows=copied, staging_table=table, rows_copied=copied)
    return replace(state, rows=copied)


@dg.op(description="Upsert the staging table into products in one transaction, with the upload.completed event.")
def merge(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    url = postgres.resolved_url()
    with import_stage(context, url, state.import_id, "merging") as merging:
        rebuild = plan_search_index_rebuild(url, state.import_id, state.rows, state.has_price)
        if rebuild:
            context.log.info("Large change: search indexes dropped, to be rebuilt after the merge")
        try:
            with merging.watched(merge_progress(url, state.rows)):
                result = merge_import(url, state.import_id, state.rows, state.has_price)
        except Exception:
            if rebuild:
                ensure_search_indexes(url, concurrently=rebuild.concurrently)
            raise
        context.log_event(
            materialization(
                state.import_id, result.event["file_name"], result.created, result.updated, result.unchanged
            )
        )
        merging.done(
            f"Merged: {result.created:,} created, {result.updated:,} updated, {result.unchanged:,} unchanged",
            rows=state.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    return replace(state, rebuild=rebuild, event_id=result.event_id, written=result.created + result.updated)


# Below this many written products (about a 4 MB pending list, the size at which
# a later insert folds it in by itself), cleaning the trigram indexes' pending
# lists is left to autovacuum and the next import (a few ms either way).
CLEAN_PENDING_MIN_ROWS = 10_000


@dg.op(description="Rebuild the search indexes if the merge dropped them (large imports), else fold in its entries.")
def reindex(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    url = postgres.resolved_url()
    if state.rebuild is None:
        if state.written < CLEAN_PENDING_MIN_ROWS:
            context.add_output_metadata({"rebuilt": False, "pending_lists_cleaned": False})
            return state
        with import_stage(context, url, state.import_id, "indexing") as indexing:
            cleaned = clean_pending_lists(url)
            indexing.done(
                "Search indexes kept; the merge's entries folded in" if cleaned else "Search indexes kept",
                rows=state.rows,
                rebuilt=False,
                pending_lists_cleaned=cleaned,
            )
        return state
    with import_stage(context, url, state.import_id, "indexing") as indexing:
        with indexing.watched(index_build_fraction):
            ensure_search_indexes(url, concurrently=state.rebuild.concurrently)
        how = "CONCURRENTLY" if state.rebuild.concurrently else "at once (the catalog was empty before)"
        indexing.done(f"Search indexes rebuilt {how}", rows=state.rows, rebuilt=True)
    return state


@dg.op(description="Send upload.completed to each subscribed webhook endpoint now; the worker retries what fails.")
def notify(context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource) -> ImportState:
    # The event itself was written by the merge transaction (the outbox), so
    # it exists exactly when the merge committed; here it is only sent.
    url = postgres.resolved_url()
    with import_stage(context, url, state.import_id, "notifying") as notifying:
        attempts = deliver_event_now(url, state.event_id)
        for attempt in attempts:
            (context.log.info if attempt.succeeded else context.log.warning)(attempt.describe())
        delivered = sum(attempt.succeeded for attempt in attempts)
        notifying.done(
            f"upload.completed (event {state.event_id}) sent to {delivered} of {len(attempts)} endpoint(s) at once",
            rows=state.rows,
            event_id=state.event_id,
            delivered=delivered,
            attempted=len(attempts),
            endpoints=dg.MetadataValue.md(
                "\n".join(
                    ["| endpoint | outcome | ms |", "|---|---|---|"]
                    + [
                        f"| {a.url} | {'HTTP ' + str(a.http_status) if a.http_status else a.error} | {a.response_ms} |"
                        for a in attempts
                    ]
                )
            )
            if attempts
            else "no endpoint subscribed, or the worker took them",
        )
    return state


@dg.op(description="Move the imported file to the processed folder; report the catalog's checks.")
def archive(
    context: dg.OpExecutionContext, state: ImportState, postgres: PostgresResource, folders: FoldersResource
) -> None:
    url = postgres.resolved_url()
    final = finish_import(url, state.import_id, state.origin, state.source, folders.folders())
    context.log.info(f"Import {state.import_id} done; file now at {final}")
    for finding in findings(url):
        context.log_event(finding.evaluation())
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
    message = _failure_message(context.op_exception)
    failed = fail_stopped_run(
        context.resources.postgres.resolved_url(), context.run_id, message, context.resources.folders.folders()
    )
    if failed:
        context.log.error(f"Import {failed} failed: {message}")


@dg.job(
    description="Import a products CSV into PostgreSQL.",
    executor_def=dg.in_process_executor,
    hooks={record_failure},
    tags={JOB_TAG: "import"},
)
def import_products():
    archive(notify(reindex(merge(stage(deduplicate(validate()))))))

"""/imports: upload (or check) a file, follow it live, cancel, rejected rows, retry."""

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.api.context import ApiContext, context
from pipelines.api.models import Change, ChangePage, CheckResult, ImportList, ImportState, UndoSummary
from pipelines.api.problems import ApiProblem, documented
from pipelines.defs.cancel import cancel_import
from pipelines.importing.columns import resolve_layout
from pipelines.importing.import_runs import STAGE_LABELS, get_import, recent_imports, seconds_left
from pipelines.importing.journal import change_view, changes_csv, import_changes, undo_import
from pipelines.importing.preview import preview_file
from pipelines.importing.profiles import chosen_mapping
from pipelines.importing.uploads import CannotRetry, retry_import, submit_upload
from pipelines.importing.validation import peek_file
from pipelines.settings import max_upload_bytes

router = APIRouter(prefix="/imports", tags=["imports"])
Ctx = Annotated[ApiContext, Depends(context)]
ImportId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RAW_TYPES = {"text/csv", "text/plain", "application/csv", "application/gzip", "application/x-gzip"}
GZIP_TYPES = {"application/gzip", "application/x-gzip"}
POLL_SECONDS = 0.5
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/gzip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def import_state(row: dict) -> ImportState:
    finished = row["status"] in ("failed", "cancelled") or row.get("finished_at") is not None
    path = f"/imports/{row['id']}"
    links = {"self": path, "events": f"{path}/events"}
    if row.get("rows_rejected"):
        links["rejects"] = f"{path}/rejects"
    return ImportState(
        **{key: value for key, value in row.items() if key in ImportState.model_fields},
        stage_label=STAGE_LABELS.get(row["stage"], row["stage"]),
        cancel_requested=row.get("cancel_requested_at") is not None,
        seconds_left=None if (left := seconds_left(row, datetime.now(UTC))) is None else round(left, 1),
        finished=finished,
        links=links,
    )


def existing_import(ctx: Ctx, import_id: ImportId) -> dict:
    row = get_import(ctx.url, import_id)
    if row is None:
        raise ApiProblem(404, f"There is no import {import_id}.")
    return row


Existing = Annotated[dict, Depends(existing_import)]


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, f"The file is larger than the upload limit of {limit:,} bytes (MAX_UPLOAD_BYTES).")


async def _receive(request: Request, scratch: FilePath, name: str | None) -> tuple[FilePath, str]:
    """The request's file in a scratch file, and its name: a multipart 'file' part, or the raw body."""
    limit = max_upload_bytes()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + (64 << 10):  # room for multipart framing
        raise _too_large(limit)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="upload-", delete=False) as handle:
        path = FilePath(handle.name)
        try:
            file_name = await _copy_body(request, content_type, handle, limit, name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return path, file_name


async def _copy_body(request: Request, content_type: str, handle, limit: int, name: str | None) -> str:
    """Write the file into `handle`; returns its name."""
    if content_type == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=20)
        except StarletteHTTPException as unreadable:  # Starlette answers 400; it is bad input like any other
            raise ApiProblem(422, f"The multipart body cannot be read: {unreadable.detail}") from None
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ApiProblem(422, "Send the file as the multipart part named 'file'.")
        await run_in_threadpool(shutil.copyfileobj, part.file, handle, 1 << 20)
        file_name = name or part.filename or "upload.csv"
    elif content_type in RAW_TYPES:
        async for chunk in request.stream():
            handle.write(chunk)
            if handle.tell() > limit:
                raise _too_large(limit)
        gzip = content_type in GZIP_TYPES or request.headers.get("content-encoding", "").lower() == "gzip"
        file_name = name or "upload.csv"
        if gzip and not file_name.lower().endswith(".gz"):
            file_name += ".gz"
    else:
        raise ApiProblem(
            415,
            "Send multipart/form-data with a 'file' part, or the file itself as a text/csv or application/gzip body.",
        )
    if handle.tell() > limit:
        raise _too_large(limit)
    return file_name


def _checked_header(path: FilePath, mapping) -> None:
    """Refuse at once (422, nothing queued) a file that cannot be read, or whose
    header names no SKU or name column when no mapping says which."""
    peek = peek_file(path, sheet=mapping.sheet if mapping else "")
    resolve_layout(peek.header, mapping)


@router.post(
    "",
    status_code=202,
    response_model=None,
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"model": CheckResult, "description": "check_only=true: what importing it would do"},
        202: {"model": ImportState, "description": "Queued: follow it at links.events"},
    }
    | documented(401, 403, 413, 415, 422),
)
async def upload(
    request: Request,
    response: Response,
    ctx: Ctx,
    check_only: Annotated[bool, Query(description="Report what would change; import nothing")] = False,
    name: Annotated[
        str | None, Query(max_length=255, description="File name (raw bodies; .xlsx for a workbook)")
    ] = None,
    profile: Annotated[str, Query(max_length=64, description="A saved column mapping")] = "",
    columns: Annotated[
        list[str], Query(alias="map", max_length=20, description="FIELD=HEADER, e.g. sku=Item No. (repeatable)")
    ] = [],  # noqa: B006 (FastAPI copies defaults)
    sheet: Annotated[str, Query(max_length=200, description="The workbook sheet to read")] = "",
) -> ImportState | CheckResult:
    """Upload a CSV (.csv, .csv.gz) or .xlsx file to import, or with check_only=true to see what it would do."""
    try:
        mapping = chosen_mapping(profile, columns, sheet)
    except ValueError as problem:
        raise ApiProblem(422, str(problem)) from None
    path, file_name = await _receive(request, ctx.folders.work / "uploads", name)
    try:
        await run_in_threadpool(_checked_header, path, mapping)
        if check_only:
            result = await run_in_threadpool(preview_file, ctx.url, path, 20, mapping, False)
            response.status_code = 200
            return CheckResult(
                **{k: getattr(result, k) for k in CheckResult.model_fields if k != "first_problems"},
                first_problems=result.first_problems.to_dicts(),
            )

        def queue() -> int:
            with path.open("rb") as content:
                return submit_upload(ctx.url, ctx.folders, file_name, content, mapping)

        import_id = await run_in_threadpool(queue)
    finally:
        path.unlink(missing_ok=True)
    response.headers["Location"] = f"/imports/{import_id}"
    return import_state(get_import(ctx.url, import_id))


@router.get("", response_model=ImportList, responses=documented(401, 403, 422))
def list_imports(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> ImportList:
    """The latest imports, newest first."""
    return ImportList(items=[import_state(row) for row in recent_imports(ctx.url, limit)])


@router.get("/{import_id}", response_model=ImportState, responses=documented(401, 403, 404, 422))
def read_import(row: Existing) -> ImportState:
    """One import: status, stage, percent, counts, error, timings."""
    return import_state(row)


def _event_id(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 19 else 0


@router.get(
    "/{import_id}/events",
    response_class=EventSourceResponse,
    responses={200: {"description": "Server-sent events: 'progress' with the import's state, then one 'end'"}}
    | documented(401, 403, 404, 422),
)
async def follow_import(
    ctx: Ctx,
    row: Existing,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> AsyncIterable[ServerSentEvent]:
    """The import's progress as it happens: an event each time its state changes,
    ending with the final state ('end'). Event ids only grow, so a client that
    reconnects with Last-Event-ID continues from the current state."""
    last_id, last_state = _event_id(last_event_id), None
    while True:
        state = import_state(row)
        shown = state.model_dump(mode="json")
        if shown != last_state:
            last_id = max(last_id + 1, time.time_ns() // 1_000_000)
            yield ServerSentEvent(data=shown, event="end" if state.finished else "progress", id=str(last_id))
            last_state = shown
        if state.finished:
            return
        await asyncio.sleep(POLL_SECONDS)
        row = await run_in_threadpool(get_import, ctx.url, row["id"]) or row


@router.post("/{import_id}/cancel", response_model=ImportState, responses=documented(401, 403, 404, 409, 422))
def cancel(ctx: Ctx, row: Existing, response: Response) -> ImportState:
    """Stop the import before its merge: nothing is imported, the file is kept (failed/) for a retry,
    upload.cancelled is sent. Waits up to 20 s for the run to stop (202 if it is still stopping)."""
    state = import_state(cancel_import(ctx.url, ctx.folders, row["id"]))
    if not state.finished:
        response.status_code = 202
    return state


@router.get(
    "/{import_id}/rejects",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "line, reason and the original text of each"}}
    | documented(401, 403, 404, 422),
)
def rejects(row: Existing) -> FileResponse:
    """The rows this import could not import, with their line numbers, reasons and original text."""
    path = row["rejects_path"]
    if not path or not FilePath(path).is_file():
        raise ApiProblem(404, f"Import {row['id']} has no rejected rows.")
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"rejects-{row['id']}.csv")


@router.post(
    "/{import_id}/retry", status_code=202, response_model=ImportState, responses=documented(401, 403, 404, 409, 422)
)
def retry(ctx: Ctx, row: Existing, response: Response) -> ImportState:
    """Import a failed or cancelled import's file again, as a new import."""
    if row["status"] not in ("failed", "cancelled"):
        raise ApiProblem(409, f"Import {row['id']} is {row['status']}; only a failed or cancelled import is retried.")
    try:
        import_id = retry_import(ctx.url, ctx.folders, row["id"])
    except (FileNotFoundError, CannotRetry) as refused:
        raise ApiProblem(409, str(refused)) from None
    response.headers["Location"] = f"/imports/{import_id}"
    return import_state(get_import(ctx.url, import_id))


KINDS = {"all": None, "created": True, "updated": False}


@router.get("/{import_id}/changes", response_model=ChangePage, responses=documented(401, 403, 404, 422))
def changes(
    request: Request,
    ctx: Ctx,
    row: Existing,
    kind: Literal["all", "created", "updated"] = "all",
    sku: Annotated[str, Query(max_length=1000, description="SKU contains")] = "",
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="From a previous page's links")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangePage:
    """What the import changed: each product it created, and each it updated with its values before -> after."""
    rows = import_changes(ctx.url, row["id"], after, limit + 1, KINDS[kind], sku)
    links = {}
    if len(rows) > limit:
        rows = rows[:limit]
        links["next"] = str(request.url.include_query_params(after=rows[-1]["product_id"]))
    return ChangePage(items=[Change(**change_view(r)) for r in rows], links=links)


@router.get(
    "/{import_id}/changes/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One line per product, before and after"}}
    | documented(401, 403, 404, 422),
)
def export_changes(
    ctx: Ctx,
    row: Existing,
    kind: Literal["all", "created", "updated"] = "all",
    sku: Annotated[str, Query(max_length=1000)] = "",
) -> StreamingResponse:
    """Every change of the import as CSV (streamed)."""
    return StreamingResponse(
        changes_csv(ctx.url, row["id"], KINDS[kind], sku),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="changes-{row["id"]}.csv"'},
    )


@router.post("/{import_id}/undo", response_model=UndoSummary, responses=documented(401, 403, 404, 409, 422))
def undo(ctx: Ctx, row: Existing) -> UndoSummary:
    """Undo the import in one transaction: products it updated get their values before back, products it
    created are deleted, products changed since are kept (by SKU in kept_skus). Undoing is final."""
    return UndoSummary(**undo_import(ctx.url, row["id"]).as_json())

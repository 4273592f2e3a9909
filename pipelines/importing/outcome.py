"""How an import ends: archiving its file, or recording its failure."""

import hashlib
import shutil
from pathlib import Path

from pipelines.catalog.events import UPLOAD_CANCELLED, UPLOAD_FAILED, record_event, upload_event
from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.importing.bucket import S3Location, is_s3, move_object, s3_client
from pipelines.importing.checked_rows import remove_work, work_folder
from pipelines.importing.csv_records import shorten
from pipelines.importing.import_runs import find_import_by_run
from pipelines.importing.staging import drop_staging
from pipelines.settings import Folders

# Files from these sources were handed to us and are moved when done; a file
# named on the command line stays where its owner keeps it.
MOVED_SOURCES = {"folder", "upload", "bucket"}
CANCELLED = "Cancelled on request before its merge; nothing was imported."


def file_digest(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def move_into(path: Path, folder: Path, import_id: int) -> Path:
    """Move `path` into `folder` as '<import id>-<name>', never overwriting."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(path).name
    prefix = f"{import_id}-"
    name = name[len(prefix) :] if name.startswith(prefix) else name  # uploads land as '<id>-<name>'
    target = folder / f"{prefix}{name}"
    counter = 1
    while target.exists():
        target = folder / f"{prefix}{counter}-{name}"
        counter += 1
    return Path(shutil.move(str(path), target))


def local_copy(folders: Folders, import_id: int, origin: str) -> Path:
    """Where a bucket object is downloaded to while it imports."""
    return folders.work / f"{import_id}-{S3Location.parse(origin).name}"


def archive(origin: str, source: str, outcome: str, import_id: int, folders: Folders) -> str | None:
    """Move a finished import's file to processed/ or failed/; returns where it is now.

    `origin` is the local path or the s3:// URL the file came from. A bucket
    object moves to the `processed/`/`failed/` prefix beside it and its local
    copy is deleted; a file named on the command line stays where it is.
    Returns None when there was nothing to move.
    """
    if is_s3(origin):
        local_copy(folders, import_id, origin).unlink(missing_ok=True)
        return move_object(s3_client(), origin, outcome, import_id)
    path = Path(origin)
    if source in MOVED_SOURCES and path.exists():
        return str(move_into(path, folders.processed if outcome == "processed" else folders.failed, import_id))
    return None


def finish_import(url: str, import_id: int, origin: str, source: str, folders: Folders) -> str:
    """After the merge committed: archive the file and mark the import done."""
    final = archive(origin, source, "processed", import_id, folders) or origin
    with connect(url) as conn:
        conn.execute(query("imports/finish"), {"import_id": import_id, "file_path": final})
    drop_staging(url, import_id)
    remove_work(work_folder(folders.work, import_id))
    return final


def fail_import(
    url: str,
    import_id: int,
    error: str,
    origin: str | None,
    source: str,
    folders: Folders,
    only_if: tuple[str, ...] = ("queued", "running"),
) -> bool:
    """Record that an import failed, or was cancelled, before its merge committed.

    The import row and its upload.failed (upload.cancelled) event are written
    together, with where the file went; an import whose merge already
    committed is left as succeeded, and one that has ended is left as it
    ended (returns False; `only_if` narrows the statuses acted on). An import asked to cancel ends cancelled, whatever
    stopped it. The file goes to failed/ (kept for a retry); only the
    import's staging table and work folder (rebuilt from the file) go.
    """
    error = shorten(error, 2000)  # a message may quote a file's content: keep it readable
    with connect(url) as conn, conn.transaction():
        row = conn.execute(query("imports/lock"), {"import_id": import_id}).fetchone()
        if row is None or row["status"] not in only_if:
            return False
        cancelled = row["cancel_requested_at"] is not None
        moved = archive(origin, source, "failed", import_id, folders) if origin else None
        summary = conn.execute(
            query("imports/fail"),
            {
                "import_id": import_id,
                "status": "cancelled" if cancelled else "failed",
                "error": CANCELLED if cancelled else error,
                "file_path": moved,
            },
        ).fetchone()
        record_event(
            conn, UPLOAD_CANCELLED if cancelled else UPLOAD_FAILED, upload_event(import_id, summary), import_id
        )
    drop_staging(url, import_id)
    remove_work(work_folder(folders.work, import_id))
    return True


def fail_stopped_run(url: str, run_id: str, message: str, folders: Folders) -> int | None:
    """The import of a run that stopped (an op raised, the run died or was
    terminated) before its merge committed: marked failed with upload.failed,
    its file moved to failed/. Returns its id, or None when there was nothing
    to do (no import for the run, or it already ended)."""
    row = find_import_by_run(url, run_id)
    if row is None or row["status"] not in ("queued", "running"):
        return None
    return row["id"] if fail_import(url, row["id"], message, row["file_path"], row["source"], folders) else None

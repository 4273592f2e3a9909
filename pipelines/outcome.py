"""How an import ends: archiving its file, or recording its failure."""

import hashlib
import shutil
from pathlib import Path

from pipelines.database import connect
from pipelines.events import UPLOAD_FAILED, record_event, upload_event
from pipelines.sql_files import query
from pipelines.staging import drop_staging

# Files from these sources were handed to us and are moved when done; a file
# named on the command line stays where its owner keeps it.
MOVED_SOURCES = {"folder", "upload"}


def file_digest(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def move_into(path: Path, folder: Path, import_id: int) -> Path:
    """Move `path` into `folder` as '<import id>-<name>', never overwriting."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(path).name
    prefix = f"{import_id}-"
    name = name[len(prefix):] if name.startswith(prefix) else name  # uploads land as '<id>-<name>'
    target = folder / f"{prefix}{name}"
    counter = 1
    while target.exists():
        target = folder / f"{prefix}{counter}-{name}"
        counter += 1
    return Path(shutil.move(str(path), target))


def finish_import(url: str, import_id: int, path: Path, source: str, processed: Path) -> Path:
    """After the merge committed: archive the file and mark the import done."""
    final = move_into(path, processed, import_id) if source in MOVED_SOURCES and Path(path).exists() else Path(path)
    with connect(url) as conn:
        conn.execute(query("import_finish"), {"import_id": import_id, "file_path": str(final)})
    drop_staging(url, import_id)
    return final


def fail_import(url: str, import_id: int, error: str, path: Path | None, source: str, failed: Path) -> bool:
    """Record that an import failed before its merge committed.

    The import row, its upload.failed event and the file's new place are
    written together; an import whose merge already committed is left as
    succeeded (returns False). Nothing is deleted: the file goes to failed/.
    """
    moved = None
    with connect(url) as conn:
        with conn.transaction():
            row = conn.execute(query("import_get"), {"import_id": import_id}).fetchone()
            if row is None or row["status"] == "succeeded":
                return False
            if path is not None and source in MOVED_SOURCES and Path(path).exists():
                moved = move_into(Path(path), failed, import_id)
            summary = conn.execute(
                query("import_fail"),
                {"import_id": import_id, "error": error, "file_path": str(moved) if moved else None},
            ).fetchone()
            record_event(conn, UPLOAD_FAILED, upload_event(import_id, summary), import_id)
    drop_staging(url, import_id)
    return True

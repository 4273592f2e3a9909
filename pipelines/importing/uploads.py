"""Files handed over by the admin app: into the landing folder, atomically.

The app creates the import row first (source 'upload', status queued), then
writes the file under a hidden temporary name and renames it into place, so
the sensor never sees half a file and the run takes over that row. One path
for every file, whether dropped or uploaded.
"""

import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from pipelines.importing.columns import Mapping
from pipelines.importing.file_kinds import has_importable_suffix
from pipelines.importing.import_runs import create_import, get_import, set_import_path
from pipelines.settings import Folders


def safe_name(name: str) -> str:
    name = Path(name or "upload.csv").name
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "upload.csv"
    return name if has_importable_suffix(name) else f"{name}.csv"


def submit_upload(url: str, folders: Folders, name: str, content: BinaryIO, mapping: Mapping | None = None) -> int:
    """Queue `content` for import under `name` (with the columns `mapping` chose); returns the import id."""
    name = safe_name(name)
    import_id = create_import(url, name, None, "upload", mapping.as_json() if mapping and not mapping.empty else None)
    final = folders.landing / f"{import_id}-{name}"
    set_import_path(url, import_id, str(final))
    temporary = folders.landing / f".{final.name}.tmp"
    with temporary.open("wb") as handle:
        shutil.copyfileobj(content, handle, length=1 << 20)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(final)
    return import_id


class CannotRetry(ValueError):
    pass


def retry_import(url: str, folders: Folders, import_id: int) -> int:
    """Import a failed import's file again, as a new upload; returns the new id."""
    row = get_import(url, import_id)
    if row is not None and row["refused"]:
        raise CannotRetry(
            f"Import {import_id} was refused for the file's content ({row['error']}): the same file would be "
            "refused again. Fix the file and upload it again."
        )
    if row is None or not row["file_path"] or not Path(row["file_path"]).exists():
        raise FileNotFoundError(f"The file of import {import_id} is no longer available.")
    with Path(row["file_path"]).open("rb") as content:
        return submit_upload(url, folders, row["file_name"], content, Mapping.from_json(row.get("mapping")))

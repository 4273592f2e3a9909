"""Which files in the landing folder are ready to import.

A file is ready when it has not changed for the settle time
(LANDING_SETTLE_SECONDS, 1 s by default): its modification time is that old,
or its size, modification time and inode have looked the same for that long
(for a clock that runs ahead on a network share). A copy or upload in
progress keeps changing. Hidden files and the temporary names of browsers,
rsync and editors are skipped. Files in a subfolder (one level down, named
like a profile: importing/profiles.py) are imported with that profile's
column mapping. The sensor keeps the state of each file it has
seen in its cursor, so a file is requested once, and a new file later dropped
under the same name (a new inode or mtime) is requested again.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.importing.file_kinds import is_importable
from pipelines.importing.profiles import valid_profile_name
from pipelines.settings import landing_settle_seconds


@dataclass(frozen=True)
class ReadyFile:
    path: Path
    run_key: str


def _signature(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def is_candidate(path: Path) -> bool:
    # A symbolic link is never followed: it could bring in any file on the machine.
    return is_importable(path.name) and not path.is_symlink() and path.is_file()


def _entries(folder: Path) -> list[Path]:
    """The folder's entries and those of its profile subfolders (never through a link)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and not path.is_symlink():
            if valid_profile_name(path.name):
                found += sorted(path.iterdir())
        else:
            found.append(path)
    return found


def _key(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def links(folder: Path) -> list[str]:
    """Names of symbolic links with importable names in the folder: skipped, to be reported."""
    return [_key(path, folder) for path in _entries(folder) if path.is_symlink() and is_importable(path.name)]


def scan_landing(
    folder: Path, cursor: str | None, now: float | None = None, settle: float | None = None
) -> tuple[list[ReadyFile], str]:
    """Return the files ready to import now and the cursor for the next look.

    Cursor: {relative path: {"sig": [size, mtime_ns, inode], "since": when that
    signature was first seen, "requested": bool}}.
    """
    now = time.time() if now is None else now
    settle = landing_settle_seconds() if settle is None else settle
    previous: dict = json.loads(cursor) if cursor else {}
    state: dict = {}
    ready: list[ReadyFile] = []
    for path in _entries(folder):
        if not is_candidate(path):
            continue
        signature = _signature(path)
        if signature is None:
            continue
        key = _key(path, folder)
        before = previous.get(key, {})
        same = before.get("sig") == signature
        since = before.get("since", now) if same else now
        requested = same and before.get("requested", False)
        if not requested and now - min(since, signature[1] / 1e9) >= settle:
            requested = True
            size, mtime_ns, inode = signature
            ready.append(ReadyFile(path, f"{key}:{size}:{mtime_ns}:{inode}"))
        state[key] = {"sig": signature, "since": since, "requested": requested}
    return ready, json.dumps(state, sort_keys=True)

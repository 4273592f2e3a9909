"""Which files in the landing folder are ready to import.

A file is ready when it has not changed for SETTLE_SECONDS: either its
modification time is already that old when first seen, or two looks in a row
see the same size, modification time and inode (Dagster's daemon looks every
5 seconds at best). A copy or upload in progress keeps changing. Hidden
files and the temporary names of browsers, rsync and editors are skipped.
The sensor keeps the state of each file it has seen in its cursor, so a file
is requested once, and a new file later dropped under the same name (a new
inode or mtime) is requested again.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

SETTLE_SECONDS = 2.0

IMPORTABLE_SUFFIXES = (".csv",)
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", "~")


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
    name = path.name.lower()
    return (
        path.is_file()
        and not name.startswith((".", "~"))
        and name.endswith(IMPORTABLE_SUFFIXES)
        and not name.endswith(TEMPORARY_SUFFIXES)
    )


def scan_landing(folder: Path, cursor: str | None, now: float | None = None) -> tuple[list[ReadyFile], str]:
    """Return the files ready to import now and the cursor for the next look.

    Cursor: {name: {"sig": [size, mtime_ns, inode], "requested": bool}}.
    """
    now = time.time() if now is None else now
    previous: dict = json.loads(cursor) if cursor else {}
    state: dict = {}
    ready: list[ReadyFile] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if not is_candidate(path):
                continue
            signature = _signature(path)
            if signature is None:
                continue
            before = previous.get(path.name, {})
            requested = False
            settled = now - signature[1] / 1e9 >= SETTLE_SECONDS
            if before.get("sig") == signature or (settled and not before):
                requested = True
                if not before.get("requested"):
                    size, mtime_ns, inode = signature
                    ready.append(ReadyFile(path, f"{path.name}:{size}:{mtime_ns}:{inode}"))
            state[path.name] = {"sig": signature, "requested": requested}
    return ready, json.dumps(state, sort_keys=True)

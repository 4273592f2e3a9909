"""Which files in the landing folder are ready to import.

A file is ready when two looks in a row see the same size, modification time
and inode: a copy or upload still in progress changes between looks. Hidden
files and the temporary names of browsers, rsync and editors are skipped.
The sensor keeps the state of each file it has seen in its cursor, so a file
is requested once, and a new file later dropped under the same name (a new
inode or mtime) is requested again.
"""

import json
from dataclasses import dataclass
from pathlib import Path

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


def scan_landing(folder: Path, cursor: str | None) -> tuple[list[ReadyFile], str]:
    """Return the files ready to import now and the cursor for the next look.

    Cursor: {name: {"sig": [size, mtime_ns, inode], "requested": bool}}.
    """
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
            if before.get("sig") == signature:
                requested = True
                if not before.get("requested"):
                    size, mtime_ns, inode = signature
                    ready.append(ReadyFile(path, f"{path.name}:{size}:{mtime_ns}:{inode}"))
            state[path.name] = {"sig": signature, "requested": requested}
    return ready, json.dumps(state, sort_keys=True)

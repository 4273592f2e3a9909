"""Putting things right after a crash: what a killed import leaves behind.

A process can die at any moment (kill -9, out of memory, power loss). The
catalog is safe by construction (one merge transaction), but the process
may leave: its import row `running` for good, its staging table, its work
folder, and, if it died between dropping the search indexes for a rebuild
and rebuilding them, a products table without them. `recover` finds and
fixes all of that, and is idempotent:

* a running import whose process is gone (imports/liveness.sql: its
  heartbeat's session lock is free and its heartbeat a few seconds old, or
  its heartbeat older than IMPORT_HEARTBEAT_TIMEOUT_SECONDS) is failed like
  any failed import (upload.failed, its file to failed/ when it was handed
  to us; a file named on the command line stays where it is);
* staging tables and work folders of imports that are not running go;
* missing or invalid search indexes are built again, once no import is
  alive (a live import may have dropped them on purpose, to rebuild after
  its merge).

Run by every command at its start (`import`, `up`, `migrate`) and, under
Dagster, by the `catalog_recovery` sensor (defs/recovery_sensor.py).
"""

import re
import shutil
from dataclasses import dataclass, field

from pipelines.db.connection import connect
from pipelines.db.search_indexes import ensure_search_indexes, search_indexes_missing
from pipelines.db.sql_files import query
from pipelines.importing.import_runs import LIVENESS_GRACE_SECONDS
from pipelines.importing.outcome import fail_import
from pipelines.importing.staging import drop_staging, leftover_staging_tables
from pipelines.settings import Folders, heartbeat_timeout_seconds

_WORK_FOLDER = re.compile(r"^import-(\d+)$")


@dataclass
class Recovered:
    failed_imports: list[int] = field(default_factory=list)
    staging_tables: list[str] = field(default_factory=list)
    work_folders: list[str] = field(default_factory=list)
    search_indexes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.failed_imports or self.staging_tables or self.work_folders or self.search_indexes)

    def describe(self) -> str:
        parts = []
        if self.failed_imports:
            parts.append(f"imports {', '.join(map(str, self.failed_imports))} had lost their process: marked failed")
        if self.staging_tables:
            parts.append(f"{len(self.staging_tables)} leftover staging table(s) dropped")
        if self.work_folders:
            parts.append(f"{len(self.work_folders)} leftover work folder(s) removed")
        if self.search_indexes:
            parts.append(f"search indexes rebuilt: {', '.join(self.search_indexes)}")
        return "; ".join(parts) or "nothing to recover"


def running_imports(url: str) -> tuple[list[dict], int]:
    """Running imports whose process is gone, and how many are alive."""
    params = {"timeout_seconds": heartbeat_timeout_seconds(), "grace_seconds": LIVENESS_GRACE_SECONDS}
    with connect(url) as conn:
        rows = conn.execute(query("imports/liveness"), params).fetchall()
    return [row for row in rows if row["gone"]], sum(not row["gone"] for row in rows)


def needs_recovery(url: str, folders: Folders) -> bool:
    """Cheap look: is there anything for `recover` to do now?"""
    gone, alive = running_imports(url)
    if gone:
        return True
    return bool(
        leftover_staging_tables(url) or _leftover_work(url, folders) or (not alive and search_indexes_missing(url))
    )


def _leftover_work(url: str, folders: Folders) -> list:
    found = {}
    if folders.work.is_dir():
        for path in folders.work.iterdir():
            if match := _WORK_FOLDER.match(path.name):
                found[int(match.group(1))] = path
    if not found:
        return []
    with connect(url) as conn:
        rows = conn.execute(query("imports/not_running"), {"ids": list(found)}).fetchall()
    return [found[row["id"]] for row in rows]


def recover(url: str, folders: Folders) -> Recovered:
    done = Recovered()
    gone, _ = running_imports(url)
    for row in gone:
        message = (
            f"The import's process stopped during {row['stage']} (killed, out of memory, its database connection "
            "cut or a power loss); nothing was imported."
        )
        if fail_import(url, row["id"], message, row["file_path"], row["source"], folders):
            done.failed_imports.append(row["id"])
    for table in leftover_staging_tables(url):
        drop_staging(url, int(table.rsplit("_", 1)[1]))
        done.staging_tables.append(table)
    for path in _leftover_work(url, folders):
        shutil.rmtree(path, ignore_errors=True)
        done.work_folders.append(path.name)
    _, alive = running_imports(url)
    if not alive and (missing := search_indexes_missing(url)):
        ensure_search_indexes(url, concurrently=True)
        done.search_indexes = missing
    return done

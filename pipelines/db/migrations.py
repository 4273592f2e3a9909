"""Schema migrations: sql/migrations/NNNN_name.sql, applied in order, once.

A migration whose first line is `-- python: package.module:function` has that
function run after its SQL, in the same transaction, with the connection; it
returns a line for `migrate` to print. That is how a data migration uses a
domain rule (the SKU key) that this layer does not import.
"""

import importlib
import re
from pathlib import Path

from pipelines.db.connection import connect
from pipelines.db.search_indexes import ensure_search_indexes
from pipelines.db.sql_files import query
from pipelines.settings import SQL_DIR

MIGRATIONS_DIR = SQL_DIR / "migrations"


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version = int(path.name.split("_", 1)[0])
        found.append((version, path.stem, path))
    return found


def _python_step(sql: str):
    found = re.match(r"-- python: ([\w.]+):(\w+)", sql)
    return getattr(importlib.import_module(found[1]), found[2]) if found else None


def migrate(url: str) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction.

    Safe to call from several processes at once (advisory lock) and as often
    as you like. Also puts back search indexes a crash left missing or
    invalid. Returns the names of the migrations it applied, each with what
    its Python step did.
    """
    applied_now = []
    with connect(url, autocommit=True) as conn:
        conn.execute(query("schema/migrations_table"))
        for version, name, path in migrations():
            with conn.transaction():
                conn.execute(query("schema/migrate_lock"))
                if conn.execute(query("schema/migration_applied"), {"version": version}).fetchone():
                    continue
                sql = path.read_text()
                conn.execute(sql)
                step = _python_step(sql)
                note = step(conn) if step else ""
                conn.execute(query("schema/migration_record"), {"version": version, "name": name})
                applied_now.append(f"{name} ({note})" if note else name)
    ensure_search_indexes(url)
    return applied_now


def schema_version(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute(query("schema/version")).fetchone()
    return row["v"] or 0

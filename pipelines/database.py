"""Connections and schema migrations."""

import os
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import make_url

from pipelines import embedded_db
from pipelines.settings import SQL_DIR, data_dir

MIGRATIONS_DIR = SQL_DIR / "migrations"


def resolve_url(url: str | None = None) -> str:
    """DATABASE_URL if given, else the embedded server (started if needed).

    The embedded server's URL is exported to DATABASE_URL so that child
    processes (Dagster run workers, the app) join it instead of guessing.
    """
    url = url or os.environ.get("DATABASE_URL")
    if url:
        return url
    url = embedded_db.start(data_dir() / "postgres")
    os.environ["DATABASE_URL"] = url
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database url>"


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    # prepare_threshold=None: never server-side prepared statements. Each
    # query is planned with its actual parameters (the optional filters of
    # the product list then use their indexes), and connection poolers in
    # transaction mode (PgBouncer) work.
    return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row, prepare_threshold=None)


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version = int(path.name.split("_", 1)[0])
        found.append((version, path.stem, path))
    return found


def migrate(url: str) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction.

    Safe to call from several processes at once (advisory lock) and as often
    as you like. Returns the names of the migrations it applied.
    """
    applied_now = []
    with connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version, name, path in migrations():
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('product_importer.migrate'))")
                done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (version,)).fetchone()
                if done:
                    continue
                conn.execute(path.read_text())
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                applied_now.append(name)
    from pipelines.search_indexes import ensure_search_indexes  # it imports this module

    ensure_search_indexes(url)
    return applied_now


def schema_version(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()
    return row["v"] or 0

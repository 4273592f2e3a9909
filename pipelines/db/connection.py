"""Connections to the products database: its URL, and connecting."""

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import make_url

from pipelines import settings
from pipelines.db import embedded_db


def resolve_url(url: str | None = None) -> str:
    """DATABASE_URL if given, else the embedded server (started if needed).

    The embedded server's URL is exported to DATABASE_URL so that child
    processes (Dagster run workers, the app) join it instead of guessing.
    """
    url = url or settings.database_url()
    if url:
        return url
    url = embedded_db.start(settings.data_dir() / "postgres")
    settings.export_database_url(url)
    return url


def uses_embedded_server() -> bool:
    return not settings.database_url()


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

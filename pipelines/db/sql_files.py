"""The SQL the code runs lives in sql/queries/*.sql; this loads it by name."""

from functools import cache

from psycopg import sql

from pipelines.settings import SQL_DIR


@cache
def query(name: str) -> str:
    return (SQL_DIR / "queries" / f"{name}.sql").read_text()


def with_table(name: str, parts: dict[str, str] | None = None, **tables: str) -> sql.Composed:
    """A query whose {placeholders} are table names, quoted as identifiers (and
    fixed SQL fragments in `parts`, as with_parts)."""
    fragments = {k: sql.SQL(v) for k, v in (parts or {}).items()}
    return sql.SQL(query(name)).format(**{k: sql.Identifier(v) for k, v in tables.items()}, **fragments)


def with_parts(name: str, **parts: str) -> sql.Composed:
    """A query whose {placeholders} are fixed SQL fragments chosen by the code
    (never user input: callers pick them from a table of their own)."""
    return sql.SQL(query(name)).format(**{k: sql.SQL(v) for k, v in parts.items()})

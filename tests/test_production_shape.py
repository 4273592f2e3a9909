"""The production shape as separate processes: `product-importer up --profile production`.

One run of the stack a user would run in production, on this machine: the
PostgreSQL under test for the catalog and for Dagster's storage, with
deploy/dagster.yaml as shipped (QueuedRunCoordinator, the import limit), a
Dagster code server over gRPC, dagster-webserver, dagster-daemon, two webhook
workers, the admin app, the HTTP API, and bucket landing on a local S3
server (moto). Then, as a user would: six files dropped into the bucket at
once, the daemon killed with SIGKILL while they import, a webhook worker
killed with SIGKILL in the middle of a delivery.
"""

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import dagster as dg
import httpx
import psutil
import pytest
from conftest import temporary_database, with_database
from pytest_httpserver import HTTPServer
from test_embedded_and_up import BIN, clean_env, free_port, wait_for
from werkzeug import Response

from pipelines.db import connection

pytestmark = [pytest.mark.slow]

MAX_RUNS = 2  # DAGSTER_MAX_CONCURRENT_RUNS: below the import tag limit (3) so that the queue has work
FILES = 6
ROWS = 20_000
STEP = 4_000  # file k holds SKUs k*STEP .. k*STEP + ROWS: each overlaps the next four
LEASE_SECONDS = 5
RESTART_DELAY = 8
IMPORT_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def file_body(k: int) -> bytes:
    lines = ["sku,name,description,price"]
    lines += [
        f"SKU-{n:06d},file{k} product {n},from file {k},{k}.{n % 100:02d}" for n in range(k * STEP, k * STEP + ROWS)
    ]
    return ("\n".join(lines) + "\n").encode()


class Stack:
    """`up --profile production` as a process, its services found by command line."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.log = tmp_path / "up.log"
        self.data = tmp_path / "data"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [BIN / "product-importer", "up", "--profile", "production"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()

    def service(self, needle: str) -> list[psutil.Process]:
        found = []
        for child in psutil.Process(self.proc.pid).children():
            try:
                if needle in " ".join(child.cmdline()):
                    found.append(child)
            except psutil.Error:  # gone, or killed and not yet reaped by `up`
                continue
        return found

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def stack(tmp_path, server_url, db_url, s3, monkeypatch):
    with temporary_database(server_url, "dagster") as dagster_db:
        ports = {name: free_port() for name in ("DAGSTER_PORT", "APP_PORT", "API_PORT", "CODE_PORT")}
        settings = dict(
            DATABASE_URL=db_url,
            DAGSTER_POSTGRES_URL=with_database(server_url, dagster_db),
            DAGSTER_MAX_CONCURRENT_RUNS=str(MAX_RUNS),
            LANDING_URL="s3://catalog/incoming",
            WEBHOOK_ALLOW_PRIVATE="1",
            WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS),
            # Longer than the lease: the worker killed mid-delivery is still
            # down when the lease ends, so the other one must take it over.
            RESTART_DELAY_SECONDS=str(RESTART_DELAY),
            **{name: str(port) for name, port in ports.items()},
        )
        for name, value in settings.items():
            monkeypatch.setenv(name, value)  # the test reads Dagster's run storage with the same settings
        env = clean_env(tmp_path, **settings)
        env["DATABASE_URL"] = db_url
        started = time.monotonic()
        running = Stack(tmp_path, env)
        try:
            wait_for(lambda: "Ready in" in running.output(), 180, "the ready line")
            running.ready_seconds = time.monotonic() - started
            running.api = f"http://127.0.0.1:{ports['API_PORT']}"
            running.home = tmp_path / "data" / "dagster-production"
            yield running
        finally:
            running.stop()
            print(running.output()[-4000:])


class RunWatcher(threading.Thread):
    """Counts the imports Dagster's run storage says are running, every 0.2 s."""

    def __init__(self, home: Path):
        super().__init__(daemon=True)
        self.home, self.most, self.stopping, self.samples = home, 0, threading.Event(), 0

    def run(self) -> None:
        with dg.DagsterInstance.from_config(str(self.home)) as instance:
            while not self.stopping.is_set():
                running = instance.get_runs_count(dg.RunsFilter(job_name="import_products", statuses=IMPORT_STATUSES))
                self.most, self.samples = max(self.most, running), self.samples + 1
                time.sleep(0.2)


def run_counts(home: Path) -> dict[str, int]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="import_products"))
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.status.value] = counts.get(run.status.value, 0) + 1
    return counts


def receiver() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    return server


def test_the_production_shape_imports_a_burst_limits_runs_and_survives_kills(stack, s3, db_url):
    # Three endpoints on one receiver; every event type.
    hooks = receiver()
    for name in ("a", "b", "c"):
        hooks.expect_request(f"/{name}").respond_with_data("ok")
    api = httpx.Client(base_url=stack.api, timeout=30)
    for name in ("a", "b", "c"):
        answer = api.post(
            "/webhooks/endpoints",
            json={"url": hooks.url_for(f"/{name}"), "event_types": ["upload.completed", "product.created"]},
        )
        assert answer.status_code == 201, answer.text

    # Six files at once into the bucket; names in upload order, so a tie on
    # LastModified (a second) still lists them in the order they arrived.
    watcher = RunWatcher(stack.home)
    watcher.start()
    dropped = time.monotonic()
    for k in range(1, FILES + 1):
        s3.put_object(Bucket="catalog", Key=f"incoming/drop{k}.csv", Body=file_body(k))

    # While imports run and others wait in the queue, kill -9 the daemon.
    wait_for(
        lambda: (c := run_counts(stack.home)).get("STARTED", 0) >= 1 and c.get("QUEUED", 0) >= 1,
        120,
        "a run started and others queued",
    )
    [daemon] = stack.service("dagster-daemon")
    queued_before = run_counts(stack.home).get("QUEUED", 0)
    daemon.kill()
    killed = time.monotonic()
    wait_for(
        lambda: stack.service("dagster-daemon") and stack.service("dagster-daemon")[0].pid != daemon.pid,
        30,
        "the daemon started again",
    )
    wait_for(lambda: run_counts(stack.home).get("QUEUED", 0) < queued_before, 120, "the queue moving again")
    queue_moved = time.monotonic() - killed

    def imports():
        with connection.connect(db_url) as conn:
            return conn.execute("SELECT * FROM imports ORDER BY queued_at").fetchall()

    wait_for(
        lambda: len(rows := imports()) == FILES and all(r["status"] == "succeeded" for r in rows), 300, "six imports"
    )
    all_done = time.monotonic() - dropped
    watcher.stopping.set()
    watcher.join()
    assert watcher.samples > 20
    assert watcher.most == MAX_RUNS, f"at most {watcher.most} imports ran at once"
    # The import row is done at its merge; the run a moment later (it archives the object).
    wait_for(lambda: run_counts(stack.home) == {"SUCCESS": FILES}, 60, "six successful runs")

    # Each object moved to processed/, the later arrival winning on overlaps.
    rows = imports()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="catalog", Prefix="incoming/")["Contents"])
    assert keys == sorted(f"incoming/processed/{r['id']}-{r['file_name']}" for r in rows)
    assert [r["file_name"] for r in rows] == [f"drop{k}.csv" for k in range(1, FILES + 1)]
    expected = {}
    for k in range(1, FILES + 1):
        for n in range(k * STEP, k * STEP + ROWS):
            expected[f"SKU-{n:06d}"] = f"file{k} product {n}"
    with connection.connect(db_url) as conn:
        actual = {r["sku"]: r["name"] for r in conn.execute("SELECT sku, name FROM products")}
    assert actual == expected

    # Twenty products created over the API: every event reaches every
    # endpoint exactly once across the two workers (the import runs send
    # their own upload.completed first).
    made = [api.post("/products", json={"sku": f"API-{n}", "name": f"made over HTTP {n}"}) for n in range(20)]
    assert all(answer.status_code == 201 for answer in made)
    with connection.connect(db_url) as conn:
        events = {r["type"]: r["n"] for r in conn.execute("SELECT type, count(*) AS n FROM events GROUP BY type")}
    assert events == {"upload.completed": FILES, "product.created": 20}

    def delivered():
        ids = {}
        for request, _ in hooks.log:
            ids.setdefault(request.path, []).append(request.headers["webhook-id"])
        return ids

    wait_for(lambda: sorted(len(v) for v in delivered().values()) >= [FILES + 20] * 3, 60, "every delivery")
    time.sleep(2 * LEASE_SECONDS)  # a second send, if any, would come by now
    for path, ids in delivered().items():
        assert len(ids) == len(set(ids)) == FILES + 20, path

    # A product changed, to an endpoint that hangs: the worker sending it is
    # killed mid-request, the other one sends it again once the lease ends.
    hang = receiver()
    release = threading.Event()
    calls = []

    def client_pid(request) -> int | None:
        port = int(request.environ["REMOTE_PORT"])
        return next((c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port), None)

    def hanging(request):
        calls.append((time.monotonic(), request.headers["webhook-id"], client_pid(request)))
        if len(calls) == 1:
            release.wait(60)  # until its sender is killed
        return Response("ok")

    hang.expect_request("/slow").respond_with_handler(hanging)
    answer = api.post("/webhooks/endpoints", json={"url": hang.url_for("/slow"), "event_types": ["product.updated"]})
    assert answer.status_code == 201, answer.text
    workers = {w.pid for w in stack.service("product-importer webhooks")}
    assert len(workers) == 2
    product_id = made[0].json()["id"]
    assert api.patch(f"/products/{product_id}", json={"name": "changed"}).status_code == 200
    wait_for(lambda: calls, 30, "the hanging endpoint called")
    victim = calls[0][2]
    assert victim in workers
    psutil.Process(victim).kill()
    killed = time.monotonic()
    wait_for(lambda: len(calls) >= 2, 60, "the delivery sent again")
    release.set()
    redelivered_after = calls[1][0] - killed
    assert calls[0][1] == calls[1][1]  # the same webhook-id
    # Not before the lease ran out (it began as the request was sent), and soon after.
    assert LEASE_SECONDS - 0.5 < calls[1][0] - calls[0][0] < LEASE_SECONDS + 20
    assert calls[1][2] in workers - {victim}  # the other worker, not the killed one started again
    time.sleep(2 * LEASE_SECONDS)
    assert len(calls) == 2  # delivered, so not sent a third time

    # What a reviewer reads in the test log.
    print(
        json.dumps(
            {
                "ready_seconds": round(stack.ready_seconds, 1),
                "six_files_imported_seconds": round(all_done, 1),
                "most_imports_at_once": watcher.most,
                "queue_moving_after_daemon_kill_seconds": round(queue_moved, 1),
                "redelivered_after_worker_kill_seconds": round(redelivered_after, 1),
                "deliveries_per_endpoint": FILES + 20,
            }
        )
    )
    assert "starting it again" in stack.output()
    hooks.stop()
    hang.stop()

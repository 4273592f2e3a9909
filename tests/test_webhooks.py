"""Webhook delivery against real HTTP servers on localhost (pytest-httpserver).

Signatures are checked by the `standardwebhooks` package, acting as an
independent receiver.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Response

from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.settings import WebhookSettings
from pipelines.webhooks import endpoints
from pipelines.webhooks.address_guard import blocked_reason
from pipelines.webhooks.worker import Worker

FAST = dict(allow_private=True, poll_seconds=0.05, retry_schedule=(0.1, 0.1, 0.1, 0.1, 0.1))


@pytest.fixture
def receiver():
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@contextmanager
def running_worker(db_url, **settings):
    worker = Worker(db_url, WebhookSettings(**{**FAST, **settings}))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(worker.run(),), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        loop.call_soon_threadsafe(worker.stopping.set)
        thread.join(30)
        loop.close()


def wait_until(check, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def attempts(db_url, endpoint_id=None):
    return list(reversed(endpoints.delivery_log(db_url, endpoint_id)))


def test_product_event_is_delivered_signed(db_url, receiver):
    receiver.expect_request("/hook", method="POST").respond_with_data("thanks")
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) >= 6 + 32
    with running_worker(db_url):
        product = catalog.create_product(db_url, "A-1", "Alpha", "first")
        catalog.update_product(db_url, product["id"], "A-1", "Alpha 2", "first", True)  # not subscribed
        wait_until(lambda: len(receiver.log) == 1, what="one delivery")
        time.sleep(0.3)
    request, response = receiver.log[0]
    body = request.get_data()
    headers = dict(request.headers)
    payload = Webhook(endpoint["secret"]).verify(body, headers)  # raises if the signature is wrong
    assert payload["type"] == "product.created"
    assert payload["data"]["product"]["sku"] == "A-1" and "timestamp" in payload
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("product-importer-webhooks/")
    assert request.headers["webhook-id"].startswith("msg_")
    [logged] = attempts(db_url)
    assert logged["succeeded"] and logged["http_status"] == 200 and logged["response_excerpt"] == "thanks"
    assert len(receiver.log) == 1  # product.updated was not subscribed


def test_failure_is_retried_then_succeeds_with_the_same_webhook_id(db_url, receiver):
    receiver.expect_ordered_request("/hook").respond_with_data("busy", status=500)
    receiver.expect_ordered_request("/hook").respond_with_data("ok", status=200)
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    with running_worker(db_url):
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: len(receiver.log) == 2, what="the retry")
        wait_until(lambda: len(attempts(db_url)) == 2, what="both attempts logged")
    first, second = attempts(db_url)
    assert (first["succeeded"], first["http_status"], first["attempt"]) == (False, 500, 1)
    assert (second["succeeded"], second["http_status"], second["attempt"]) == (True, 200, 2)
    ids = {r.headers["webhook-id"] for r, _ in receiver.log}
    assert len(ids) == 1
    assert endpoints.get_endpoint(db_url, endpoint["id"])["consecutive_failures"] == 0


def test_http_410_disables_the_endpoint(db_url, receiver):
    receiver.expect_request("/hook").respond_with_data("gone", status=410)
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    with running_worker(db_url):
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: not endpoints.get_endpoint(db_url, endpoint["id"])["enabled"], what="disabling")
        catalog.create_product(db_url, "B-2", "Beta")
        time.sleep(0.5)
    after = endpoints.get_endpoint(db_url, endpoint["id"])
    assert after["disabled_reason"] == "The receiver answered 410 Gone." and after["last_status"] == 410
    assert len(receiver.log) == 1  # nothing more goes to a disabled endpoint


def test_a_short_outage_does_not_disable_an_endpoint(db_url, receiver):
    for _ in range(4):
        receiver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    receiver.expect_ordered_request("/hook").respond_with_data("back")
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    with running_worker(db_url):  # the default: disabled only after failing for a day
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: len(receiver.log) == 5, what="the retries")
        wait_until(lambda: endpoints.get_endpoint(db_url, endpoint["id"])["consecutive_failures"] == 0, what="ok")
    after = endpoints.get_endpoint(db_url, endpoint["id"])
    assert after["enabled"] and after["failing_since"] is None and after["disabled_reason"] is None


def events_of(db_url, event_type):
    with connection.connect(db_url) as conn:
        return [r["payload"] for r in conn.execute("SELECT payload FROM events WHERE type = %s", (event_type,))]


def test_endpoint_failing_continuously_is_disabled_its_backlog_kept_and_sent_in_order(db_url, receiver):
    down = threading.Event()
    down.set()
    seen = []

    def handler(request):
        if down.is_set():
            return Response("down", status=503)
        seen.append(json.loads(request.get_data())["data"]["product"]["sku"])
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(handler)
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    # Retries outlast the 0.5 s of failing that disables it, as the defaults do (42 h against 24 h).
    with running_worker(db_url, disable_after_hours=0.5 / 3600, retry_schedule=(0.1,) * 30):
        catalog.create_product(db_url, "P-00", "First")
        wait_until(lambda: not endpoints.get_endpoint(db_url, endpoint["id"])["enabled"], what="disabling")
        after = endpoints.get_endpoint(db_url, endpoint["id"])
        assert after["disabled_reason"].startswith("Disabled after failing continuously since ")
        [disabled] = events_of(db_url, "webhook.endpoint_disabled")
        assert disabled["endpoint_id"] == endpoint["id"] and disabled["reason"] == after["disabled_reason"]
        # Events raised while it is disabled are kept for it.
        for n in range(1, 6):
            catalog.create_product(db_url, f"P-{n:02d}", f"Product {n}")
        wait_until(lambda: endpoints.backlog(db_url, endpoint["id"])["n"] == 6, what="the backlog")
        requests_while_disabled = len(receiver.log)
        time.sleep(0.5)
        assert len(receiver.log) == requests_while_disabled  # nothing is sent to a disabled endpoint
        down.clear()
        endpoints.update_endpoint(db_url, endpoint["id"], after["url"], after["event_types"], True)
        wait_until(lambda: len(seen) == 6, what="the backlog to be delivered")
    assert seen == [f"P-{n:02d}" for n in range(6)]  # in event order
    again = endpoints.get_endpoint(db_url, endpoint["id"])
    assert (again["enabled"], again["disabled_reason"], again["failing_since"]) == (True, None, None)


def test_enabling_again_can_drop_the_backlog_on_request(db_url, receiver):
    receiver.expect_request("/hook").respond_with_data("ok")
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"], enabled=False)
    catalog.create_product(db_url, "A-1", "Alpha")
    with running_worker(db_url):
        wait_until(lambda: endpoints.backlog(db_url, endpoint["id"])["n"] == 1, what="the kept delivery")
        endpoints.update_endpoint(db_url, endpoint["id"], endpoint["url"], endpoint["event_types"], True, "drop")
        catalog.create_product(db_url, "B-2", "Beta")
        wait_until(lambda: len(receiver.log) == 1, what="the new event")
        time.sleep(0.3)
    [(request, _)] = receiver.log
    assert json.loads(request.get_data())["data"]["product"]["sku"] == "B-2"
    with connection.connect(db_url) as conn:
        assert (
            conn.execute("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'dropped'").fetchone()["n"] == 1
        )


def test_each_endpoint_gets_its_events_in_order_even_when_one_fails_first(db_url, receiver):
    failures = {"P-00": 2}  # the first event fails twice: the later ones wait behind it
    seen, lock = [], threading.Lock()

    def handler(request):
        sku = json.loads(request.get_data())["data"]["product"]["sku"]
        with lock:
            if failures.get(sku):
                failures[sku] -= 1
                return Response("not now", status=503)
            seen.append(sku)
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(handler)
    endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    for n in range(20):
        catalog.create_product(db_url, f"P-{n:02d}", f"Product {n}")
    with running_worker(db_url, concurrency=16):
        wait_until(lambda: len(seen) == 20, what="every delivery")
    assert seen == [f"P-{n:02d}" for n in range(20)]


def test_a_loopback_endpoint_warns_at_once_naming_the_setting(db_url):
    warning = endpoints.private_target_warning("http://127.0.0.1:9000/hook", WebhookSettings(allow_private=False))
    assert "127.0.0.1 (loopback)" in warning and "WEBHOOK_ALLOW_PRIVATE=1" in warning
    assert endpoints.private_target_warning("http://localhost:9000/hook", WebhookSettings(allow_private=True)) is None
    assert endpoints.private_target_warning("http://93.184.216.34/hook", WebhookSettings(allow_private=False)) is None


def test_retry_after_is_honoured(db_url, receiver):
    receiver.expect_ordered_request("/hook").respond_with_response(
        Response("later", status=503, headers={"Retry-After": "2"})
    )
    receiver.expect_ordered_request("/hook").respond_with_data("ok")
    endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    with running_worker(db_url):  # the schedule alone would retry after 0.1 s
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: len(attempts(db_url)) == 2, timeout=20, what="the second attempt")
    first, second = attempts(db_url)
    gap = (second["attempted_at"] - first["attempted_at"]).total_seconds()
    assert 1.8 <= gap < 6, gap


@pytest.mark.slow
def test_delivery_cut_by_a_crash_is_delivered_after_restart_with_the_same_id(db_url, receiver, tmp_path):
    hang = threading.Event()
    hang.set()

    def handler(request):
        if hang.is_set():
            time.sleep(8)
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(handler)
    endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WEBHOOK_LEASE_SECONDS": "2",
        "WEBHOOK_POLL_SECONDS": "0.1",
        "DATA_DIR": str(tmp_path),
    }
    cli = [str(Path(sys.executable).parent / "product-importer"), "webhooks"]
    first = subprocess.Popen(cli, env=env)
    try:
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: _delivery_status(db_url) == "delivering", what="the attempt to start")
        time.sleep(0.5)
        first.send_signal(signal.SIGKILL)  # the worker dies mid-request
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert attempts(db_url) == []  # the attempt never finished
    hang.clear()
    second = subprocess.Popen(cli, env=env)
    try:
        wait_until(lambda: _delivery_status(db_url) == "succeeded", timeout=30, what="delivery after restart")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    # The cut request is logged by the receiver when its handler returns.
    wait_until(lambda: len(receiver.log) >= 2, timeout=15, what="both requests at the receiver")
    ids = [r.headers["webhook-id"] for r, _ in receiver.log]
    assert len(set(ids)) == 1
    assert [a["succeeded"] for a in attempts(db_url)] == [True]


def _delivery_status(db_url):
    with connection.connect(db_url) as conn:
        row = conn.execute("SELECT status FROM webhook_deliveries ORDER BY id LIMIT 1").fetchone()
    return row and row["status"]


def test_redeliver_sends_a_past_event_again(db_url, receiver):
    receiver.expect_request("/hook").respond_with_data("ok")
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    with running_worker(db_url):
        catalog.create_product(db_url, "A-1", "Alpha")
        wait_until(lambda: len(attempts(db_url)) == 1, what="first delivery")
        [logged] = attempts(db_url)
        endpoints.redeliver(db_url, logged["event_id"], endpoint["id"])
        wait_until(lambda: len(attempts(db_url)) == 2, what="redelivery")
    bodies = [r.get_data() for r, _ in receiver.log]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert receiver.log[0][0].headers["webhook-id"] == receiver.log[1][0].headers["webhook-id"]


def test_upload_events_are_delivered(db_url, receiver, run_job, landing_file):
    receiver.expect_request("/hook").respond_with_data("ok")
    endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["upload.completed", "upload.failed"])
    with running_worker(db_url):
        run_job(landing_file("good.csv", "sku,name\nA,B\n"))
        run_job(landing_file("bad.csv", "name\nno sku\n"))
        wait_until(lambda: len(receiver.log) == 2, what="two upload events")
    types = [json.loads(r.get_data())["type"] for r, _ in receiver.log]
    assert sorted(types) == ["upload.completed", "upload.failed"]
    completed = next(json.loads(r.get_data()) for r, _ in receiver.log if b"upload.completed" in r.get_data())
    assert completed["data"]["created"] == 1 and completed["data"]["file_name"] == "good.csv"


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private network"),
        ("172.16.0.1", "private network"),
        ("192.168.1.1", "private network"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("fd00::1", "unique-local IPv6"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private network"),
        ("0.0.0.0", "not a public"),
    ],
)
def test_address_classes_that_webhooks_may_not_reach(address, reason):
    assert blocked_reason(address).startswith(reason)


def test_public_addresses_are_allowed():
    assert blocked_reason("93.184.216.34") is None and blocked_reason("2606:4700::1111") is None


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/hook",
        "http://[fd00::1]/hook",
    ],
)
def test_test_button_refuses_internal_targets_by_default(db_url, receiver, target):
    receiver.expect_request("/hook").respond_with_data("should never be reached")
    endpoint = endpoints.create_endpoint(db_url, target.format(port=receiver.port), ["product.created"])
    result = endpoints.test_endpoint(db_url, endpoint["id"], WebhookSettings(allow_private=False))
    assert not result.succeeded and result.error.startswith("blocked address")
    assert "set WEBHOOK_ALLOW_PRIVATE=1" in result.error  # says how to allow it for local testing
    assert receiver.log == []  # refused before any connection


def test_test_button_reports_status_time_and_common_failures(db_url, receiver):
    receiver.expect_request("/hook").respond_with_data("hi", status=204)
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["product.created"])
    allow = WebhookSettings(allow_private=True)
    ok = endpoints.test_endpoint(db_url, endpoint["id"], allow)
    assert ok.succeeded and ok.http_status == 204 and ok.response_ms >= 0
    request = receiver.log[0][0]
    assert Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))["type"] == "webhook.test"
    receiver.stop()
    refused = endpoints.test_endpoint(db_url, endpoint["id"], allow)
    assert refused.error == "connection refused"
    dns = endpoints.create_endpoint(db_url, "http://no-such-host.invalid/hook", ["product.created"])
    assert endpoints.test_endpoint(db_url, dns["id"], allow).error.startswith("DNS failure")
    log = endpoints.delivery_log(db_url)
    assert [r["event_type"] for r in log] == ["webhook.test"] * 3


@pytest.mark.slow
def test_test_button_gives_up_after_ten_seconds(db_url, receiver):
    receiver.expect_request("/slow").respond_with_handler(lambda request: (time.sleep(12), Response("late"))[1])
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/slow"), ["product.created"])
    started = time.monotonic()
    result = endpoints.test_endpoint(db_url, endpoint["id"], WebhookSettings(allow_private=True))
    assert result.error == "no complete answer within 10 s" and time.monotonic() - started < 11.5


@pytest.mark.parametrize(
    "target, message",
    [
        ("ftp://example.com/x", "must start with http"),
        ("https://user:pw@example.com/", "no user name or password"),
        ("https:///path", "no host name"),
        ("https://example.com/#x", "#fragment"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(db_url, target, message):
    with pytest.raises(endpoints.EndpointError, match=message):
        endpoints.create_endpoint(db_url, target, ["product.created"])


def test_event_types_are_checked(db_url):
    with pytest.raises(endpoints.EndpointError, match="at least one"):
        endpoints.create_endpoint(db_url, "https://example.com/", [])
    with pytest.raises(endpoints.EndpointError, match="Unknown"):
        endpoints.create_endpoint(db_url, "https://example.com/", ["product.exploded"])


def test_rotating_the_secret_changes_it(db_url):
    endpoint = endpoints.create_endpoint(db_url, "https://example.com/", ["product.created"])
    rotated = endpoints.rotate_secret(db_url, endpoint["id"])
    assert rotated["secret"] != endpoint["secret"] and rotated["secret"].startswith("whsec_")


def _import_in_process(db_url, folders, path):
    import dagster as dg

    from pipelines.defs.in_process import execute_import
    from pipelines.defs.resources import PostgresResource

    resources = {"postgres": PostgresResource(url=db_url), "folders": folders, "io_manager": dg.mem_io_manager}
    return execute_import(path, "folder", ephemeral=True, resources=resources)


def test_the_import_delivers_its_own_event_at_once(db_url, receiver, folders, landing_file, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    receiver.expect_request("/hook").respond_with_data("ok")
    endpoint = endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["upload.completed"])
    result = _import_in_process(db_url, folders, landing_file("good.csv", "sku,name\nA,B\nC,D\n"))
    assert result.success
    # No worker runs: the import's final op sent it before the run ended.
    [(request, _)] = receiver.log
    payload = Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "upload.completed" and payload["data"]["created"] == 2
    [logged] = attempts(db_url)
    assert logged["succeeded"] and logged["attempt"] == 1
    notify_output = next(e for e in result.events_for_node("notify") if e.is_successful_output)
    metadata = notify_output.step_output_data.metadata
    assert metadata["delivered"].value == 1 and metadata["attempted"].value == 1
    assert receiver.url_for("/hook") in metadata["endpoints"].value
    [materialized] = result.asset_materializations_for_node("merge")
    assert materialized.asset_key.path == ["products"] and materialized.metadata["created"].value == 2


def test_a_failed_first_attempt_is_left_to_the_worker(db_url, receiver, folders, landing_file, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0.1,0.1")
    receiver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    receiver.expect_ordered_request("/hook").respond_with_data("ok")
    endpoints.create_endpoint(db_url, receiver.url_for("/hook"), ["upload.completed"])
    assert _import_in_process(db_url, folders, landing_file("good.csv", "sku,name\nA,B\n")).success
    assert len(receiver.log) == 1
    with running_worker(db_url):
        wait_until(lambda: len(receiver.log) == 2, what="the worker's retry")
    assert len({r.headers["webhook-id"] for r, _ in receiver.log}) == 1


def test_the_import_and_a_running_worker_never_both_send_an_event(db_url, receiver, folders, landing_file, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    receiver.expect_request("/a").respond_with_data("ok")
    receiver.expect_request("/b").respond_with_data("ok")
    for path in ("/a", "/b"):
        endpoints.create_endpoint(db_url, receiver.url_for(path), ["upload.completed"])
    imports = 6
    # The worker polls every 10 ms, so it races each import's own attempt.
    with running_worker(db_url, poll_seconds=0.01):
        for number in range(imports):
            assert _import_in_process(
                db_url, folders, landing_file(f"f{number}.csv", f"sku,name\nS{number},N\n")
            ).success
        wait_until(lambda: len(receiver.log) >= 2 * imports, what="every event at both endpoints")
        time.sleep(1.0)  # room for a second, wrong delivery to arrive
    sent = [(r.path, r.headers["webhook-id"]) for r, _ in receiver.log]
    assert len(sent) == 2 * imports and len(set(sent)) == 2 * imports

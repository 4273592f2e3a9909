"""The HTTP API against a real uvicorn server and a real PostgreSQL.

Every route goes through the same domain functions as the app; here we see
what a client sees: status codes, problem+json errors, pages, the event
stream, the CSV export and its round trip, tokens.
"""

import csv
import io
import json
import threading
import time

import httpx
import pytest
from api_server import serving

from pipelines.access import tokens
from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.settings import Folders

PROBLEM = "application/problem+json"


@pytest.fixture
def api(db_url, folders):
    with serving(db_url, folders.folders()) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def problem_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_products_create_read_change_delete(api):
    created = api.post("/products", json={"sku": "MUG-1", "name": "Blue mug", "price": "12,50"})
    assert created.status_code == 201, created.text
    product = created.json()
    assert created.headers["location"] == f"/products/{product['id']}"
    assert (product["sku"], product["price"], product["active"], product["description"]) == ("MUG-1", "12.50", True, "")

    assert api.get(f"/products/{product['id']}").json() == product
    patched = api.patch(f"/products/{product['id']}", json={"active": False, "price": 13}).json()
    assert (patched["name"], patched["active"], patched["price"]) == ("Blue mug", False, "13")
    replaced = api.put(f"/products/{product['id']}", json={"sku": "mug-1", "name": "Red mug"}).json()
    assert (replaced["sku"], replaced["name"], replaced["active"], replaced["price"]) == (
        "mug-1",
        "Red mug",
        True,
        None,
    )

    assert api.delete(f"/products/{product['id']}").status_code == 204
    problem_of(api.get(f"/products/{product['id']}"), 404)
    problem_of(api.delete(f"/products/{product['id']}"), 404)
    problem_of(api.patch("/products/999999", json={"name": "x"}), 404)


def test_a_products_history_names_the_token_that_changed_it(api, db_url):
    product = api.post("/products", json={"sku": "H-1", "name": "Before", "price": "1"}).json()
    _, token = tokens.create_token(db_url, "erp")
    erp = {"Authorization": f"Bearer {token}"}
    assert api.patch(f"/products/{product['id']}", json={"name": "After"}, headers=erp).status_code == 200
    history = api.get(f"/products/{product['id']}/history", headers=erp)
    assert history.status_code == 200, history.text
    assert [(h["change"], h["by"], h["changed"]) for h in history.json()] == [
        ("updated", "API token erp", {"name": {"before": "Before", "after": "After"}}),
        (
            "created",
            "HTTP API",
            {
                "sku": {"before": None, "after": "H-1"},
                "name": {"before": None, "after": "Before"},
                "price": {"before": None, "after": "1"},
                "active": {"before": None, "after": True},
            },
        ),
    ]
    problem_of(api.get("/products/999999/history", headers=erp), 404)


def test_bad_product_input_is_a_clear_problem_never_a_server_error(api):
    api.post("/products", json={"sku": "ABC", "name": "First"}).raise_for_status()
    clash = problem_of(api.post("/products", json={"sku": "abc", "name": "Second"}), 409)
    assert "without regard to case" in clash["detail"]
    missing = problem_of(api.post("/products", json={"name": "No SKU"}), 422)
    assert missing["errors"][0]["field"] == "body.sku"
    assert "Price" in problem_of(api.post("/products", json={"sku": "P", "name": "n", "price": "cheap"}), 422)["detail"]
    problem_of(api.post("/products", json={"sku": "N\x00UL", "name": "n"}), 422)
    problem_of(api.post("/products", json={"sku": "S", "name": "n", "colour": "red"}), 422)
    problem_of(api.post("/products", content=b"{not json", headers={"content-type": "application/json"}), 422)
    problem_of(api.get("/products", params={"name": "a\x00b"}), 422)
    problem_of(api.get("/products", params={"price_min": "ten"}), 422)
    problem_of(api.get("/products", params={"cursor": "bm90LWEtY3Vyc29y"}), 422)
    problem_of(api.get(f"/products/{2**63}"), 422)
    problem_of(api.get("/nowhere"), 404)


def test_pages_follow_next_and_prev_links_in_any_sort(api, db_url):
    for i in range(7):
        catalog.create_product(db_url, f"SKU-{i}", f"Product {6 - i}", price=str(10 + i % 3))
    for sort in ("id", "-price", "name", "-updated_at", "sku"):
        seen, page = [], api.get("/products", params={"sort": sort, "limit": 3}).json()
        pages = [page]
        while page["links"].get("next"):
            page = api.get(page["links"]["next"]).json()
            pages.append(page)
        seen = [p["sku"] for page in pages for p in page["items"]]
        assert len(seen) == 7 and len(set(seen)) == 7, sort
        assert [len(page["items"]) for page in pages] == [3, 3, 1]
        back = api.get(pages[-1]["links"]["prev"]).json()
        assert back["items"] == pages[1]["items"], sort
    cheap = api.get("/products", params={"price_max": "10", "count": "true"}).json()
    assert {p["sku"] for p in cheap["items"]} == {"SKU-0", "SKU-3", "SKU-6"}
    assert cheap["count"] == {"value": 3, "kind": "exact"}
    other_sort = api.get("/products", params={"limit": 3}).json()["links"]["next"]
    problem_of(api.get(other_sort.replace("sort=id", "") + "&sort=name"), 422)


def test_delete_all_needs_its_confirmation(api, db_url):
    catalog.create_product(db_url, "A", "a")
    problem_of(api.delete("/products"), 422)
    assert api.get("/products").json()["items"]
    assert api.delete("/products", params={"confirm": "delete-all"}).json() == {"deleted": 1}
    assert api.get("/products").json()["items"] == []


def test_tokens_guard_the_api_once_one_exists(api, db_url):
    from pipelines.api import access

    assert api.get("/products").status_code == 200  # no token yet: this machine may
    row, token = tokens.create_token(db_url, "erp")
    assert token.startswith("pi_") and token not in json.dumps(tokens.list_tokens(db_url), default=str)
    access._configured.clear()
    missing = problem_of(api.get("/products"), 401)
    assert "Bearer" in missing["detail"] and api.get("/products").headers["www-authenticate"] == "Bearer"
    problem_of(api.get("/products", headers={"Authorization": "Bearer pi_wrong"}), 401)
    assert api.get("/products", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api.get("/healthz").status_code == 200  # health needs no token
    with pytest.raises(tokens.TokenError):
        tokens.create_token(db_url, "erp")
    assert tokens.revoke_token(db_url, "erp")
    revoked = problem_of(api.get("/products", headers={"Authorization": f"Bearer {token}"}), 401)
    assert "revoked" in revoked["detail"]
    assert tokens.list_tokens(db_url)[0]["last_used_at"] is not None


def _outward_address() -> str | None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_without_tokens_only_this_machine_is_answered(db_url, folders):
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    with serving(db_url, folders.folders(), host=address) as base:
        refused = problem_of(httpx.get(f"{base}/products"), 403)
        assert "token create" in refused["detail"]
        row, token = tokens.create_token(db_url, "remote")
        time.sleep(2.1)  # access.CONFIGURED_TTL_SECONDS
        assert httpx.get(f"{base}/products", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        problem_of(httpx.get(f"{base}/products"), 401)


def test_check_api_bind_refuses_a_public_address_without_tokens(db_url):
    from pipelines.access.password import AccessError

    tokens.check_api_bind(db_url, "127.0.0.1")
    with pytest.raises(AccessError, match="token create"):
        tokens.check_api_bind(db_url, "0.0.0.0")
    tokens.create_token(db_url, "ci")
    tokens.check_api_bind(db_url, "0.0.0.0")


CSV = "sku,name,description,price\nA-1,Alpha,First,10.00\nB-2,Beta,,\nbad\nA-1,Alpha again,Last wins,11\n"


def landed(folders) -> list:
    return [p for p in (folders.folders().landing).iterdir() if not p.name.startswith(".")]


def test_an_upload_over_http_imports_and_its_progress_streams_to_the_end(api, folders, run_job, products):
    queued = api.post("/imports", files={"file": ("shop.csv", CSV.encode(), "text/csv")})
    assert queued.status_code == 202, queued.text
    state = queued.json()
    assert (state["status"], state["source"], state["finished"]) == ("queued", "upload", False)
    assert queued.headers["location"] == f"/imports/{state['id']}"
    [path] = landed(folders)

    events = []

    def listen():
        with api.stream("GET", state["links"]["events"]) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            event = {}
            for line in stream.iter_lines():
                if line.startswith(("id:", "event:", "data:")):
                    key, _, value = line.partition(":")
                    event[key] = value.strip()
                elif not line and event:
                    events.append(event)
                    event = {}

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.3)
    row = run_job(path, "upload")
    listener.join(30)
    assert not listener.is_alive(), "the event stream did not end with the import"
    assert row["id"] == state["id"] and row["status"] == "succeeded"
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(set(ids)), "event ids only grow"
    percents = [json.loads(e["data"])["percent"] for e in events]
    assert percents == sorted(percents) and len(events) >= 2
    assert [e["event"] for e in events][-1] == "end" and all(e["event"] == "progress" for e in events[:-1])
    final = json.loads(events[-1]["data"])
    assert (final["status"], final["created"], final["rows_rejected"], final["duplicates_in_file"]) == (
        "succeeded",
        2,
        1,
        1,
    )
    assert products()["a-1"]["name"] == "Alpha again"

    # Reconnecting after the end: the final state once more, with a later id.
    again = api.get(state["links"]["events"], headers={"Last-Event-ID": str(ids[-1])})
    assert "event: end" in again.text and int(again.text.split("id: ")[1].split()[0]) > ids[-1]

    rejected = api.get(final["links"]["rejects"])
    assert rejected.status_code == 200 and "bad" in rejected.text
    listed = api.get("/imports").json()["items"]
    assert listed[0]["id"] == state["id"] and listed[0]["finished"]
    problem_of(api.post(f"/imports/{state['id']}/retry"), 409)
    problem_of(api.post(f"/imports/{state['id']}/cancel"), 409)
    problem_of(api.get("/imports/999999"), 404)
    problem_of(api.get("/imports/999999/events"), 404)


def test_raw_and_gzip_bodies_and_check_only(api, folders, db_url):
    import gzip

    checked = api.post("/imports", params={"check_only": "true"}, content=CSV, headers={"content-type": "text/csv"})
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert (result["created"], result["rejected"], result["duplicates_in_file"]) == (2, 1, 1)
    assert result["first_problems"][0]["line"] == 4
    assert [(c["change"], c["sku"], c["sku_before"]) for c in result["created_sample"]] == [
        ("created", "B-2", None),
        ("created", "A-1", None),  # line 5: the last A-1 wins
    ]
    assert result["updated_sample"] == []
    assert landed(folders) == [] and catalog.get_product(db_url, 1) is None
    assert list(Folders.from_env().previews.glob("check-*")) == []  # the API keeps no check files

    zipped = api.post(
        "/imports",
        params={"name": "feed.csv"},
        content=gzip.compress(CSV.encode()),
        headers={"content-type": "application/gzip"},
    )
    assert zipped.status_code == 202, zipped.text
    assert [p.name for p in landed(folders)] == [f"{zipped.json()['id']}-feed.csv.gz"]


def test_uploads_that_cannot_be_imported_are_refused_at_once(api, folders, monkeypatch):
    unknown = problem_of(api.post("/imports", files={"file": ("x.csv", b"Item,Title\n1,a\n")}), 422)
    assert "map=" in unknown["detail"] or "SKU" in unknown["detail"]
    mapped = api.post(
        "/imports", params=[("map", "sku=Item"), ("map", "name=Title")], files={"file": ("x.csv", b"Item,Title\n1,a\n")}
    )
    assert mapped.status_code == 202, mapped.text
    problem_of(api.post("/imports", files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)}), 422)
    problem_of(api.post("/imports", params={"map": "colour=Red"}, files={"file": ("x.csv", b"sku,name\n")}), 422)
    problem_of(api.post("/imports", params={"profile": "missing"}, files={"file": ("x.csv", b"sku,name\n")}), 422)
    problem_of(api.post("/imports", files={"other": ("x.csv", b"sku,name\n")}), 422)
    problem_of(api.post("/imports", content=b"{}", headers={"content-type": "application/json"}), 415)
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "100")
    big = "sku,name\n" + "".join(f"S{i},N{i}\n" for i in range(100))
    assert (
        "100 bytes"
        in problem_of(api.post("/imports", content=big, headers={"content-type": "text/csv"}), 413)["detail"]
    )
    problem_of(api.post("/imports", files={"file": ("big.csv", big.encode())}), 413)
    assert len(landed(folders)) == 1  # only the mapped upload
    assert list((folders.folders().work / "uploads").iterdir()) == []


def test_a_refused_file_is_not_retried(api, run_job, landing_file):
    row = run_job(landing_file("latin1.csv", "sku,name\nA,Caf\xe9\n".encode("latin-1")))
    state = api.get(f"/imports/{row['id']}").json()
    assert state["status"] == "failed" and state["refused"] is True
    problem = problem_of(api.post(f"/imports/{row['id']}/retry"), 409)
    assert "would be refused again" in problem["detail"]


def test_cancelling_a_queued_upload_keeps_its_file_and_announces_no_completion(api, folders, db_url):
    state = api.post("/imports", files={"file": ("later.csv", CSV.encode())}).json()
    cancelled = api.post(f"/imports/{state['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["finished"]) == ("cancelled", True)
    assert landed(folders) == []
    assert [p.name for p in folders.folders().failed.iterdir()] == [f"{state['id']}-later.csv"]
    with connection.connect(db_url) as conn:
        types = [r["type"] for r in conn.execute("SELECT type FROM events WHERE import_id = %s", (state["id"],))]
    assert types == ["upload.cancelled"]
    problem_of(api.post(f"/imports/{state['id']}/cancel"), 409)
    retried = api.post(f"/imports/{state['id']}/retry")
    assert retried.status_code == 202 and retried.json()["id"] != state["id"]


def test_a_running_import_stops_when_cancelled_and_changes_nothing(api, folders, run_job, products, tmp_path):
    from pipelines.importing.sample import write_sample

    path = write_sample(folders.folders().landing / "big.csv", 150_000, seed=3)
    state = api.post("/imports", files={"file": ("big.csv", path.read_bytes())}).json()
    path.unlink()
    [landed_path] = landed(folders)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(row=run_job(landed_path, "upload")))
    runner.start()
    deadline = time.monotonic() + 60
    while api.get(f"/imports/{state['id']}").json()["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    cancelled = api.post(f"/imports/{state['id']}/cancel").json()
    runner.join(120)
    assert cancelled["status"] == "cancelled" and cancelled["cancel_requested"]
    assert outcome["row"]["status"] == "cancelled" and not outcome["row"]["run_success"]
    assert products() == {}
    assert [p.name for p in folders.folders().failed.iterdir()] == [landed_path.name]


def test_export_streams_the_filtered_products_and_imports_back_unchanged(api, db_url, folders, run_job):
    catalog.create_product(db_url, "Ünï-1", "Name, with comma", 'He said "hi"\nsecond line', price="1234,5")
    catalog.create_product(db_url, "plain", "Plain", "", price="")
    catalog.create_product(db_url, "other", "Other", "x", price="0.10")
    whole = api.get("/products/export")
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/csv")
    assert "attachment" in whole.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(whole.text)))
    assert [(r["sku"], r["price"]) for r in rows] == [("Ünï-1", "1234.5"), ("plain", ""), ("other", "0.10")]
    assert rows[0]["description"] == 'He said "hi"\nsecond line'
    filtered = list(csv.DictReader(io.StringIO(api.get("/products/export", params={"price_min": "1"}).text)))
    assert [r["sku"] for r in filtered] == ["Ünï-1"]

    before = {p["sku"]: p for p in api.get("/products").json()["items"]}
    path = folders.folders().landing / "export.csv"
    path.write_bytes(whole.content)
    row = run_job(path)
    assert (row["status"], row["created"], row["updated"], row["unchanged"], row["rows_rejected"]) == (
        "succeeded",
        0,
        0,
        3,
        0,
    )
    assert {p["sku"]: p for p in api.get("/products").json()["items"]} == before


def test_webhooks_over_http_create_test_log_redeliver_delete(api, db_url, monkeypatch):
    import asyncio

    from pytest_httpserver import HTTPServer

    from pipelines.settings import WebhookSettings
    from pipelines.webhooks.worker import Worker

    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")  # the receiver is on this machine
    receiver = HTTPServer(host="127.0.0.1", threaded=True)
    receiver.expect_request("/hook").respond_with_data("ok")
    receiver.start()
    try:
        problem_of(api.post("/webhooks/endpoints", json={"url": "ftp://x", "event_types": ["product.created"]}), 422)
        problem_of(
            api.post("/webhooks/endpoints", json={"url": receiver.url_for("/hook"), "event_types": ["nope"]}), 422
        )
        created = api.post(
            "/webhooks/endpoints", json={"url": receiver.url_for("/hook"), "event_types": ["product.created"]}
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["warning"] is None

        tested = api.post(f"/webhooks/endpoints/{endpoint['id']}/test").json()
        assert tested["succeeded"] and tested["http_status"] == 200 and tested["response_ms"] >= 0

        worker = Worker(db_url, WebhookSettings(allow_private=True, poll_seconds=0.05))
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_until_complete, args=(worker.run(),), daemon=True)
        thread.start()
        try:
            api.post("/products", json={"sku": "HOOK-1", "name": "Hooked"}).raise_for_status()
            deadline = time.monotonic() + 20
            while len(api.get("/webhooks/deliveries").json()) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            log = api.get("/webhooks/deliveries", params={"endpoint_id": endpoint["id"]}).json()
            delivered = next(a for a in log if a["event_type"] == "product.created")
            assert delivered["succeeded"] and delivered["http_status"] == 200
            queued = api.post(
                f"/webhooks/endpoints/{endpoint['id']}/redeliver", json={"event_id": delivered["event_id"]}
            )
            assert queued.status_code == 202, queued.text
            while len(receiver.log) < 3 and time.monotonic() < deadline + 20:
                time.sleep(0.05)
        finally:
            loop.call_soon_threadsafe(worker.stopping.set)
            thread.join(30)
            loop.close()
        ids = [request.headers["webhook-id"] for request, _ in receiver.log]
        assert len(ids) == 3 and ids[1] == ids[2]  # test, delivery, redelivery with the same webhook-id
        problem_of(api.post(f"/webhooks/endpoints/{endpoint['id']}/redeliver", json={"event_id": 10**9}), 404)

        changed = api.put(
            f"/webhooks/endpoints/{endpoint['id']}",
            json={"url": receiver.url_for("/hook"), "event_types": ["upload.completed"], "enabled": False},
        ).json()
        assert (changed["event_types"], changed["enabled"]) == (["upload.completed"], False)
        assert [e["id"] for e in api.get("/webhooks/endpoints").json()] == [endpoint["id"]]
        assert api.delete(f"/webhooks/endpoints/{endpoint['id']}").status_code == 204
        problem_of(api.get(f"/webhooks/endpoints/{endpoint['id']}"), 404)
        problem_of(api.delete(f"/webhooks/endpoints/{endpoint['id']}"), 404)
        problem_of(api.post(f"/webhooks/endpoints/{endpoint['id']}/test"), 404)
    finally:
        receiver.stop()


def test_export_of_a_sample_catalog_imports_back_unchanged(api, folders, run_job):
    from pipelines.importing.sample import write_sample

    source = write_sample(folders.folders().landing / "catalog.csv", 3_000, seed=8)
    first = run_job(source)
    exported = folders.folders().landing / "exported.csv"
    with api.stream("GET", "/products/export") as response, exported.open("wb") as handle:
        for chunk in response.iter_bytes():
            handle.write(chunk)
    again = run_job(exported)
    assert first["created"] > 2_000
    assert (again["created"], again["updated"], again["rows_rejected"]) == (0, 0, 0)
    assert again["unchanged"] == first["created"]


@pytest.mark.slow
def test_export_streams_in_bounded_memory(api, db_url):
    import psutil

    with connection.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO products (sku, sku_key, name, description, price)"
            " SELECT 'SKU-' || i, 'sku-' || i, 'Product ' || i, repeat('words ', 40), i / 100.0"
            " FROM generate_series(1, 300000) AS i"
        )
        conn.commit()
    me = psutil.Process()
    before, peak, lines = me.memory_info().rss, 0, 0
    with api.stream("GET", "/products/export") as response:
        for chunk in response.iter_raw():
            lines += chunk.count(b"\n")
            peak = max(peak, me.memory_info().rss)
    assert lines == 300_001
    # 300,000 products are about 80 MB of CSV; server and client together stay far below that.
    assert peak - before < 60 << 20, f"memory grew by {(peak - before) >> 20} MB"


def test_changes_undo_and_restore_over_http(api, db_url, folders, run_job):
    base = folders.folders().landing / "base.csv"
    base.write_text("sku,name\nA,Alpha\nB,Beta\n")
    run_job(base)
    second = folders.folders().landing / "second.csv"
    second.write_text("sku,name\nA,Alpha v2\nC,Gamma\n")
    row = run_job(second)
    page = api.get(f"/imports/{row['id']}/changes", params={"limit": 1}).json()
    assert page["items"][0]["change"] == "updated" and page["items"][0]["before"]["name"] == "Alpha"
    rest = api.get(page["links"]["next"]).json()
    assert [c["change"] for c in rest["items"]] == ["created"] and rest["links"]["next"] is None
    assert (
        api.get(f"/imports/{row['id']}/changes", params={"kind": "created"}).json()["items"][0]["after"]["sku"] == "C"
    )
    exported = api.get(f"/imports/{row['id']}/changes/export").text.splitlines()
    assert len(exported) == 3 and exported[0].startswith("product_id,change")

    undone = api.post(f"/imports/{row['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert {k: undone.json()[k] for k in ("restored", "deleted", "kept")} == {"restored": 1, "deleted": 1, "kept": 0}
    assert "already undone" in problem_of(api.post(f"/imports/{row['id']}/undo"), 409)["detail"]
    problem_of(api.post("/imports/999999/undo"), 404)
    assert sorted(p["name"] for p in api.get("/products").json()["items"]) == ["Alpha", "Beta"]

    assert api.delete("/products", params={"confirm": "delete-all"}).json() == {"deleted": 2}
    [deletion] = api.get("/products/deletions").json()
    restored = api.post(f"/products/deletions/{deletion['id']}/restore").json()
    assert (restored["restored"], restored["kept"]) == (2, 0)
    problem_of(api.post(f"/products/deletions/{deletion['id']}/restore"), 409)
    problem_of(api.post("/products/deletions/999999/restore"), 404)
    assert sorted(p["name"] for p in api.get("/products").json()["items"]) == ["Alpha", "Beta"]

"""The admin app's pages with Streamlit's AppTest, against a real PostgreSQL."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.import_runs import create_import, get_import
from pipelines.importing.outcome import fail_import
from pipelines.settings import Folders

PAGES = Path(__file__).resolve().parents[1] / "app" / "app_pages"


@pytest.fixture
def app_env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return db_url


def page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=30)


def shown(markdown: str) -> str:
    """What a user reads: the Markdown source without the escapes of app.common.as_text."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def table_rows(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def seed(url: str, n: int) -> None:
    for i in range(n):
        catalog.create_product(url, f"SKU-{i:03d}", f"Product {i}", "blue" if i % 2 else "red", active=i % 5 != 0)


def test_products_filters_combine_and_pages_move(app_env):
    seed(app_env, 120)
    at = page("products").run()
    assert not at.exception
    assert len(table_rows(at)) == 50 and "120 matching products" in at.caption[0].value
    at.text_input(key="f_description").input("blue").run()
    at.selectbox(key="f_active").select("inactive").run()
    rows = table_rows(at)
    # odd i (blue) and i % 5 == 0 (inactive): 5, 15, 25, ...
    assert [r["sku"] for r in rows] == [f"SKU-{i:03d}" for i in range(5, 120, 10)]
    at.selectbox(key="f_active").select("all").run()
    at.text_input(key="f_description").input("").run()
    at.text_input(key="f_sku").input("sku-1").run()  # case-insensitive substring
    assert len(table_rows(at)) == 20 and all(r["sku"].startswith("SKU-1") for r in table_rows(at))
    at.text_input(key="f_sku").input("").run()
    at.selectbox(key="page_size").select(25).run()
    at.button(key="next").click().run()
    assert [r["sku"] for r in table_rows(at)][0] == "SKU-025"
    at.button(key="last").click().run()
    assert [r["sku"] for r in table_rows(at)][-1] == "SKU-119" and len(table_rows(at)) == 25
    at.button(key="prev").click().run()
    assert [r["sku"] for r in table_rows(at)][0] == "SKU-070"
    at.button(key="first").click().run()
    assert table_rows(at)[0]["sku"] == "SKU-000"


def test_create_then_edit_with_a_case_only_clash_is_a_friendly_error(app_env):
    at = page("products").run()
    at.button(key="new").click().run()
    at.text_input(key="form_new_sku").input("ÜBER-01")
    at.text_input(key="form_new_name").input("Upper")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception and "dialog" not in at.session_state
    other = catalog.create_product(app_env, "B-2", "Bee")
    # Edit B-2 to the first product's SKU in another case: refused, nothing changes.
    at.session_state["dialog"] = ("edit", other["id"])
    at.run()
    at.text_input(key=f"form_{other['id']}_sku").set_value("über-01")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    assert any("already used by product" in e.value for e in at.error)
    assert catalog.get_product(app_env, other["id"])["sku"] == "B-2"
    # A real edit goes through and records product.updated with previous values.
    at.text_input(key=f"form_{other['id']}_sku").set_value("b-2")
    at.text_input(key=f"form_{other['id']}_name").set_value("Bee v2")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert catalog.get_product(app_env, other["id"])["name"] == "Bee v2"
    with connection.connect(app_env) as conn:
        types = [r["type"] for r in conn.execute("SELECT type FROM events ORDER BY id")]
    assert types == ["product.created", "product.created", "product.updated"]
    # "New product" after that edit opens empty, not with the edited product's values.
    at.button(key="new").click().run()
    assert (at.text_input(key="form_new_sku").value, at.text_input(key="form_new_name").value) == ("", "")
    assert at.checkbox(key="form_new_active").value is True


def test_delete_one_with_confirmation(app_env):
    seed(app_env, 3)
    target = catalog.page_after(app_env, catalog.ProductFilter(sku="SKU-001"))[0]
    at = page("products").run()
    at.session_state["dialog"] = ("delete", (target["id"],))
    at.run()
    assert any("Delete **SKU-001**" in shown(m.value) for m in at.markdown)
    at.button(key="confirm_delete").click().run()
    assert catalog.get_product(app_env, target["id"]) is None
    assert [shown(t.value) for t in at.toast] == ["Deleted SKU-001"]


def test_delete_all_asks_first_then_deletes_everything(app_env):
    seed(app_env, 30)
    at = page("products").run()
    at.button(key="delete_all").click().run()
    assert "kept for 7 days" in at.warning[0].value
    at.button(key="cancel_delete_all").click().run()
    assert catalog.count_products(app_env, catalog.ProductFilter()).value == 30
    at.button(key="delete_all").click().run()
    at.button(key="confirm_delete_all").click().run()
    assert catalog.count_products(app_env, catalog.ProductFilter()).value == 0
    assert [t.value for t in at.toast] == ["Deleted all 30 products"]
    with connection.connect(app_env) as conn:
        event = conn.execute("SELECT type, payload FROM events ORDER BY id DESC LIMIT 1").fetchone()
    assert event["type"] == "products.deleted_all" and event["payload"]["deleted"] == 30
    # Restore puts the catalog back.
    at.run()
    at.button(key=f"restore-{event['payload']['deletion_id']}").click().run()
    assert not at.exception
    assert catalog.count_products(app_env, catalog.ProductFilter()).value == 30
    assert at.toast[0].value == "Restored 30 products"


def test_import_page_waits_for_a_file(app_env):
    at = page("import_file").run()
    assert not at.exception and at.button(key="start").disabled and at.button(key="start").label == "Import"
    at.toggle(key="check_only").set_value(True).run()
    assert at.button(key="start").label == "Check file"


def test_import_page_shows_a_running_import(app_env):
    import_id = create_import(app_env, "big.csv", "/nowhere/big.csv", "upload")
    with connection.connect(app_env) as conn:
        conn.execute(
            "UPDATE imports SET status = 'running', stage = 'loading', percent = 52, rows_processed = 120000,"
            " started_at = now(), stage_started_at = now() - interval '60 seconds' WHERE id = %s",
            (import_id,),
        )
        conn.commit()
    at = page("import_file")
    at.session_state["import_id"] = import_id
    at.run()
    [bar] = at.get("progress")
    assert bar.value == 52 and "Loading 52%, 120,000 rows" in bar.proto.text
    # Loading spans 40..60%: 60% of it done in 60 s, so about 40 s to go.
    assert re.search(r"about 4\d s left in this stage", bar.proto.text), bar.proto.text


def test_import_page_shows_success_with_rejects(app_env, run_job, landing_file):
    row = run_job(landing_file("mixed.csv", "sku,name\nA-1,Alpha\n,Nameless\nB-2,Beta\n"))
    at = page("import_file")
    at.session_state["import_id"] = row["id"]
    at.run()
    assert at.success[0].value.startswith("Done in")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Created"] == "2" and metrics["Rejected"] == "1"
    assert "Download rejected rows (CSV)" in [b.proto.label for b in at.get("download_button")]


def test_import_page_failure_offers_retry(app_env, tmp_path):
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    path = landing / "bad.csv"
    path.write_text("name\nx\n")
    import_id = create_import(app_env, "bad.csv", str(path), "upload")
    fail_import(
        app_env, import_id, "The header row has no SKU column.", str(path), "upload", Folders.from_env().create()
    )
    at = page("import_file")
    at.session_state["import_id"] = import_id
    at.run()
    assert shown(at.error[0].value) == "Failed: The header row has no SKU column."
    at.button(key=f"retry-{import_id}").click().run()
    retried = at.session_state["import_id"]
    assert retried != import_id
    row = get_import(app_env, retried)
    assert row["status"] == "queued" and row["source"] == "upload" and Path(row["file_path"]).read_text() == "name\nx\n"


def test_a_file_refused_for_its_content_offers_no_retry_and_a_header_only_file_warns(app_env, run_job, landing_file):
    refused = run_job(landing_file("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(300)))
    at = page("import_file")
    at.session_state["import_id"] = refused["id"]
    at.run()
    assert "it starts like a PNG image" in shown(at.error[0].value)
    assert f"retry-{refused['id']}" not in [b.key for b in at.button]
    assert "fix the file, then upload it again" in at.caption[-1].value
    empty = run_job(landing_file("header.csv", "sku,name,description\n"))
    at.session_state["import_id"] = empty["id"]
    at.run()
    assert at.warning[0].value == "The file has a header but no data rows: nothing was imported."


def test_imports_history_lists_newest_first(app_env, run_job, landing_file):
    run_job(landing_file("one.csv", "sku,name\nA,B\n"))
    run_job(landing_file("two.csv", "name\nno sku\n"))
    at = page("imports").run()
    assert not at.exception
    rows = table_rows(at)
    assert [(r["file"], r["status"]) for r in rows] == [("two.csv", "failed"), ("one.csv", "succeeded")]
    assert any("no SKU column" in e.value for e in at.error)  # details of the selected (newest) import
    details = {d["detail"]: d["value"] for d in at.dataframe[1].value.to_dict("records")}  # below the history
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", details["started at"])  # not cut to the date
    assert details["file"] == "two.csv" and "None" not in details.values() and "read as" not in details
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["started at"])


def test_webhooks_page_adds_an_endpoint_and_tests_it(app_env, monkeypatch):
    from pytest_httpserver import HTTPServer

    from pipelines.webhooks import endpoints

    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    receiver = HTTPServer(host="127.0.0.1")
    receiver.start()
    try:
        receiver.expect_request("/hook").respond_with_data("ok", status=202)
        at = page("webhooks").run()
        assert not at.exception
        at.text_input(key="add_url").input("ftp://nope")
        at.button[[b.label for b in at.button].index("Add endpoint")].click().run()
        assert any("must start with http" in e.value for e in at.error)
        at.text_input(key="add_url").input(receiver.url_for("/hook"))
        at.multiselect(key="add_types").set_value(["product.created", "upload.completed"])
        at.button[[b.label for b in at.button].index("Add endpoint")].click().run()
        [endpoint] = endpoints.list_endpoints(app_env)
        assert endpoint["event_types"] == ["product.created", "upload.completed"]
        at.button(key="test_endpoint").click().run()
        [shown] = at.success
        assert shown.value.startswith("HTTP 202 in ") and shown.value.endswith(" ms")
        assert len(receiver.log) == 1
        assert [r["event_type"] for r in endpoints.delivery_log(app_env)] == ["webhook.test"]
    finally:
        receiver.stop()


def test_webhooks_page_shows_why_a_test_failed(app_env, monkeypatch):
    from pipelines.webhooks import endpoints

    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE", raising=False)
    endpoints.create_endpoint(app_env, "http://169.254.169.254/latest", ["product.created"])
    at = page("webhooks").run()
    at.button(key="test_endpoint").click().run()
    assert "blocked address" in at.error[0].value


def test_counts_are_exact_when_small_and_capped_when_large(app_env):
    seed(app_env, 12)
    assert catalog.count_products(app_env, catalog.ProductFilter()).label() == "12"
    assert catalog.count_products(app_env, catalog.ProductFilter(sku="sku-00")).label() == "10"
    assert catalog.Count(10_000, "at_least").label() == "10,000+"
    assert catalog.Count(999_968, "estimate").label() == "≈ 999,968"


def test_filter_text_is_matched_literally(app_env):
    catalog.create_product(app_env, "A_1", "100% cotton")
    catalog.create_product(app_env, "AB1", "1000 cotton")
    assert [r["sku"] for r in catalog.page_after(app_env, catalog.ProductFilter(sku="a_"))] == ["A_1"]
    assert [r["sku"] for r in catalog.page_after(app_env, catalog.ProductFilter(name="0%"))] == ["A_1"]


HOSTILE = "[click me](http://evil.example) **bold** :red[red] <b>html</b> _it_ `code` # heading :material/home:"


def _rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt().render(markdown)


def test_text_from_files_and_products_is_shown_as_text_not_markdown():
    from app.common import as_text

    html = _rendered(as_text(HOSTILE))
    assert "<a" not in html and "<strong>" not in html and "<em>" not in html and "<code>" not in html
    assert "<h1>" not in html and "<b>" not in html and "\\:" not in html  # shown as the characters they are
    assert "[click me](http://evil.example)" in html and ":red[red]" in html


def test_a_hostile_file_name_and_header_stay_text_on_the_import_page(app_env, run_job, landing_file):
    row = run_job(landing_file("[evil](http:x).csv", f"{HOSTILE},name\nA,B\n"))
    assert row["status"] == "failed" and "click me" in row["error"]
    at = page("import_file")
    at.session_state["import_id"] = row["id"]
    at.run()
    shown = [at.subheader[0].value, at.error[0].value]
    for markdown in shown:
        html = _rendered(markdown)
        assert "<a" not in html and "<strong>" not in html and "<em>" not in html, markdown
    assert "[click me](http://evil.example)" in _rendered(at.error[0].value)


def test_mapping_step_chooses_columns_saves_a_profile_and_queues_the_import(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("PROFILES_DIR", str(tmp_path / "profiles"))
    path = tmp_path / "erp.csv"
    path.write_text('Artikel;Bezeichnung;Netto;Farbe\n4711;Kölnisch Wasser;"12,90";blau\n4712;Seife;"2,50";\n')
    at = page("import_file")
    at.session_state["mapping_step"] = {"name": "erp.csv", "path": str(path), "purpose": "import"}
    at.run()
    assert not at.exception
    columns = {r["column"]: r["first values"] for r in table_rows(at)}
    assert columns == {
        "Artikel": "4711 · 4712",
        "Bezeichnung": "Kölnisch Wasser · Seife",
        "Netto": "12,90 · 2,50",
        "Farbe": "blau",
    }
    at.button(key="mapping_go").click().run()
    assert "Choose a column for the SKU and the name." in at.error[0].value
    at.selectbox(key="map_sku").set_value("Artikel")
    at.selectbox(key="map_name").set_value("Bezeichnung")
    at.selectbox(key="map_price").set_value("Netto")
    at.text_input(key="mapping_profile").set_value("erp-de")
    at.button(key="mapping_go").click().run()
    assert not at.exception
    row = get_import(app_env, at.session_state["import_id"])
    assert row["status"] == "queued" and row["source"] == "upload"
    assert row["mapping"]["columns"] == {"sku": "Artikel", "name": "Bezeichnung", "price": "Netto"}
    assert Path(row["file_path"]).read_text().startswith("Artikel;")
    from pipelines.importing.profiles import load_profile

    assert load_profile("erp-de").columns == row["mapping"]["columns"]
    assert not path.exists()  # the scratch copy went into the landing folder


def test_mapping_step_can_check_first(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("PROFILES_DIR", str(tmp_path / "profiles"))
    catalog.create_product(app_env, "4711", "Old name", price="1")
    path = tmp_path / "erp.csv"
    path.write_text("Artikel,Bezeichnung,Netto\n4711,Kölnisch Wasser,12.90\n4713,Neu,\n")
    at = page("import_file")
    at.session_state["mapping_step"] = {"name": "erp.csv", "path": str(path), "purpose": "check"}
    at.run()
    at.selectbox(key="map_sku").set_value("Artikel")
    at.selectbox(key="map_name").set_value("Bezeichnung")
    at.selectbox(key="map_price").set_value("Netto")
    at.button(key="mapping_go").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Created"], metrics["Updated"]) == ("1", "1")
    assert any(t.value == "Read as: the columns chosen for this import" for t in at.text)
    created, updated = (d.value.to_dict("records") for d in at.dataframe)
    assert created == [{"line": 3, "sku": "4713", "name": "Neu", "description": "", "price": ""}]
    assert updated == [
        {"line": 2, "sku": "", "name": "Old name → Kölnisch Wasser", "description": "", "price": "1 → 12.90"}
    ]
    assert "Download all changes (CSV)" in [b.proto.label for b in at.get("download_button")]


def test_products_page_shows_edits_filters_and_sorts_by_price(app_env):
    for sku, price in [("A", "5"), ("B", "19.90"), ("C", "")]:
        catalog.create_product(app_env, sku, f"Product {sku}", price=price)
    at = page("products").run()
    prices = [(r["sku"], r["price"] or None) for r in table_rows(at)]
    assert prices == [("A", "5"), ("B", "19.90"), ("C", None)]  # the digits as stored; no price is empty
    at.selectbox(key="sort_by").set_value("price")
    at.toggle(key="sort_descending").set_value(True).run()
    assert [r["sku"] for r in table_rows(at)] == ["C", "B", "A"]
    at.text_input(key="f_price_min").set_value("6").run()
    assert [r["sku"] for r in table_rows(at)] == ["B"]
    at.text_input(key="f_price_max").set_value("lots").run()
    assert "Maximum price 'lots' is not a price." in shown(at.error[0].value)


def test_webhooks_page_warns_about_a_loopback_endpoint_and_shows_a_disabled_one(app_env, monkeypatch):
    from pipelines.db import connection as db
    from pipelines.webhooks import endpoints

    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE", raising=False)
    at = page("webhooks").run()
    at.text_input(key="add_url").input("http://localhost:9000/hook")
    at.button[[b.label for b in at.button].index("Add endpoint")].click().run()
    assert any("WEBHOOK_ALLOW_PRIVATE=1" in shown(w.value) for w in at.warning)
    [endpoint] = endpoints.list_endpoints(app_env)
    with db.connect(app_env) as conn:
        conn.execute(
            "UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'Disabled after failing continuously.'"
        )
        conn.commit()
    catalog.create_product(app_env, "A-1", "Alpha")  # kept for the disabled endpoint once fanned out
    at = page("webhooks").run()
    assert any(f"Endpoint #{endpoint['id']}" in shown(e.value) and "is disabled" in shown(e.value) for e in at.error)


def test_import_page_cancels_a_queued_upload_and_offers_retry(app_env, tmp_path):
    from pipelines.importing.uploads import submit_upload

    with (tmp_path / "up.csv").open("wb+") as content:
        content.write(b"sku,name\nA,a\n")
        content.seek(0)
        import_id = submit_upload(app_env, Folders.from_env().create(), "up.csv", content)
    at = page("import_file")
    at.session_state["import_id"] = import_id
    at.run()
    at.button(key=f"cancel-{import_id}").click().run()
    assert not at.exception
    assert get_import(app_env, import_id)["status"] == "cancelled"
    assert "cancelled" in at.toast[0].value
    assert "nothing was imported" in shown(at.warning[0].value)
    assert f"retry-{import_id}" in [b.key for b in at.button]


def test_products_page_exports_the_current_filter(app_env):
    seed(app_env, 4)
    at = page("products")
    at.run()
    at.text_input(key="f_description").input("blue").run()
    assert not at.exception
    [export] = [b for b in at.get("download_button") if "Export" in b.proto.label]
    assert export.proto.label == "Export (CSV)"
    from pipelines.catalog.export import export_csv

    exported = b"".join(export_csv(app_env, catalog.ProductFilter(description="blue"))).decode()
    assert exported.splitlines() == ["sku,name,description,price", "SKU-001,Product 1,blue,", "SKU-003,Product 3,blue,"]


def test_api_page_creates_a_token_shown_once_and_revokes_it(app_env):
    from pipelines.access.tokens import find_token, list_tokens

    at = page("api_access")
    at.run()
    assert "this machine only" in at.info[0].value
    at.text_input(key="token_name").input("erp")
    at.button[0].click().run()
    [code] = at.code
    token = code.value
    assert token.startswith("pi_") and find_token(app_env, token)["name"] == "erp"
    at.run()
    assert not at.code  # shown once
    at.button(key="revoke").click().run()
    assert list_tokens(app_env)[0]["revoked_at"] is not None


def test_imports_page_shows_what_an_import_changed_and_undoes_it(app_env, run_job, landing_file):
    run_job(landing_file("base.csv", "sku,name,price\nA,Alpha,1\nB,Beta,2\n"))
    second = run_job(landing_file("second.csv", "sku,name,price\nA,Alpha,1\nB,Beta v2,2.5\nC,Gamma,3\n"))
    at = page("imports").run()
    assert not at.exception
    assert at.subheader[0].value == f"What import {second['id']} changed"
    changes = at.dataframe[-1].value.to_dict("records")  # below the history
    assert [(c["change"], c["name"], c["price"]) for c in changes] == [
        ("updated", "Beta → Beta v2", "2 → 2.5"),
        ("created", "Gamma", "3"),
    ]
    at.button(key="undo_open").click().run()
    assert any("cannot itself be undone" in m.value for m in at.markdown)
    at.button(key="confirm_undo").click().run()
    assert not at.exception
    assert "undone: 1 restored, 1 deleted" in at.toast[0].value
    assert get_import(app_env, second["id"])["reverted_at"] is not None
    rows = {r["sku"]: r for r in catalog.page_after(app_env, catalog.ProductFilter(), None, 10)}
    assert set(rows) == {"A", "B"} and rows["B"]["name"] == "Beta"


def test_bulk_actions_on_the_selected_rows(app_env):
    seed(app_env, 6)  # SKU-000 and SKU-005 inactive
    at = page("products").run()
    at.session_state[at.session_state["products_table_key"]] = {
        "selection": {"rows": [0, 1, 2], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    labels = {b.key: b.label for b in at.button}
    assert labels["activate"] == "Activate 3" and labels["deactivate"] == "Deactivate 3" and "edit" not in labels
    at.button(key="deactivate").click().run()
    assert [t.value for t in at.toast] == ["3 products are now inactive"]
    by_sku = {r["sku"]: r for r in catalog.page_after(app_env, catalog.ProductFilter(), None, 10)}
    assert [by_sku[f"SKU-{i:03d}"]["active"] for i in range(6)] == [False, False, False, True, True, False]
    with connection.connect(app_env) as conn:
        updates = conn.execute("SELECT payload FROM events WHERE type = 'product.updated'").fetchall()
    assert len(updates) == 2 and all(u["payload"]["by"] == "admin app" for u in updates)  # SKU-000 was inactive
    assert "deactivate" not in [b.key for b in at.button]  # the change cleared the selection
    at.session_state[at.session_state["products_table_key"]] = {
        "selection": {"rows": [0, 1, 2], "columns": [], "cells": []}
    }
    at.run()
    at.button(key="delete").click().run()
    assert any("Delete these **3 products**" in shown(m.value) for m in at.markdown)
    at.button(key="confirm_delete").click().run()
    assert [t.value for t in at.toast] == ["Deleted 3 products"]
    assert sorted(r["sku"] for r in catalog.page_after(app_env, catalog.ProductFilter(), None, 10)) == [
        "SKU-003",
        "SKU-004",
        "SKU-005",
    ]


def test_another_order_or_filter_starts_with_no_selection(app_env):
    seed(app_env, 6)
    at = page("products").run()
    at.session_state[at.session_state["products_table_key"]] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert "edit" in [b.key for b in at.button]
    at.selectbox(key="sort_by").select("name").run()  # row 0 is now another product
    assert "edit" not in [b.key for b in at.button] and "delete" not in [b.key for b in at.button]


def test_a_products_history_shows_imports_and_edits_with_before_and_after(app_env, run_job, landing_file):
    first = run_job(landing_file("first.csv", "sku,name,price\nA-1,Alpha,1.50\n"))
    product = catalog.page_after(app_env, catalog.ProductFilter())[0]
    catalog.update_product(app_env, product["id"], "A-1", "Alpha", "", False, "1.50", by="admin app")
    second = run_job(landing_file("second.csv", "sku,name,price\nA-1,Alpha v2,2\n"))
    at = page("products").run()
    at.session_state["dialog"] = ("edit", product["id"])
    at.run()
    assert not at.exception
    history = at.dataframe[-1].value.to_dict("records")
    assert [(h["change"], h["by"], h["what"]) for h in history] == [
        ("updated by an import", f"import {second['id']} (second.csv)", "name: Alpha → Alpha v2; price: 1.50 → 2"),
        ("updated", "admin app", "active: active → inactive"),
        (
            "created by an import",
            f"import {first['id']} (first.csv)",
            "sku: A-1; name: Alpha; price: 1.50; active: active",
        ),
    ]

"""What each import changed, undoing it, and restoring a delete-all: real imports, real PostgreSQL."""

import psycopg
import pytest

from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.journal import (
    CannotUndo,
    change_view,
    changes_csv,
    import_changes,
    prune_journals,
    undo_import,
)


def events(db_url, kind):
    with connection.connect(db_url) as conn:
        return [r["payload"] for r in conn.execute("SELECT payload FROM events WHERE type = %s ORDER BY id", (kind,))]


def test_the_journal_holds_what_the_import_created_and_the_values_it_overwrote(run_job, landing_file, db_url):
    first = run_job(landing_file("a.csv", "sku,name,price\nA,Alpha,1\nB,Beta,2\nC,Gamma,3\n"))
    second = run_job(landing_file("b.csv", "sku,name,price\na,Alpha 2,1\nB,Beta,2\nD,Delta,4\n"))
    assert (second["created"], second["updated"], second["unchanged"]) == (1, 1, 1)
    views = [change_view(r) for r in import_changes(db_url, second["id"])]
    assert [(v["change"], (v["after"] or {}).get("sku")) for v in views] == [("updated", "a"), ("created", "D")]
    updated = views[0]
    assert updated["before"] == {"sku": "A", "name": "Alpha", "description": "", "price": "1"}
    assert updated["after"]["name"] == "Alpha 2" and not updated["changed_since"]
    assert [change_view(r)["change"] for r in import_changes(db_url, second["id"], created=True)] == ["created"]
    assert len(import_changes(db_url, first["id"])) == 3
    lines = b"".join(changes_csv(db_url, second["id"])).decode().splitlines()
    assert lines[0].startswith("product_id,change,sku_before") and len(lines) == 3
    completed = events(db_url, "upload.completed")[-1]
    assert completed["changes_url"].endswith(f"/imports/{second['id']}/changes")


def test_undo_restores_deletes_and_keeps_what_changed_since(run_job, landing_file, db_url, products):
    run_job(landing_file("base.csv", "sku,name,description,price\nA,Alpha,a,1\nB,Beta,b,2\nC,Gamma,c,3\n"))
    bad = run_job(
        landing_file(
            "bad.csv", "sku,name,description,price\nA,WRONG,a,1\nB,WRONG,b,2\nC,WRONG,c,3\nN1,New,n,9\nN2,New,n,9\n"
        )
    )
    assert (bad["created"], bad["updated"]) == (2, 3)
    # Since then: the app edits B, a later import changes C, someone deletes N2.
    b = products()["b"]
    catalog.update_product(db_url, b["id"], "B", "Beta fixed by hand", "b", True, "2")
    run_job(landing_file("later.csv", "sku,name\nC,Gamma from later import\n"))
    catalog.delete_product(db_url, products()["n2"]["id"])

    summary = undo_import(db_url, bad["id"])
    assert (summary.restored, summary.deleted, summary.kept) == (1, 1, 3)
    assert summary.kept_skus == ["B", "C"]  # and N2, deleted since: counted, not named
    now = products()
    assert now["a"]["name"] == "Alpha" and now["a"]["price"] == 1  # restored
    assert now["b"]["name"] == "Beta fixed by hand"  # edited since: kept
    assert now["c"]["name"] == "Gamma from later import"  # a later import: kept
    assert "n1" not in now and "n2" not in now
    [reverted] = events(db_url, "upload.reverted")
    assert (reverted["import_id"], reverted["restored"], reverted["deleted"], reverted["kept"]) == (bad["id"], 1, 1, 3)
    with pytest.raises(CannotUndo, match="already undone"):
        undo_import(db_url, bad["id"])


def test_undo_is_refused_for_imports_that_changed_nothing_or_were_pruned(run_job, landing_file, db_url):
    failed = run_job(landing_file("bad.csv", "name\nno sku column\n"))
    with pytest.raises(CannotUndo, match="failed"):
        undo_import(db_url, failed["id"])
    done = run_job(landing_file("ok.csv", "sku,name\nA,a\n"))
    with connection.connect(db_url) as conn:
        conn.execute("UPDATE imports SET finished_at = now() - interval '8 days' WHERE id = %s", (done["id"],))
        conn.commit()
    pruned = prune_journals(db_url, 7)
    assert (pruned["imports"], pruned["journal_rows"]) == (1, 0)  # it only created: no journal rows
    with pytest.raises(CannotUndo, match="JOURNAL_RETENTION_DAYS"):
        undo_import(db_url, done["id"])


def test_a_failure_inside_the_undo_changes_nothing(run_job, landing_file, db_url, products, monkeypatch):
    run_job(landing_file("base.csv", "sku,name\nA,Alpha\n"))
    bad = run_job(landing_file("bad.csv", "sku,name\nA,WRONG\nN,New\n"))
    before = products()
    from pipelines.importing import journal

    def broken(name):
        if name == "journal/reverted":
            return "SELECT 1/0"
        return original(name)

    original = journal.query
    monkeypatch.setattr(journal, "query", broken)
    with pytest.raises(psycopg.errors.DivisionByZero):
        undo_import(db_url, bad["id"])
    monkeypatch.undo()
    assert products() == before and events(db_url, "upload.reverted") == []
    assert undo_import(db_url, bad["id"]).restored == 1


def test_delete_all_can_be_restored_keeping_products_created_since(db_url, products):
    for i in range(5):
        catalog.create_product(db_url, f"S-{i}", f"Product {i}", active=i != 2, price=str(i))
    before = products()
    assert catalog.delete_all_products(db_url) == 5
    catalog.create_product(db_url, "s-1", "Created again since")
    [deletion] = catalog.recent_deletions(db_url)
    assert (deletion["products"], deletion["restored_at"]) == (5, None)
    summary = catalog.restore_deleted(db_url, deletion["id"])
    assert (summary["restored"], summary["kept"]) == (4, 1)
    after = products()
    assert after["s-1"]["name"] == "Created again since"
    for key in ("s-0", "s-2", "s-3", "s-4"):
        assert {k: after[key][k] for k in ("id", "sku", "name", "price", "active", "created_at")} == {
            k: before[key][k] for k in ("id", "sku", "name", "price", "active", "created_at")
        }
    assert events(db_url, "products.restored")[0]["restored"] == 4
    with pytest.raises(catalog.AlreadyRestored):
        catalog.restore_deleted(db_url, deletion["id"])
    with pytest.raises(catalog.DeletionNotFound):
        catalog.restore_deleted(db_url, 999)


def test_undoing_two_imports_newest_first_gives_back_the_catalog_before_both(run_job, landing_file, db_url, products):
    catalog.create_product(db_url, "KEEP", "Made in the app", price="5")
    original = {k: (v["sku"], v["name"], v["price"]) for k, v in products().items()}
    first = run_job(landing_file("one.csv", "sku,name,price\nKEEP,One,1\nX,Ex,2\n"))
    second = run_job(landing_file("two.csv", "sku,name,price\nkeep,Two,3\nx,Ex two,4\nY,Why,5\n"))
    assert undo_import(db_url, second["id"]).kept == 0
    assert undo_import(db_url, first["id"]).kept == 0
    assert {k: (v["sku"], v["name"], v["price"]) for k, v in products().items()} == original


@pytest.mark.slow
def test_kill_9_during_an_undo_leaves_the_catalog_as_it_was(run_job, folders, db_url, tmp_path):
    """A real undo process killed while its statement runs: nothing is undone, and undo works after."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from pipelines.importing.sample import write_sample

    done = run_job(write_sample(Path(folders.landing_dir) / "big.csv", 200_000, seed=9))
    with connection.connect(db_url) as conn:
        before = conn.execute("SELECT count(*) AS n, max(updated_at) AS last FROM products").fetchone()
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path / "data")}
    undo = subprocess.Popen(
        [Path(sys.executable).parent / "product-importer", "undo", str(done["id"])],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    database = db_url.rsplit("/", 1)[1]
    with connection.connect(db_url, autocommit=True) as watcher:

        def undo_running() -> bool:
            return (
                watcher.execute(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = %s AND query LIKE %s"
                    " AND state = 'active' AND pid <> pg_backend_pid()",
                    (database, "%import_changes%"),
                ).fetchone()["n"]
                > 0
            )

        deadline = time.monotonic() + 60
        while not undo_running():
            assert undo.poll() is None and time.monotonic() < deadline, "the undo ended before it could be killed"
            time.sleep(0.01)
        undo.send_signal(signal.SIGKILL)
        undo.wait(10)
        while undo_running():  # the server finishes the statement, then finds its client gone and rolls back
            time.sleep(0.1)
        after = watcher.execute("SELECT count(*) AS n, max(updated_at) AS last FROM products").fetchone()
        reverted = watcher.execute("SELECT reverted_at FROM imports WHERE id = %s", (done["id"],)).fetchone()
    assert after == before and reverted["reverted_at"] is None
    assert events(db_url, "upload.reverted") == []
    assert undo_import(db_url, done["id"]).deleted == before["n"]


def test_the_retention_schedule_runs_the_prune_under_dagster(run_job, landing_file, db_url, monkeypatch):
    from pipelines.definitions import defs
    from pipelines.defs.resources import PostgresResource
    from pipelines.defs.retention import apply_retention, journal_retention

    done = run_job(landing_file("a.csv", "sku,name\nA,a\n"))
    catalog.delete_all_products(db_url)
    assert defs.resolve_schedule_def("journal_retention") is not None and journal_retention.cron_schedule
    monkeypatch.setenv("JOURNAL_RETENTION_DAYS", "0")
    result = apply_retention.execute_in_process(resources={"postgres": PostgresResource(url=db_url)})
    assert result.success
    with pytest.raises(CannotUndo, match="journal was removed"):
        undo_import(db_url, done["id"])
    assert catalog.recent_deletions(db_url) == []

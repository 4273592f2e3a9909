"""What a crash leaves behind is put right: imports whose process is gone,
staging tables, work folders, dropped search indexes (importing/recovery.py).

The kill tests kill -9 a real `product-importer import` process at a stage
and run the next command, as a user would.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.db import connection
from pipelines.db.search_indexes import drop_search_indexes, search_indexes_missing
from pipelines.importing.import_runs import LIVENESS_GRACE_SECONDS, create_import
from pipelines.importing.recovery import needs_recovery, recover
from pipelines.importing.staging import staging_table
from pipelines.settings import Folders

CLI = str(Path(sys.executable).parent / "product-importer")


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMPORT_HEARTBEAT_TIMEOUT_SECONDS", "3")
    return Folders.from_env().create()


def running_import(db_url, folders: Folders, heartbeat_age: str) -> int:
    path = folders.landing / "crashed.csv"
    path.write_text("sku,name\nA,B\n")
    import_id = create_import(db_url, path.name, str(path), "folder")
    with connection.connect(db_url) as conn:
        conn.execute(
            "UPDATE imports SET status = 'running', stage = 'merging', started_at = now() - interval '1 hour',"
            " heartbeat_at = now() - %s::interval WHERE id = %s",
            (heartbeat_age, import_id),
        )
        conn.execute(f"CREATE UNLOGGED TABLE {staging_table(import_id)} (line integer)")
        conn.commit()
    (folders.work / f"import-{import_id}").mkdir()
    return import_id


def test_recover_fails_a_silent_import_and_restores_what_it_left(db_url, data):
    import_id = running_import(db_url, data, "1 minute")
    drop_search_indexes(db_url)
    assert needs_recovery(db_url, data)
    done = recover(db_url, data)
    assert done.failed_imports == [import_id]  # failing it also drops its staging table and work folder
    assert done.search_indexes and search_indexes_missing(db_url) == []
    with connection.connect(db_url) as conn:
        row = conn.execute("SELECT status, error FROM imports WHERE id = %s", (import_id,)).fetchone()
        assert row["status"] == "failed" and "process stopped during merging" in row["error"]
        assert conn.execute("SELECT count(*) AS n FROM events WHERE type = 'upload.failed'").fetchone()["n"] == 1
        assert conn.execute("SELECT to_regclass(%s) AS t", (staging_table(import_id),)).fetchone()["t"] is None
    assert not (data.work / f"import-{import_id}").exists()
    assert (data.failed / f"{import_id}-crashed.csv").read_text() == "sku,name\nA,B\n"  # the file is kept
    assert not needs_recovery(db_url, data) and not recover(db_url, data)  # idempotent


def test_recover_drops_what_ended_imports_left(db_url, data):
    import_id = running_import(db_url, data, "0 seconds")
    with connection.connect(db_url) as conn:
        conn.execute("UPDATE imports SET status = 'failed' WHERE id = %s", (import_id,))
        conn.commit()
    done = recover(db_url, data)
    assert done.staging_tables == [staging_table(import_id)] and done.work_folders == [f"import-{import_id}"]
    assert not done.failed_imports and not (data.work / f"import-{import_id}").exists()


def test_recover_leaves_a_live_import_and_its_dropped_indexes_alone(db_url, data):
    import_id = running_import(db_url, data, "0 seconds")
    drop_search_indexes(db_url)  # as a large import does before its merge
    assert not recover(db_url, data)
    assert len(search_indexes_missing(db_url)) == 3
    with connection.connect(db_url) as conn:
        assert conn.execute("SELECT status FROM imports WHERE id = %s", (import_id,)).fetchone()["status"] == "running"
    assert (data.work / f"import-{import_id}").exists()


def cli(args, tmp_path, db_url, **popen):
    """The command as a user runs it: default heartbeat timeout (60 s), so a
    recovery within seconds comes from the liveness lock, not the timeout."""
    left_out = ("DATABASE_URL", "DAGSTER_HOME", "IMPORT_HEARTBEAT_TIMEOUT_SECONDS")
    env = {k: v for k, v in os.environ.items() if k not in left_out}
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=db_url)
    return subprocess.Popen([CLI, *args], env=env, start_new_session=True, **popen)


def last_import(db_url) -> dict | None:
    with connection.connect(db_url) as conn:
        return conn.execute("SELECT id, stage, status, error FROM imports ORDER BY id DESC LIMIT 1").fetchone()


def stop_in_stage(db_url, stage: str, process) -> None:
    """SIGSTOP the process group the moment the import's row shows `stage`,
    looking every 10 ms; True if it was still in that stage when stopped."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it reached the stage"
        row = last_import(db_url)
        if row and row["stage"] == stage:
            os.killpg(process.pid, signal.SIGSTOP)
            return last_import(db_url)["stage"] == stage
        time.sleep(0.01)
    raise AssertionError(f"the import never reached {stage}")


def kill_in_stage(tmp_path, db_url, source: Path, stage: str) -> None:
    """Run `product-importer import source` and kill -9 it during `stage`
    (tried again if it had just moved on when it was stopped)."""
    for _ in range(3):
        process = cli(["import", str(source)], tmp_path, db_url, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        caught = stop_in_stage(db_url, stage, process)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        if caught:
            return
        time.sleep(LIVENESS_GRACE_SECONDS + 0.5)
        assert run_migrate(tmp_path, db_url).returncode == 0
    raise AssertionError(f"never caught the import during {stage}")


def run_migrate(tmp_path, db_url) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IMPORT_HEARTBEAT_TIMEOUT_SECONDS"}
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=db_url)
    return subprocess.run([CLI, "migrate"], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["validating", "deduplicating", "loading", "merging", "indexing"])
def test_kill_9_of_a_cli_import_at_each_stage_is_put_right_by_the_next_command(tmp_path, db_url, stage):
    """Before the merge committed: nothing changed, the import failed. During
    the index rebuild after it: fully merged. Either way the next command,
    seconds later, leaves every search index valid, no staging table, no
    work folder and no import `running`."""
    from pipelines.importing.sample import write_sample

    source = write_sample(tmp_path / "big.csv", 300_000, seed=9)
    before = tmp_path / "before.csv"
    before.write_text("sku,name\nKEEP-1,Kept\n")
    assert cli(["import", str(before)], tmp_path, db_url).wait(120) == 0
    kill_in_stage(tmp_path, db_url, source, stage)
    time.sleep(LIVENESS_GRACE_SECONDS + 0.5)
    done = run_migrate(tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    row = last_import(db_url)
    with connection.connect(db_url) as conn:
        count = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
        staging = conn.execute("SELECT count(*) AS n FROM pg_class WHERE relname LIKE 'import_staging_%'").fetchone()
        running = conn.execute("SELECT count(*) AS n FROM imports WHERE status = 'running'").fetchone()["n"]
    if stage == "indexing":  # the merge had committed
        assert row["status"] == "succeeded" and count > 250_000  # (migrate builds what is missing first)
    else:
        assert "had lost their process: marked failed" in done.stdout
        assert row["status"] == "failed" and f"during {stage}" in row["error"]
        assert count == 1  # unchanged: only KEEP-1
    assert staging["n"] == 0 and running == 0
    assert search_indexes_missing(db_url) == []
    assert not [p for p in (tmp_path / "data" / "work").iterdir() if p.name.startswith("import-")]
    assert source.exists()  # a file named on the command line stays where it is


@pytest.mark.slow
def test_a_terminated_database_backend_mid_merge_changes_nothing_and_leaves_nothing(tmp_path, db_url):
    """pg_terminate_backend of the merge's session: the merge rolls back, the
    import fails saying so, and its search indexes are back when it ends."""
    from pipelines.importing.sample import write_sample

    source = write_sample(tmp_path / "big.csv", 300_000, seed=4)
    before = tmp_path / "before.csv"
    before.write_text("sku,name\nKEEP-1,Kept\n")
    assert cli(["import", str(before)], tmp_path, db_url).wait(120) == 0
    process = cli(["import", "--json", str(source)], tmp_path, db_url, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    terminated = 0
    with connection.connect(db_url, autocommit=True) as conn:
        while not terminated and time.monotonic() < deadline:
            terminated = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE %s AND state = 'active'",
                ("%Merge the staged file into products%",),
            ).fetchone()["n"]
            time.sleep(0.02)
    assert terminated == 1
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, err
    row = last_import(db_url)
    assert row["status"] == "failed"
    with connection.connect(db_url) as conn:
        assert [r["sku"] for r in conn.execute("SELECT sku FROM products")] == ["KEEP-1"]
        assert conn.execute("SELECT count(*) AS n FROM events WHERE type = 'upload.completed'").fetchone()["n"] == 1
    assert search_indexes_missing(db_url) == []
    done = run_migrate(tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    with connection.connect(db_url) as conn:
        staging = conn.execute("SELECT count(*) AS n FROM pg_class WHERE relname LIKE 'import_staging_%'").fetchone()
    assert staging["n"] == 0


@pytest.mark.parametrize("mode", ["auto", "concurrent", "blocking"])
def test_a_large_import_ends_with_its_search_indexes_in_either_rebuild_mode(
    run_job, landing_file, db_url, tmp_path, monkeypatch, mode
):
    from pipelines.importing.sample import write_sample

    monkeypatch.setenv("SEARCH_INDEX_REBUILD", mode)
    path = landing_file("big.csv", write_sample(tmp_path / "big.csv", 25_000, seed=2).read_bytes())
    row = run_job(path)
    assert row["status"] == "succeeded" and "indexing" in row["stage_seconds"]  # dropped and rebuilt
    assert search_indexes_missing(db_url) == []


def test_an_unknown_rebuild_mode_is_refused(monkeypatch):
    from pipelines.settings import rebuild_concurrently

    monkeypatch.setenv("SEARCH_INDEX_REBUILD", "sometimes")
    with pytest.raises(ValueError, match="auto, concurrent, blocking"):
        rebuild_concurrently(catalog_was_empty=False)


def test_delete_all_waits_for_a_search_index_build_instead_of_deadlocking(db_url):
    import threading

    from pipelines.catalog import products as catalog
    from pipelines.db.search_indexes import no_index_build

    catalog.create_product(db_url, "A-1", "Alpha")
    deleted = []
    with no_index_build(db_url):  # as an index build holds it
        worker = threading.Thread(target=lambda: deleted.append(catalog.delete_all_products(db_url)))
        worker.start()
        time.sleep(1)
        assert deleted == [] and worker.is_alive()  # waiting, not failing
    worker.join(30)
    assert deleted == [1]


def test_an_import_is_alive_while_its_process_holds_its_lock_and_gone_once_it_lets_go(db_url, data, monkeypatch):
    """The liveness lock, not the heartbeat's age, tells a quiet live import from a dead one."""
    from pipelines.db.sql_files import query
    from pipelines.importing.recovery import running_imports

    monkeypatch.setenv("IMPORT_HEARTBEAT_TIMEOUT_SECONDS", "60")
    import_id = running_import(db_url, data, "10 seconds")  # older than the grace, younger than the timeout
    holder = connection.connect(db_url, autocommit=True)
    assert holder.execute(query("imports/hold"), {"import_id": import_id}).fetchone()["held"]
    assert running_imports(db_url) == ([], 1)
    assert not recover(db_url, data).failed_imports
    holder.close()  # as a killed process's connection closes
    gone, alive = running_imports(db_url)
    assert [row["id"] for row in gone] == [import_id] and alive == 0
    assert recover(db_url, data).failed_imports == [import_id]


def test_a_fresh_heartbeat_without_the_lock_is_alive_for_the_grace(db_url, data, monkeypatch):
    """Between two stages no heartbeat thread holds the lock: a heartbeat this recent still counts."""
    from pipelines.importing.recovery import running_imports

    monkeypatch.setenv("IMPORT_HEARTBEAT_TIMEOUT_SECONDS", "60")
    running_import(db_url, data, "1 second")
    assert running_imports(db_url) == ([], 1)


@pytest.mark.parametrize(
    ("mode", "empty", "concurrently"),
    [
        ("auto", True, False),
        ("auto", False, True),
        ("concurrent", True, True),
        ("blocking", False, False),
    ],
)
def test_the_rebuild_mode_follows_the_setting_and_whether_the_catalog_was_empty(monkeypatch, mode, empty, concurrently):
    from pipelines.settings import rebuild_concurrently

    monkeypatch.setenv("SEARCH_INDEX_REBUILD", mode)
    assert rebuild_concurrently(catalog_was_empty=empty) is concurrently


def test_the_rebuild_decision_estimates_changes_from_a_sample(db_url):
    """planned_changes on a sample scales its counts back to the staged rows."""
    from pipelines.importing.merging import PLAN_SAMPLE_ROWS, planned_changes

    staged = PLAN_SAMPLE_ROWS * 8
    import_id = 77
    with connection.connect(db_url) as conn:
        conn.execute(
            f"CREATE UNLOGGED TABLE {staging_table(import_id)} AS SELECT g AS line, 'S' || g AS sku,"
            " 's' || g AS sku_key, 'N' AS name, '' AS description, NULL::numeric AS price"
            " FROM generate_series(1, %s) AS g",
            (staged,),
        )
        conn.execute(
            "INSERT INTO products (sku, sku_key, name, description) SELECT 'S' || g, 's' || g, 'N', ''"
            " FROM generate_series(1, %s) AS g",
            (staged // 2,),
        )
        conn.commit()
    planned = planned_changes(db_url, import_id, has_price=True, staged_rows=staged)
    assert abs(planned["created"] - staged // 2) < staged * 0.05  # half are new
    assert abs(planned["unchanged"] - staged // 2) < staged * 0.05 and planned["updated"] == 0


def test_a_mid_sized_import_keeps_the_search_indexes_and_folds_in_its_pending_entries(
    run_job, landing_file, db_url, tmp_path
):
    """12,000 new products: too few to rebuild (under 20,000), enough to fold
    the merge's pending-list entries into the trigram indexes after it."""
    from pipelines.catalog.products import ProductFilter, count_products
    from pipelines.importing.sample import write_sample

    path = landing_file("mid.csv", write_sample(tmp_path / "mid.csv", 12_500, seed=3, duplicate_share=0.0).read_bytes())
    row = run_job(path)
    assert row["status"] == "succeeded" and row["created"] > 10_000
    assert "indexing" in row["stage_seconds"]
    assert search_indexes_missing(db_url) == []
    with connection.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        pending = conn.execute(
            "SELECT sum((pgstatginindex(c.oid)).pending_pages) AS n FROM pg_class AS c"
            " WHERE c.relname IN ('products_sku_trgm', 'products_name_trgm', 'products_description_trgm')"
        ).fetchone()["n"]
        sku = conn.execute("SELECT sku FROM products ORDER BY id DESC LIMIT 1").fetchone()["sku"]
    assert pending == 0
    assert count_products(db_url, ProductFilter(sku=sku)).value >= 1  # found through the index

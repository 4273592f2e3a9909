"""Which landing files are ready (scan_landing, with explicit clocks), and the
sensor that watches for them (evaluated with dg.build_sensor_context)."""

import io
import json
import os
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs import landing_sensor
from pipelines.defs.landing_sensor import landing_folder_sensor
from pipelines.defs.resources import PostgresResource
from pipelines.importing.landing import scan_landing
from pipelines.importing.uploads import submit_upload

SETTLE = 1.0


def mtime(path: Path) -> float:
    return path.stat().st_mtime_ns / 1e9


def names(ready) -> list[str]:
    return sorted(file.path.name for file in ready)


def look(folders, cursor, now):
    return scan_landing(Path(folders.landing_dir), cursor, now=now, settle=SETTLE)


def test_a_new_file_is_ready_once_it_has_settled_and_only_once(folders, landing_file):
    path = landing_file("products.csv", "sku,name\nA,B\n")
    written = mtime(path)
    ready, cursor = look(folders, None, written + 0.2)
    assert ready == []  # just written: could still be being written
    ready, cursor = look(folders, cursor, written + 0.6)
    assert ready == []
    ready, cursor = look(folders, cursor, written + SETTLE + 0.1)
    assert names(ready) == ["products.csv"]
    for later in (2, 3, 60):
        ready, cursor = look(folders, cursor, written + later)
        assert ready == []


def test_a_growing_file_waits_until_it_stops_changing(folders, landing_file):
    path = landing_file("big.csv", "sku,name\n")
    start = mtime(path)
    _, cursor = look(folders, None, start + 0.2)
    with path.open("a") as handle:
        handle.write("A,B\n")
    os.utime(path, ns=(int((start + 0.9) * 1e9),) * 2)
    ready, cursor = look(folders, cursor, start + 1.5)
    assert ready == []  # changed 0.6 s ago
    ready, cursor = look(folders, cursor, start + 2.0)
    assert names(ready) == ["big.csv"]
    assert ready[0].run_key.startswith(f"big.csv:{path.stat().st_size}:")


def test_a_file_with_a_clock_ahead_is_taken_once_it_looked_the_same_for_the_settle_time(folders, landing_file):
    # A network share whose clock runs ahead stamps files "in the future".
    path = landing_file("ahead.csv", "sku,name\nA,B\n")
    now = time.time()
    future = int((now + 3600) * 1e9)
    os.utime(path, ns=(future, future))
    ready, cursor = look(folders, None, now)
    assert ready == []
    ready, cursor = look(folders, cursor, now + SETTLE + 0.1)
    assert names(ready) == ["ahead.csv"]


def test_a_later_file_with_the_same_name_is_imported_again(folders, landing_file):
    path = landing_file("daily.csv", "sku,name\nA,B\n")
    now = mtime(path) + SETTLE + 1
    [first], cursor = look(folders, None, now)
    path.unlink()  # the job archived it
    _, cursor = look(folders, cursor, now + 1)
    path = landing_file("daily.csv", "sku,name\nA,B\nC,D\n")
    [second], cursor = look(folders, cursor, mtime(path) + SETTLE + 1)
    assert second.run_key != first.run_key


def test_a_file_unchanged_for_a_while_is_taken_at_first_sight(folders, landing_file):
    # Copied with its old modification time kept (cp -p, rsync -t): nothing
    # has written it for a long time.
    path = landing_file("settled.csv", "sku,name\nA,B\n")
    old = 1_700_000_000_000_000_000
    os.utime(path, ns=(old, old))
    ready, cursor = look(folders, None, time.time())
    assert names(ready) == ["settled.csv"]
    assert look(folders, cursor, time.time())[0] == []


def test_gzip_files_are_taken_too(folders, landing_file):
    landing_file("products.csv.gz", b"\x1f\x8b")
    ready, _ = look(folders, None, time.time() + 3600)
    assert names(ready) == ["products.csv.gz"]


def test_hidden_temporary_and_other_files_are_ignored(folders, landing_file):
    for name in [".products.csv", "upload.csv.tmp", "upload.csv.part", "notes.txt", "~lock.csv"]:
        landing_file(name, "sku,name\nA,B\n")
    Path(folders.landing_dir, "sub.csv").mkdir()
    ready, _ = look(folders, None, time.time() + 3600)
    assert ready == []


@pytest.fixture(autouse=True)
def catalog(db_url, monkeypatch):
    """The sensor asks the catalog whether a landed file is an upload."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def tick(folders, cursor=None):
    resources = {"folders": folders, "postgres": PostgresResource.from_env()}
    context = dg.build_sensor_context(cursor=cursor, resources=resources)
    result = landing_folder_sensor(context)
    return result.run_requests, result.cursor


@pytest.fixture
def watch(monkeypatch):
    def set_window(seconds: float) -> None:
        monkeypatch.setattr(landing_sensor, "WATCH_SECONDS", seconds)

    monkeypatch.setenv("LANDING_SETTLE_SECONDS", str(SETTLE))
    return set_window


def test_the_sensor_watches_until_a_dropped_file_settles(folders, landing_file, watch):
    watch(5.0)
    path = landing_file("products.csv", "sku,name\nA,B\n")
    [request], cursor = tick(folders)  # one evaluation: first look too early, a later one takes it
    config = request.run_config["ops"]["validate"]["config"]
    assert config == {"path": str(path), "source": "folder"}
    assert request.tags["product_importer/source"] == "folder"
    watch(0.5)
    assert tick(folders, cursor)[0] == []


def test_the_sensor_does_not_take_a_file_while_it_is_being_written(folders, landing_file, watch):
    path = landing_file("slow.csv", "sku,name\n")
    stop = threading.Event()

    def writer() -> None:
        with path.open("a") as handle:
            for i in range(25):
                handle.write(f"S{i},Name {i}\n")
                handle.flush()
                time.sleep(0.1)
        stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    watch(1.5)
    requests, cursor = tick(folders)
    assert requests == [] and not stop.is_set()
    thread.join()
    watch(5.0)
    [request], _ = tick(folders, cursor)
    assert request.run_key.startswith(f"slow.csv:{path.stat().st_size}:")


def test_each_ready_file_gets_its_own_run(folders, landing_file, watch):
    watch(5.0)
    landing_file("a.csv", "sku,name\nA,B\n")
    landing_file("b.csv", "sku,name\nC,D\n")
    requests, _ = tick(folders)
    assert sorted(Path(r.run_config["ops"]["validate"]["config"]["path"]).name for r in requests) == ["a.csv", "b.csv"]
    assert len({r.run_key for r in requests}) == 2


def test_an_upload_is_tagged_as_one_and_a_drop_as_a_drop(folders, landing_file, watch, catalog):
    watch(5.0)
    landing_file("dropped.csv", "sku,name\nA,B\n")
    uploaded = submit_upload(catalog, folders.folders(), "sent.csv", io.BytesIO(b"sku,name\nC,D\n"))
    requests, _ = tick(folders)
    sources = {r.tags["product_importer/file"]: r.tags["product_importer/source"] for r in requests}
    assert sources == {"dropped.csv": "folder", f"{uploaded}-sent.csv": "upload"}


def test_links_in_the_landing_folder_are_skipped_and_refused(tmp_path, folders, run_job, products):
    outside = tmp_path / "outside.csv"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\nsecret,line\n")
    landing = Path(folders.landing_dir)
    (landing / "linked.csv").symlink_to(outside)
    (landing / "real.csv").write_text("sku,name\nA1,Alpha\n")
    old = time.time() - 60
    os.utime(landing / "real.csv", (old, old))
    ready, _ = scan_landing(landing, None, now=time.time(), settle=1)
    assert [f.path.name for f in ready] == ["real.csv"]
    requests, cursor = tick(folders)
    assert [Path(r.run_config["ops"]["validate"]["config"]["path"]).name for r in requests] == ["real.csv"]
    assert json.loads(cursor)["/links"] == ["linked.csv"]
    # Named directly (as a folder import), the link is refused before it is read.
    row = run_job(landing / "linked.csv")
    assert row["status"] == "failed" and "symbolic link" in row["error"] and "root:x" not in row["error"]
    assert products() == {}

"""Several imports at once, and app edits during an import."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.import_runs import create_import

CLI = str(Path(sys.executable).parent / "product-importer")


def write_file(path: Path, tag: str, skus: range) -> Path:
    lines = ["sku,name,description"] + [f"SKU-{i:05d},{tag} name {i},{tag} description {i}" for i in skus]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_overlapping_imports_at_once_the_later_arrival_wins_row_by_row(tmp_path, db_url, products):
    files = {
        "one": write_file(tmp_path / "one.csv", "one", range(0, 20_000)),
        "two": write_file(tmp_path / "two.csv", "two", range(10_000, 30_000)),
        "three": write_file(tmp_path / "three.csv", "three", range(5_000, 25_000, 2)),
    }
    processes = {}
    for tag, path in files.items():
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(DATABASE_URL=db_url, DATA_DIR=str(tmp_path / f"data-{tag}"))
        processes[tag] = subprocess.Popen(
            [CLI, "import", str(path), "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    summaries = {}
    for tag, proc in processes.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        summaries[tag] = json.loads(out)
    with connection.connect(db_url) as conn:
        arrival = {
            r["file_name"].removesuffix(".csv"): r["queued_at"]
            for r in conn.execute("SELECT file_name, queued_at FROM imports")
        }
        started = {r["file_name"]: (r["started_at"], r["finished_at"]) for r in conn.execute("SELECT * FROM imports")}
    # They really ran at the same time (at least two of them overlapped).
    spans = sorted(started.values())
    assert any(later_start < earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:], strict=False))
    # Expected: for each SKU, the values of the latest-arriving file that has it.
    expected = {}
    for tag in sorted(files, key=lambda t: arrival[t]):
        for line in files[tag].read_text().splitlines()[1:]:
            sku, name, description = line.split(",")
            expected[sku.lower()] = (sku, name, description)
    actual = {key: (p["sku"], p["name"], p["description"]) for key, p in products().items()}
    assert actual == expected
    assert sum(s["created"] for s in summaries.values()) == len(expected)


def test_an_edit_made_while_an_import_runs_is_kept(run_job, landing_file, db_url, products):
    run_job(landing_file("first.csv", "sku,name\nA-1,Alpha\nB-2,Beta\n"))
    # The next file arrives (its import is queued) ...
    path = landing_file("second.csv", "sku,name\nA-1,Alpha from file\nB-2,Beta from file\nC-3,Gamma\n")
    import_id = create_import(db_url, path.name, str(path), "folder")
    # ... then someone edits A-1 in the app before the merge runs.
    a1 = products()["a-1"]
    catalog.update_product(db_url, a1["id"], "A-1", "Alpha edited in the app", "", True)
    row = run_job(path, import_id=import_id)
    assert row["status"] == "succeeded" and (row["created"], row["updated"]) == (1, 1)
    after = products()
    assert after["a-1"]["name"] == "Alpha edited in the app"
    assert after["b-2"]["name"] == "Beta from file" and after["c-3"]["name"] == "Gamma"


def test_a_later_import_wins_even_if_an_earlier_one_merges_after_it(run_job, landing_file, products, db_url):
    early = landing_file("early.csv", "sku,name\nA-1,from early\n")
    early_id = create_import(db_url, early.name, str(early), "folder")
    late = landing_file("late.csv", "sku,name\nA-1,from late\nB-2,only late\n")
    run_job(late)  # arrives and merges first
    row = run_job(early, import_id=early_id)  # arrived earlier, merges later
    assert row["status"] == "succeeded" and (row["created"], row["updated"], row["unchanged"]) == (0, 0, 1)
    assert products()["a-1"]["name"] == "from late"


def test_a_product_deleted_after_an_import_arrived_stays_deleted(run_job, landing_file, db_url, products):
    run_job(landing_file("first.csv", "sku,name\nA-1,Alpha\nB-2,Beta\n"))
    path = landing_file("second.csv", "sku,name\nA-1,Alpha again\nB-2,Beta again\n")
    early_id = create_import(db_url, path.name, str(path), "folder")  # arrives ...
    catalog.delete_product(db_url, products()["a-1"]["id"])  # ... then A-1 is deleted in the app
    row = run_job(path, import_id=early_id)
    assert row["status"] == "succeeded" and (row["created"], row["updated"], row["unchanged"]) == (0, 1, 1)
    assert set(products()) == {"b-2"} and products()["b-2"]["name"] == "Beta again"
    # A file that arrives after the delete brings it back: the later arrival wins.
    row = run_job(landing_file("third.csv", "sku,name\na-1,Alpha is back\n"))
    assert row["created"] == 1 and products()["a-1"]["name"] == "Alpha is back"
    # Deleted again, then an edit-free early import of it merges: still deleted.
    path = landing_file("fourth.csv", "sku,name\nA-1,Alpha once more\n")
    early_id = create_import(db_url, path.name, str(path), "folder")
    catalog.delete_product(db_url, products()["a-1"]["id"])
    run_job(path, import_id=early_id)
    assert "a-1" not in products()


def test_delete_all_after_an_import_arrived_is_not_undone_by_it(run_job, landing_file, db_url, products):
    run_job(landing_file("first.csv", "sku,name\nA-1,Alpha\nB-2,Beta\n"))
    early = landing_file("early.csv", "sku,name\nA-1,Alpha\nC-3,Gamma\n")
    early_id = create_import(db_url, early.name, str(early), "folder")
    assert catalog.delete_all_products(db_url) == 2
    catalog.create_product(db_url, "C-3", "Created in the app after delete all")
    row = run_job(early, import_id=early_id)
    assert row["status"] == "succeeded" and (row["created"], row["updated"]) == (0, 0)
    assert {k: p["name"] for k, p in products().items()} == {"c-3": "Created in the app after delete all"}
    # Imports that arrive later import as usual.
    row = run_job(landing_file("late.csv", "sku,name\nA-1,Alpha\nC-3,Gamma from a later file\n"))
    assert (row["created"], row["updated"]) == (1, 1)


def test_tombstones_are_pruned_once_no_earlier_import_waits(run_job, landing_file, db_url, products):
    run_job(landing_file("first.csv", "sku,name\nA-1,Alpha\n"))
    catalog.delete_product(db_url, products()["a-1"]["id"])
    with connection.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM product_tombstones").fetchone()["n"] == 1
    run_job(landing_file("later.csv", "sku,name\nB-2,Beta\n"))
    with connection.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM product_tombstones").fetchone()["n"] == 0

"""`product-importer import` as a user runs it: a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REAL_FIXTURES

# Each test runs the CLI as a process (Dagster and Polars imported: 5-15 s).
pytestmark = [pytest.mark.slow]

CLI = str(Path(sys.executable).parent / "product-importer")


def run_cli(args, tmp_path, db_url=None, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DAGSTER_HOME")}
    env.update(DATA_DIR=str(tmp_path / "data"), **(extra_env or {}))
    if db_url:
        env["DATABASE_URL"] = db_url
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_import_json_prints_exactly_one_object(tmp_path, db_url, products):
    source = REAL_FIXTURES / "products_1000.csv"
    done = run_cli(["import", str(source), "--json"], tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # the whole of stdout is one JSON object
    assert summary["status"] == "succeeded"
    assert {
        k: summary[k] for k in ("rows_total", "rows_rejected", "duplicates_in_file", "created", "updated", "unchanged")
    } == {
        "rows_total": 1000,
        "rows_rejected": 0,
        "duplicates_in_file": 1,
        "created": 999,
        "updated": 0,
        "unchanged": 0,
    }
    assert summary["rejects_path"] is None and isinstance(summary["import_id"], int)
    assert len(products()) == 999
    assert source.exists()  # a file named on the command line stays where it is
    # The run is recorded in the Dagster instance under DAGSTER_HOME (data/dagster).
    assert (tmp_path / "data" / "dagster" / "dagster.yaml").exists()
    again = json.loads(run_cli(["import", str(source), "--json"], tmp_path, db_url).stdout)
    assert (again["created"], again["unchanged"]) == (0, 999)


def test_refused_file_exits_non_zero_with_one_line_and_changes_nothing(tmp_path, db_url, products):
    good = tmp_path / "good.csv"
    good.write_text("sku,name\nA-1,Alpha\n")
    assert run_cli(["import", str(good)], tmp_path, db_url).returncode == 0
    before = products()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("sku,name\nA-1,Caf\xe9\n".encode("latin-1"))
    done = run_cli(["import", str(bad)], tmp_path, db_url)
    assert done.returncode != 0
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error:") and "not UTF-8" in line and "line 2" in line
    assert products() == before
    as_json = run_cli(["import", str(bad), "--json"], tmp_path, db_url)
    assert as_json.returncode != 0 and json.loads(as_json.stdout)["status"] == "failed"


def test_import_text_summary_names_the_rejects_file(tmp_path, db_url):
    path = tmp_path / "mixed.csv"
    path.write_text("sku,name\nA-1,Alpha\n,Nameless\n")
    done = run_cli(["import", str(path)], tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    assert "1 rejected" in done.stdout and "Rejected rows and reasons:" in done.stdout
    header_only = tmp_path / "header.csv"
    header_only.write_text("sku,name\n")
    done = run_cli(["import", str(header_only)], tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    assert "warning: The file has a header but no data rows: nothing was imported." in done.stderr


def test_sample_command_writes_the_requested_rows(tmp_path):
    done = run_cli(["sample", "--rows", "500", str(tmp_path / "s.csv")], tmp_path)
    assert done.returncode == 0 and "Wrote 500 rows" in done.stdout
    assert (tmp_path / "s.csv").read_bytes().count(b"\r\n") >= 501


def test_import_with_map_reads_the_named_columns_and_says_so(tmp_path, db_url, products):
    path = tmp_path / "erp.csv"
    path.write_text('Item No.;Title;Netto;Farbe\n4711;Kölnisch Wasser;"12,90";blau\n')
    refused = run_cli(["import", str(path)], tmp_path, db_url)
    assert refused.returncode == 1 and '--map sku="Item No."' in refused.stderr  # says how to map
    done = run_cli(["import", str(path), "--map", "sku=Item No.", "--map", "price=Netto"], tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    assert "Read as the columns chosen for this import: sku <- 'Item No.', name <- 'Title', price <- 'Netto'" in (
        done.stdout
    )
    assert "Ignored columns (not product fields): 'Farbe'" in done.stdout
    assert str(products()["4711"]["price"]) == "12.90"
    wrong = run_cli(["import", str(path), "--map", "colour=Farbe"], tmp_path, db_url)
    assert wrong.returncode == 2 and "Unknown product field colour" in wrong.stderr
    missing = run_cli(["import", str(path), "--profile", "nope"], tmp_path, db_url)
    assert missing.returncode == 2 and "there is no profile 'nope'" in missing.stderr


def test_import_with_a_saved_profile(tmp_path, db_url, products):
    profiles = tmp_path / "data" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "erp.json").write_text('{"columns": {"sku": "Item No.", "price": "Netto"}}')
    path = tmp_path / "erp.csv"
    path.write_text("Item No.,Title,Netto\n4711,Soap,2.50\n")
    done = run_cli(["import", str(path), "--profile", "erp", "--json"], tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["file_format"] == "profile 'erp'" and summary["columns_used"]["price"] == "Netto"


def test_undo_from_the_command_line(tmp_path, db_url):
    source = tmp_path / "p.csv"
    source.write_text("sku,name\nA,Alpha\nB,Beta\n")
    import_id = json.loads(run_cli(["import", str(source), "--json"], tmp_path, db_url).stdout)["import_id"]
    undone = run_cli(["undo", str(import_id), "--json"], tmp_path, db_url)
    assert undone.returncode == 0, undone.stderr
    summary = json.loads(undone.stdout)
    assert {k: summary[k] for k in ("restored", "deleted", "kept")} == {"restored": 0, "deleted": 2, "kept": 0}
    again = run_cli(["undo", str(import_id)], tmp_path, db_url)
    assert again.returncode == 1 and again.stderr.startswith("error: ") and "already undone" in again.stderr


def test_tokens_from_the_command_line(tmp_path, db_url):
    created = run_cli(["token", "create", "erp"], tmp_path, db_url)
    assert created.returncode == 0 and created.stdout.startswith("pi_") and "shown only now" in created.stderr
    listed = run_cli(["token", "list"], tmp_path, db_url).stdout
    assert listed.startswith("erp\tlive") and created.stdout.strip() not in listed
    assert run_cli(["token", "revoke", "erp"], tmp_path, db_url).returncode == 0
    assert run_cli(["token", "revoke", "erp"], tmp_path, db_url).returncode == 1

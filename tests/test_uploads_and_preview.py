"""Uploads from the app go through the landing folder; "Check only" changes nothing."""

import csv
import io
from pathlib import Path

import pytest

from pipelines.catalog import products as catalog
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.import_runs import get_import
from pipelines.importing.preview import CHANGES_HEADER, preview_file
from pipelines.importing.uploads import safe_name, submit_upload


def test_upload_lands_atomically_and_its_run_takes_over_the_queued_row(db_url, folders, run_job, products):
    import_id = submit_upload(db_url, folders.folders(), "../My Catalog.csv", io.BytesIO(b"sku,name\nA-1,Alpha\n"))
    queued = get_import(db_url, import_id)
    path = Path(queued["file_path"])
    assert queued["status"] == "queued" and queued["source"] == "upload"
    assert path == Path(folders.landing_dir) / f"{import_id}-My Catalog.csv" and path.exists()
    assert [p.name for p in Path(folders.landing_dir).iterdir()] == [path.name]  # no temporary left
    row = run_job(path)  # what the sensor starts for this file
    assert row["id"] == import_id and row["status"] == "succeeded" and row["source"] == "upload"
    assert Path(row["file_path"]).name == f"{import_id}-My Catalog.csv"  # no doubled prefix
    assert set(products()) == {"a-1"}


def test_safe_name_keeps_uploads_inside_the_landing_folder():
    assert safe_name("../../etc/passwd") == "passwd.csv"
    assert safe_name("a/b\\c:d.csv") == "b_c_d.csv"
    assert safe_name("") == "upload.csv"


def test_check_only_reports_what_would_change_and_changes_nothing(db_url, tmp_path, products):
    catalog.create_product(db_url, "A-1", "Alpha", "one")
    catalog.create_product(db_url, "B-2", "Beta", "two")
    before = products()
    path = tmp_path / "check.csv"
    path.write_text(
        "sku,name,description\na-1,Alpha,one\nB-2,Beta v2,two\nC-3,Gamma,three\n,Nameless,x\nc-3,Gamma,three\n"
    )
    result = preview_file(db_url, path)
    # a-1: only the casing differs -> update (casing is taken from the file).
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert (result.rows_total, result.rejected, result.duplicates_in_file) == (5, 1, 1)
    assert result.first_problems.rows() == [(5, "SKU is empty")]
    assert products() == before
    # What would change, row by row: the new product and the changed ones with their values before.
    assert [(r["line"], r["sku"]) for r in result.created_sample] == [(6, "c-3")]  # the last C-3 wins
    assert [(r["line"], r["sku_before"], r["sku"], r["name_before"], r["name"]) for r in result.updated_sample] == [
        (2, "A-1", "a-1", "Alpha", "Alpha"),
        (3, "B-2", "B-2", "Beta", "Beta v2"),
    ]
    with result.changes_path.open(newline="") as changes:
        lines = list(csv.reader(changes))
    assert lines[0] == list(CHANGES_HEADER) and [line[:2] for line in lines[1:]] == [
        ["2", "updated"],
        ["3", "updated"],
        ["6", "created"],
    ]
    assert "SKU is empty" in result.rejects_path.read_text()


def test_the_check_of_a_file_with_formulas_downloads_them_as_text(db_url, tmp_path):
    path = tmp_path / "check.csv"
    path.write_text('sku,name\nA-1,"=HYPERLINK(""http://x"")"\n')
    result = preview_file(db_url, path)
    [row] = list(csv.DictReader(result.changes_path.open(newline="")))
    assert (row["line"], row["change"], row["sku"], row["name"]) == ("2", "created", "A-1", '\'=HYPERLINK("http://x")')
    assert preview_file(db_url, path, keep_files=False).changes_path is None


def test_check_only_of_a_refused_file_says_why(db_url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name\nAlpha\n")
    with pytest.raises(FileRefused, match="no SKU column"):
        preview_file(db_url, path)

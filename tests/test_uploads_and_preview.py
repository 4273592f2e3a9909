"""Uploads from the app go through the landing folder; "Check only" changes nothing."""

import io
from pathlib import Path

import pytest

from pipelines.catalog import products as catalog
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.import_runs import get_import
from pipelines.importing.preview import preview_file
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


def test_check_only_of_a_refused_file_says_why(db_url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name\nAlpha\n")
    with pytest.raises(FileRefused, match="no SKU column"):
        preview_file(db_url, path)

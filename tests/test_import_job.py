"""The whole import_products job, in-process, against a real PostgreSQL."""

import csv
import json
from pathlib import Path

from conftest import REAL_FIXTURES

from pipelines.catalog.sku import normalize_sku
from pipelines.db import connection
from pipelines.importing.sample import write_sample


def events(db_url) -> list[dict]:
    with connection.connect(db_url) as conn:
        return conn.execute("SELECT type, payload, import_id FROM events ORDER BY id").fetchall()


def test_real_fixture_imports_with_last_row_winning(run_job, products, landing_file, folders, db_url):
    source = REAL_FIXTURES / "products_1000.csv"
    path = landing_file("products_1000.csv", source.read_bytes())
    row = run_job(path)
    assert row["status"] == "succeeded" and row["stage"] == "done" and row["percent"] == 100
    assert (row["rows_seen"], row["rows_rejected"], row["duplicates_in_file"]) == (1000, 0, 1)
    assert (row["created"], row["updated"], row["unchanged"]) == (999, 0, 0)
    catalog = products()
    assert len(catalog) == 999 and all(p["active"] for p in catalog.values())
    # involve-available appears twice: the later row's values win.
    with source.open(newline="", encoding="utf-8") as handle:
        last = [r for r in csv.DictReader(handle) if r["sku"] == "involve-available"][-1]
    product = catalog["involve-available"]
    assert (product["name"], product["description"]) == (last["name"].strip(), last["description"].strip())
    # The file moved to processed/, and upload.completed was recorded once.
    assert not path.exists()
    assert Path(row["file_path"]).parent == Path(folders.processed_dir) and Path(row["file_path"]).exists()
    [event] = events(db_url)
    assert event["type"] == "upload.completed" and event["import_id"] == row["id"]
    assert event["payload"]["created"] == 999 and event["payload"]["status"] == "succeeded"
    assert set(row["stage_seconds"]) >= {"validating", "deduplicating", "loading", "merging"}


def test_reimport_keeps_active_and_leaves_unchanged_rows_untouched(run_job, products, landing_file, db_url):
    first = "sku,name,description\nA-1,Alpha,one\nB-2,Beta,two\nC-3,Gamma,three\n"
    run_job(landing_file("first.csv", first))
    before = products()
    with connection.connect(db_url) as conn:
        conn.execute("UPDATE products SET active = false WHERE sku_key IN ('a-1', 'b-2')")
        conn.commit()
    second = "sku,name,description\na-1,Alpha,one\nB-2,Beta v2,two\nC-3,Gamma,three\nD-4,Delta,four\n"
    row = run_job(landing_file("second.csv", second))
    after = products()
    assert (row["created"], row["updated"], row["unchanged"]) == (1, 2, 1)
    # a-1: casing changed -> updated, still inactive; b-2: name changed, still inactive.
    assert after["a-1"]["sku"] == "a-1" and after["a-1"]["active"] is False
    assert after["b-2"]["name"] == "Beta v2" and after["b-2"]["active"] is False
    assert after["b-2"]["updated_at"] > before["b-2"]["updated_at"]
    # c-3 is unchanged: same row version, same updated_at.
    assert after["c-3"]["updated_at"] == before["c-3"]["updated_at"]
    assert after["d-4"]["active"] is True
    assert after["a-1"]["id"] == before["a-1"]["id"]


def test_unchanged_file_rewrites_no_row(run_job, landing_file, db_url):
    content = (REAL_FIXTURES / "products_100.csv").read_bytes()
    run_job(landing_file("a.csv", content))
    with connection.connect(db_url) as conn:
        versions = {r["id"]: r["xmin"] for r in conn.execute("SELECT id, xmin::text FROM products")}
    row = run_job(landing_file("b.csv", content))
    assert (row["created"], row["updated"], row["unchanged"]) == (0, 0, len(versions))
    with connection.connect(db_url) as conn:
        assert {r["id"]: r["xmin"] for r in conn.execute("SELECT id, xmin::text FROM products")} == versions


def test_generated_file_counts_match(run_job, tmp_path, products, landing_file):
    sample = write_sample(tmp_path / "sample.csv", 20_000, seed=7)
    import polars as pl

    from pipelines.importing.validation import validate_file

    expected_keys = validate_file(sample).valid["sku_key"].n_unique()
    row = run_job(landing_file("sample.csv", sample.read_bytes()))
    assert row["rows_seen"] == 20_000 and row["rows_rejected"] == 0
    assert row["duplicates_in_file"] == 20_000 - expected_keys > 1000  # ~7% repeats
    assert row["created"] == expected_keys == len(products())
    # Case-variant duplicates collapse onto one product whose SKU is the last spelling.
    frame = pl.read_csv(sample, infer_schema=False)
    last = frame.with_columns(key=pl.col("sku").str.to_lowercase()).unique("key", keep="last")
    catalog = products()
    assert all(catalog[normalize_sku(s)]["sku"] == s for s in last["sku"].head(2000))


def test_rejected_rows_are_reported_and_the_rest_imported(run_job, landing_file, products):
    row = run_job(landing_file("mixed.csv", "sku,name\nA-1,Alpha\n,NoSku\nB-2,\nC-3,Gamma\n"))
    assert row["status"] == "succeeded"
    assert (row["rows_seen"], row["rows_valid"], row["rows_rejected"], row["created"]) == (4, 2, 2, 2)
    with Path(row["rejects_path"]).open(newline="") as handle:
        rejects = [tuple(r) for r in csv.reader(handle)]
    assert rejects == [
        ("line", "reason", "sku", "name", "description", "price", "raw"),
        ("3", "SKU is empty", "", "NoSku", "", "", ",NoSku"),
        ("4", "name is empty", "B-2", "", "", "", "B-2,"),
    ]
    assert set(products()) == {"a-1", "c-3"}


def test_refused_file_changes_nothing_and_moves_to_failed(run_job, landing_file, products, folders, db_url):
    run_job(landing_file("good.csv", "sku,name\nA-1,Alpha\n"))
    before = products()
    path = landing_file("bad.csv", "name,description\nAlpha,no SKU column\n")
    row = run_job(path)
    assert row["status"] == "failed" and "no SKU column" in row["error"]
    assert products() == before
    assert not path.exists() and Path(row["file_path"]).parent == Path(folders.failed_dir)
    failed = [e for e in events(db_url) if e["type"] == "upload.failed"]
    assert len(failed) == 1 and failed[0]["payload"]["error"] == row["error"]


def test_failure_inside_the_merge_leaves_products_exactly_as_before(run_job, landing_file, products, db_url):
    run_job(landing_file("first.csv", "sku,name\nA-1,Alpha\nB-2,Beta\n"))
    before = products()
    # A real error raised by PostgreSQL in the middle of the merge statement.
    with connection.connect(db_url) as conn:
        conn.execute(
            """CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN IF NEW.sku_key = 'z-9' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
               CREATE TRIGGER boom BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION boom();"""
        )
        conn.commit()
    row = run_job(landing_file("second.csv", "sku,name\nA-1,Alpha v2\nC-3,Gamma\nZ-9,Zulu\n"))
    assert row["status"] == "failed" and "injected failure" in row["error"]
    assert products() == before
    with connection.connect(db_url) as conn:
        assert (
            conn.execute("SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE 'import_staging_%'").fetchone()["n"]
            == 0
        )
    assert [e["type"] for e in events(db_url)] == ["upload.completed", "upload.failed"]


def test_header_only_file_succeeds_with_zero_rows(run_job, landing_file, products):
    row = run_job(landing_file("empty.csv", "sku,name,description\r\n"))
    assert row["status"] == "succeeded" and row["rows_seen"] == 0 and row["created"] == 0
    assert products() == {}


def test_progress_and_timings_are_recorded(run_job, landing_file, tmp_path):
    sample = write_sample(tmp_path / "s.csv", 5000)
    row = run_job(landing_file("s.csv", sample.read_bytes()))
    assert row["rows_processed"] > 0 and row["started_at"] <= row["finished_at"]
    assert row["content_hash"] and len(row["content_hash"]) == 64 and row["file_size"] == sample.stat().st_size
    assert json.dumps(row["stage_seconds"])


def search_indexes(db_url) -> set[str]:
    with connection.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'products'::regclass AND i.indisvalid AND c.relname LIKE 'products%%trgm'"
        ).fetchall()
    return {r["relname"] for r in rows}


ALL_SEARCH_INDEXES = {"products_sku_trgm", "products_name_trgm", "products_description_trgm"}


def test_large_import_rebuilds_search_indexes_after_the_merge(run_job, tmp_path, landing_file, db_url):
    sample = write_sample(tmp_path / "big.csv", 25_000)
    row = run_job(landing_file("big.csv", sample.read_bytes()))
    assert row["status"] == "succeeded" and "indexing" in row["stage_seconds"]
    assert search_indexes(db_url) == ALL_SEARCH_INDEXES
    # The same file again changes nothing: no rebuild.
    row = run_job(landing_file("big.csv", sample.read_bytes()))
    assert row["unchanged"] == row["rows_valid"] - row["duplicates_in_file"] and "indexing" not in row["stage_seconds"]


def test_failed_large_merge_restores_search_indexes(run_job, tmp_path, landing_file, db_url, products):
    with connection.connect(db_url) as conn:
        conn.execute(
            """CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
               CREATE TRIGGER boom BEFORE INSERT ON products FOR EACH ROW EXECUTE FUNCTION boom();"""
        )
        conn.commit()
    sample = write_sample(tmp_path / "big.csv", 25_000)
    row = run_job(landing_file("big.csv", sample.read_bytes()))
    assert row["status"] == "failed" and "injected failure" in row["error"]
    assert products() == {} and search_indexes(db_url) == ALL_SEARCH_INDEXES


def test_an_import_whose_run_died_is_marked_failed_by_the_sensor(db_url, folders, landing_file, products):
    """Simulate a run process that died after claiming its import: the hook never ran."""
    import dagster as dg

    from pipelines.defs.resources import PostgresResource
    from pipelines.defs.run_status_sensors import import_run_failed
    from pipelines.importing.import_runs import create_import

    path = landing_file("orphan.csv", "sku,name\nA-1,Alpha\n")
    import_id = create_import(db_url, path.name, str(path), "folder")
    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(job_def=dg.GraphDefinition(name="import_products").to_job())
        instance.report_run_failed(run, "run worker process exited unexpectedly")
        failure = next(
            r.dagster_event for r in instance.all_logs(run.run_id) if r.dagster_event and r.dagster_event.is_run_failure
        )
        with connection.connect(db_url) as conn:
            conn.execute(
                "UPDATE imports SET status = 'running', dagster_run_id = %s WHERE id = %s", (run.run_id, import_id)
            )
            conn.commit()
        context = dg.build_run_status_sensor_context(
            sensor_name="import_run_failed",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run.run_id),
            resources={"postgres": PostgresResource(url=db_url), "folders": folders},
        )
        import_run_failed(context)
    with connection.connect(db_url) as conn:
        row = conn.execute("SELECT * FROM imports WHERE id = %s", (import_id,)).fetchone()
    assert row["status"] == "failed" and "exited unexpectedly" in row["error"]
    assert not path.exists() and Path(row["file_path"]).parent == Path(folders.failed_dir)
    assert [e["type"] for e in events(db_url)] == ["upload.failed"]
    assert products() == {}


def test_a_gzip_file_imports_like_the_plain_one(run_job, products, landing_file):
    import gzip

    path = landing_file("products_1000.csv.gz", gzip.compress((REAL_FIXTURES / "products_1000.csv").read_bytes()))
    row = run_job(path)
    assert row["status"] == "succeeded", row["error"]
    assert (row["rows_seen"], row["created"], row["duplicates_in_file"]) == (1000, 999, 1)
    assert len(products()) == 999

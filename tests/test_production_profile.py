"""The production profile: Dagster's runs and events stored in PostgreSQL."""

import shutil
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from conftest import REAL_FIXTURES, temporary_database, with_database

from pipelines.defs.resources import PostgresResource

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture
def dagster_storage_url(server_url):
    with temporary_database(server_url, "dagster") as name:
        yield with_database(server_url, name)


def test_import_with_the_production_instance_stores_runs_in_postgres(
    tmp_path, monkeypatch, db_url, folders, dagster_storage_url
):
    from pipelines.definitions import defs

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")  # the file as shipped
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", dagster_storage_url)
    monkeypatch.setenv("DAGSTER_MAX_CONCURRENT_RUNS", "4")
    path = Path(folders.landing_dir) / "p.csv"
    path.write_bytes((REAL_FIXTURES / "products_100.csv").read_bytes())
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert not instance.nux_enabled  # no newsletter pop-up in the UI
        result = defs.resolve_job_def("import_products").execute_in_process(
            run_config={"ops": {"validate": {"config": {"path": str(path)}}}},
            resources={"postgres": PostgresResource(url=db_url), "folders": folders, "io_manager": dg.mem_io_manager},
            instance=instance,
        )
    assert result.success
    with psycopg.connect(dagster_storage_url) as conn:
        run = conn.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", (result.run_id,)).fetchone()
        events = conn.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (result.run_id,)).fetchone()[0]
        steps = {
            r[0]
            for r in conn.execute(
                "SELECT step_key FROM event_logs WHERE run_id = %s AND dagster_event_type = 'STEP_SUCCESS'",
                (result.run_id,),
            )
        }
    assert run == ("import_products", "SUCCESS")
    assert events > 20
    assert steps == {"validate", "deduplicate", "stage", "merge", "reindex", "notify", "archive"}

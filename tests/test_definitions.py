"""The Dagster code location as `dagster dev` loads it from workspace.yaml."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_dagster_definitions_validate_passes():
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout


def test_the_code_location_has_the_job_and_both_sensors():
    from pipelines.definitions import defs

    job = defs.resolve_job_def("import_products")
    assert [node.name for node in job.nodes_in_topological_order] == [
        "validate",
        "deduplicate",
        "stage",
        "merge",
        "reindex",
        "notify",
        "archive",
    ]
    for name in ("landing_folder_sensor", "landing_bucket_sensor"):
        assert defs.resolve_sensor_def(name).job_name == "import_products"


def test_the_bucket_sensor_runs_by_default_only_where_a_bucket_is_configured(monkeypatch):
    import importlib

    import dagster as dg

    import pipelines.defs.bucket_sensor as module

    monkeypatch.delenv("LANDING_URL", raising=False)
    assert importlib.reload(module).landing_bucket_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    monkeypatch.setenv("LANDING_URL", "s3://bucket/landing/")
    assert importlib.reload(module).landing_bucket_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    monkeypatch.delenv("LANDING_URL")
    importlib.reload(module)

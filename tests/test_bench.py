"""The import benchmark runs end to end (tiny file, results to a temporary folder)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the benchmark end to end in its own processes.
pytestmark = [pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[1]


def test_import_benchmark_runs_and_reports_every_contender(server_url, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.import_speed",
            "--rows",
            "3000",
            "--repeat",
            "1",
            "--server",
            server_url,
            "--results",
            str(tmp_path),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (written,) = tmp_path.glob("import_speed_pg*.json")
    report = json.loads(written.read_text())
    results = report["results"]
    assert set(results) == {"fresh", "again", "changed", "bare_floor", "indexed_floor", "peer"}
    assert all(r["seconds"] > 0 and r["committed"] > 0 and r["peak_mb"] > 0 for r in results.values())
    # Committed comes before searchable; the bare floor has no search indexes to wait for.
    assert all(r["searchable"] >= r["committed"] for k, r in results.items() if k != "bare_floor")
    assert results["bare_floor"]["searchable"] is None
    assert {(t["run"], t["moment"]) for t in report["targets"]} >= {("fresh", "committed"), ("fresh", "searchable")}
    fresh, again, changed = results["fresh"]["counts"], results["again"]["counts"], results["changed"]["counts"]
    assert fresh["created"] > 2500 and fresh["updated"] == 0
    # The same file again writes nothing; the changed file updates 10% and adds 5%.
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, fresh["created"])
    assert changed["created"] == 150 and changed["updated"] > 0
    assert set(results["fresh"]["stages"]) >= {"validating", "deduplicating", "loading", "merging"}
    assert "product-importer, fresh" in done.stdout and "x b+idx" in done.stdout and "Targets" in done.stdout

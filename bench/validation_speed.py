"""The validation stage (read, check, write Parquet parts) against a baseline in the same run.

    uv run python -m bench.validation_speed --rows 500000 --rows 5000000 --baseline-rev b83e7e8

Each contender runs in its own process on the same generated file, in turns,
`--repeat` times; the medians and their ratios go to bench/results/.
Contenders: this checkout's `check_into`; the same stage of an earlier
commit (`--baseline-rev`, checked out in a temporary git worktree; the
block reader before the switch to Python's csv module); and Polars'
`read_csv` of the same file, the fastest plain parse, for scale (it is not a
contender: it stops at the first badly quoted row and cannot give line
numbers).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

STAGE = """
import json, resource, sys, tempfile, time
from pathlib import Path
from pipelines.importing.checked_rows import check_into
with tempfile.TemporaryDirectory() as work:
    started = time.perf_counter()
    summary = check_into(Path(sys.argv[1]), Path(work) / "rows", Path(work) / "rejects.csv")
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": summary.rows_total, "valid": summary.rows_valid,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
FLOOR = """
import json, resource, sys, time
import polars as pl
started = time.perf_counter()
frame = pl.read_csv(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started, "rows": frame.height, "valid": frame.height,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, path: Path, pythonpath: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"},
        cwd=pythonpath,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="file sizes (default 500,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-rev", default="b83e7e8", help="git revision whose validation stage is the baseline")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from pipelines.importing.sample import write_sample

    report = {"date": date.today().isoformat(), "baseline_rev": args.baseline_rev, "sizes": {}}
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(baseline), args.baseline_rev],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            for rows in args.rows or [500_000]:
                path = write_sample(Path(scratch) / f"sample_{rows}.csv", rows)
                runs: dict[str, list[dict]] = {"current": [], "baseline": [], "polars_read_csv": []}
                for _ in range(args.repeat):
                    runs["current"].append(run(STAGE, path, ROOT))
                    runs["baseline"].append(run(STAGE, path, baseline))
                    runs["polars_read_csv"].append(run(FLOOR, path, ROOT))
                medians = {
                    name: {
                        "seconds": round(statistics.median(r["seconds"] for r in results), 3),
                        "peak_mb": round(statistics.median(r["peak_mb"] for r in results)),
                        "rows": results[0]["rows"],
                        "valid": results[0]["valid"],
                    }
                    for name, results in runs.items()
                }
                medians["ratio_current_to_baseline"] = round(
                    medians["current"]["seconds"] / medians["baseline"]["seconds"], 3
                )
                report["sizes"][str(rows)] = medians
                print(f"{rows:,} rows: " + json.dumps(medians), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "validation_speed.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

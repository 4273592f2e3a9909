"""From a file dropped into the landing folder to its products committed, under `up`.

    uv run python -m bench.landing_latency [--small 5] [--large 3] [--large-rows 500000]

Starts `product-importer up` on the embedded default in a temporary data
folder, drops files into the landing folder (written under a hidden name,
then renamed into place, as a careful uploader does), and polls the imports
table every 50 ms for the moment the merge committed (status succeeded).
Reports the first 1,000-row drop right after `up` answers on its own, then
the median of each size and where the time went: until the run started
(sensor look + run launch) and from there to the commit. Every large
drop is a different file of new products (a real import, not an unchanged
re-import), and the next drop waits until the previous import is done,
search-index rebuild included, so drops never wait on each other; then a
random 3-8 s more, so that drops arrive at independent moments as they do
in use, not in step with the sensor's rhythm.
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from pipelines.db import embedded_db
from pipelines.importing.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise TimeoutError("up did not come up")


def drop_and_wait(url: str, landing: Path, source: Path, name: str) -> dict:
    hidden = landing / f".{name}.tmp"
    hidden.write_bytes(source.read_bytes())
    dropped = time.time()
    hidden.rename(landing / name)
    committed = None
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT status, extract(epoch FROM started_at) AS started, finished_at IS NOT NULL AS done "
                "FROM imports WHERE file_name = %s",
                (name,),
            ).fetchone()
            if row and row[0] in ("succeeded", "failed") and committed is None:
                committed = time.time()
            if row and (row[0] == "failed" or row[2]):
                break
            time.sleep(0.05)
    assert row[0] == "succeeded", f"{name} failed"
    return {
        "total": committed - dropped,
        "until_run_started": float(row[1]) - dropped,
        "run_to_commit": committed - float(row[1]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.landing_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=5, help="drops of a 1,000-row file")
    parser.add_argument("--large", type=int, default=3, help="drops of a large file")
    parser.add_argument("--large-rows", type=int, default=500_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DAGSTER_HOME")}
        dagster_port, app_port = free_port(), free_port()
        env.update(DATA_DIR=str(data), DAGSTER_PORT=str(dagster_port), APP_PORT=str(app_port))
        launched = time.monotonic()
        up = subprocess.Popen(
            [BIN / "product-importer", "up"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{dagster_port}/server_info", timeout=2).status == 200,
                180,
            )
            ready = time.monotonic() - launched
            url = embedded_db.running_url(data / "postgres")
            small = write_sample(Path(tmp) / "small.csv", 1000, seed=1)
            large = [write_sample(Path(tmp) / f"large-{i}.csv", args.large_rows, seed=2 + i) for i in range(args.large)]
            landing = data / "landing"
            # The first drop, the moment the Dagster UI answers, also waits for
            # the sensor's first tick and the run launcher's warm-up: reported
            # on its own ("first after up"), not in the medians.
            first = drop_and_wait(url, landing, small, "first.csv")
            print(f"  up answered in {ready:.1f} s; first 1,000-row drop to commit {first['total']:.2f} s", flush=True)
            results = {"small": [], "large": []}
            pause = random.Random(1).uniform
            for i in range(args.small):
                time.sleep(pause(3, 8))
                results["small"].append(drop_and_wait(url, landing, small, f"small-{i}.csv"))
                print(f"  1,000 rows: {results['small'][-1]['total']:.2f} s", flush=True)
            for i in range(args.large):
                time.sleep(pause(3, 8))
                results["large"].append(drop_and_wait(url, landing, large[i], f"large-{i}.csv"))
                print(f"  {args.large_rows:,} rows: {results['large'][-1]['total']:.2f} s", flush=True)
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(120)
    summary = {
        size: {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}
        for size, runs in results.items()
        if runs
    }
    summary["large_rows"] = args.large_rows
    summary["up_answered_seconds"] = round(ready, 1)
    summary["first_after_up"] = {key: round(value, 2) for key, value in first.items()}
    for size in ("small", "large"):
        if size in summary:
            s = summary[size]
            print(
                f"{size}: median {s['total']:.2f} s from drop to commit "
                f"({s['until_run_started']:.2f} s until the run started, {s['run_to_commit']:.2f} s run to commit)"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "landing_latency.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

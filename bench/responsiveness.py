"""Is the admin app still quick while a big import runs and a webhook receiver hangs?

    uv run python -m bench.responsiveness [--rows 5000000] [--seed-rows 100000] [--database-url URL]

On a fresh database holding --seed-rows products (one import), with a
webhook endpoint whose receiver never answers within its 10 s deadline and
a delivery worker running (`product-importer webhooks`, its own process):

1. idle: the app's own calls, repeated for --idle-seconds: the Products
   page as it opens (count + first page), a SKU filter (count + first page),
   a product edit (with its event), and the Import page's progress read;
2. loaded: the same calls, over and over, while an import of --rows rows
   runs in a process of its own (bench.contenders "importer"), until it ends.

Prints p50 and p99 per call, idle and loaded, and their ratio (same run,
same machine). Results: bench/results/responsiveness_pg<major>.json.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.import_speed import RESULTS, FreshDatabase, contender, server_version, write_server_results
from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.import_runs import recent_imports
from pipelines.importing.sample import write_sample
from pipelines.webhooks import endpoints


def hanging_receiver() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            time.sleep(60)  # far beyond the sender's 10 s deadline

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def calls(url: str, product_id: int) -> dict:
    everything, by_sku = catalog.ProductFilter(), catalog.ProductFilter(sku="a")
    counter = iter(range(10**9))

    def open_products():
        catalog.count_products(url, everything)
        catalog.page_after(url, everything, None, 50)

    def filter_sku():
        catalog.count_products(url, by_sku)
        catalog.page_after(url, by_sku, None, 50)

    def edit():
        catalog.update_product(url, product_id, "BENCH-EDIT", f"Edited {next(counter)}", "", True)

    def progress():
        recent_imports(url, 200)

    return {
        "open Products page": open_products,
        "filter by SKU": filter_sku,
        "edit a product": edit,
        "import history": progress,
    }


def timed_round(operations: dict, samples: dict) -> None:
    for name, operation in operations.items():
        started = time.perf_counter()
        operation()
        samples[name].append((time.perf_counter() - started) * 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.responsiveness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--seed-rows", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
    receiver = hanging_receiver()
    with tempfile.TemporaryDirectory() as tmp, FreshDatabase(server_url) as url:
        seed = write_sample(Path(tmp) / "seed.csv", args.seed_rows, seed=3)
        big = write_sample(Path(tmp) / "big.csv", args.rows, seed=4)
        print(f"{machine}; seeding {args.seed_rows:,} products, then importing {args.rows:,} rows", flush=True)
        contender("importer", seed, url)
        product_id = catalog.page_after(url, catalog.ProductFilter(), None, 1)[0]["id"]
        endpoints.create_endpoint(
            url, f"http://127.0.0.1:{receiver.server_port}/hook", ["product.updated", "upload.completed"]
        )
        env = {**os.environ, "DATABASE_URL": url, "WEBHOOK_ALLOW_PRIVATE": "1", "DATA_DIR": tmp}
        worker = subprocess.Popen(
            [sys.executable, "-m", "pipelines.local.cli", "webhooks"], env=env, stderr=subprocess.DEVNULL
        )
        try:
            operations = calls(url, product_id)
            idle = {name: [] for name in operations}
            until = time.monotonic() + args.idle_seconds
            while time.monotonic() < until:
                timed_round(operations, idle)
                time.sleep(0.05)
            loaded = {name: [] for name in operations}
            result: dict = {}
            importing = threading.Thread(target=lambda: result.update(contender("importer", big, url)))
            importing.start()
            while importing.is_alive():
                timed_round(operations, loaded)
                time.sleep(0.05)
            importing.join()
            with connection.connect(url) as conn:
                hanging = conn.execute("SELECT count(*) AS n FROM webhook_attempts WHERE NOT succeeded").fetchone()["n"]
        finally:
            worker.terminate()
            worker.wait(30)
    receiver.shutdown()
    summary = {}
    print(f"\nimport of {args.rows:,} rows: {result['seconds']:.1f} s; {hanging} webhook attempts timed out meanwhile")
    print(f"{'':22} {'idle p50':>9} {'idle p99':>9} {'load p50':>9} {'load p99':>9} {'p99 x':>6} {'n load':>7}")
    for name in operations:
        item = {
            "idle_p50_ms": round(statistics.median(idle[name]), 1),
            "idle_p99_ms": round(percentile(idle[name], 0.99), 1),
            "loaded_p50_ms": round(statistics.median(loaded[name]), 1),
            "loaded_p99_ms": round(percentile(loaded[name], 0.99), 1),
            "loaded_max_ms": round(max(loaded[name]), 1),
            "samples_idle": len(idle[name]),
            "samples_loaded": len(loaded[name]),
        }
        item["p99_ratio"] = round(item["loaded_p99_ms"] / max(item["idle_p99_ms"], 0.1), 1)
        summary[name] = item
        print(
            f"{name:22} {item['idle_p50_ms']:9.1f} {item['idle_p99_ms']:9.1f} {item['loaded_p50_ms']:9.1f} "
            f"{item['loaded_p99_ms']:9.1f} {item['p99_ratio']:6.1f} {item['samples_loaded']:7}"
        )
    figures = {
        "rows": args.rows,
        "seed_rows": args.seed_rows,
        "import_seconds": round(result["seconds"], 1),
        "import_stages": result["stages"],
        "webhook_attempts_timed_out": hanging,
        "calls": summary,
    }
    write_server_results(args.results, "responsiveness", server_url, machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

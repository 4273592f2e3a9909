"""How quick is the HTTP API at a million products, idle and while a big import runs?

    uv run python -m bench.api_latency [--products 1000000] [--rows 500000] [--database-url URL]

On a fresh database holding --products products (one import), the API runs
as its own process (`product-importer api`, uvicorn). Three GET /products
calls (the first page, a name filter, a page sorted by price) are timed
over HTTP, and beside each the same domain call made directly (the
baseline: what the HTTP layer adds is the ratio):

1. idle, for --idle-seconds;
2. loaded: while an import of --rows new rows runs in a process of its own.

Then GET /products/export of the whole catalog, streamed to /dev/null: its
seconds, megabytes and the API process's peak resident memory over its
memory before (sampled every 20 ms). Results: bench/results/api_latency_pg<major>.json.
"""

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from bench.import_speed import RESULTS, FreshDatabase, contender, server_version, write_server_results
from bench.responsiveness import percentile
from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.sample import write_sample

CALLS = {
    "first page": ({}, catalog.ProductFilter(), catalog.ProductOrder()),
    "name contains 'steel'": ({"name": "steel"}, catalog.ProductFilter(name="steel"), catalog.ProductOrder()),
    "sorted by price": ({"sort": "price"}, catalog.ProductFilter(), catalog.ProductOrder("price")),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api(url: str, data_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "API_PORT": str(port), "DATA_DIR": data_dir}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.local.cli", "api"], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API did not start")


def timed_round(client: httpx.Client, url: str, samples: dict) -> None:
    for name, (params, where, order) in CALLS.items():
        started = time.perf_counter()
        client.get("/products", params={**params, "limit": 50}).raise_for_status()
        samples[name]["http"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        catalog.page_after(url, where, None, 51, order)
        samples[name]["direct"].append((time.perf_counter() - started) * 1000)


def summary(samples: dict) -> dict:
    out = {}
    for name, kinds in samples.items():
        out[name] = {
            f"{kind}_{label}_ms": round(fn(values), 1)
            for kind, values in kinds.items()
            for label, fn in (("p50", statistics.median), ("p99", lambda v: percentile(v, 0.99)))
        } | {"samples": len(kinds["http"])}
        out[name]["p50_ratio"] = round(out[name]["http_p50_ms"] / max(out[name]["direct_p50_ms"], 0.1), 2)
    return out


def export_memory(base: str, api: psutil.Process) -> dict:
    before = api.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], api.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, size = time.perf_counter(), 0
    with httpx.stream("GET", f"{base}/products/export", timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            size += len(chunk)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "seconds": round(seconds, 1),
        "megabytes": round(size / 1e6, 1),
        "rss_before_mb": round(before / 1e6, 1),
        "rss_peak_mb": round(peak[0] / 1e6, 1),
        "rss_growth_mb": round((peak[0] - before) / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.api_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
    with tempfile.TemporaryDirectory() as tmp, FreshDatabase(server_url) as url:
        seed = write_sample(Path(tmp) / "seed.csv", args.products, seed=11)
        big = write_sample(Path(tmp) / "big.csv", args.rows, seed=12)
        print(f"{machine}; seeding {args.products:,} products, then importing {args.rows:,} rows", flush=True)
        contender("importer", seed, url)
        api, base = start_api(url, tmp)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                idle = {name: {"http": [], "direct": []} for name in CALLS}
                until = time.monotonic() + args.idle_seconds
                while time.monotonic() < until:
                    timed_round(client, url, idle)
                loaded = {name: {"http": [], "direct": []} for name in CALLS}
                result: dict = {}
                importing = threading.Thread(target=lambda: result.update(contender("importer", big, url)))
                importing.start()
                while importing.is_alive():
                    timed_round(client, url, loaded)
                    time.sleep(0.05)
                importing.join()
            with connection.connect(url) as conn:
                total = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
            exported = export_memory(base, psutil.Process(api.pid)) | {"products": total}
        finally:
            api.terminate()
            api.wait(30)
    figures = {
        "products": args.products,
        "import_rows": args.rows,
        "import_seconds": round(result["seconds"], 1),
        "idle": summary(idle),
        "during_import": summary(loaded),
        "export": exported,
    }
    print(f"\nGET /products at {args.products:,} products (HTTP vs the same call made directly), ms:")
    print(f"{'':24} {'idle p50':>9} {'idle p99':>9} {'x':>5} {'load p50':>9} {'load p99':>9} {'x':>5}")
    for name in CALLS:
        i, load = figures["idle"][name], figures["during_import"][name]
        print(
            f"{name:24} {i['http_p50_ms']:9.1f} {i['http_p99_ms']:9.1f} {i['p50_ratio']:5.2f} "
            f"{load['http_p50_ms']:9.1f} {load['http_p99_ms']:9.1f} {load['p50_ratio']:5.2f}"
        )
    print(
        f"export of {exported['products']:,} products: {exported['megabytes']} MB in {exported['seconds']} s, "
        f"API memory {exported['rss_before_mb']} -> peak {exported['rss_peak_mb']} MB"
    )
    write_server_results(args.results, "api_latency", server_url, machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

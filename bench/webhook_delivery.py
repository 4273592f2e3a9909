"""Webhook delivery throughput, and product edits while a receiver hangs.

    uv run python -m bench.webhook_delivery [--events 1000] [--edits 50] [--database-url URL]

1. Queues --events product.created events for one endpoint on a local HTTP
   receiver (threaded, answers 200 at once), starts a delivery worker, and
   measures deliveries per second until all are acknowledged.
2. Points a second endpoint at a receiver that takes 10 s to answer, keeps
   the worker busy with it, and times --edits product edits from the app's
   code path, next to the same edits with no worker running (the baseline,
   same run). Delivery happens outside the edit's transaction, so the two
   should match.
"""

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

from bench.import_speed import FreshDatabase
from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.settings import WebhookSettings
from pipelines.webhooks import endpoints
from pipelines.webhooks.worker import Worker

RESULTS = Path(__file__).resolve().parent / "results"


def receiver(delay: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do
        # Headers and body leave in two writes; with Nagle on, the body waits
        # for the client's delayed ACK (40 ms a request). Real servers avoid that.
        disable_nagle_algorithm = True

        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # clients hanging up at the end are expected
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class RunningWorker:
    def __init__(self, url: str):
        self.worker = Worker(url, WebhookSettings(allow_private=True, poll_seconds=0.05))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.worker.run(),), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.worker

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.worker.stopping.set)
        self.thread.join(60)


def succeeded(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'").fetchone()[0]


def edit_latencies(url: str, product_ids: list[int]) -> list[float]:
    timings = []
    for i, product_id in enumerate(product_ids):
        started = time.perf_counter()
        catalog.update_product(url, product_id, f"EDIT-{product_id}", f"Edited {i} {time.time()}", "", True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.webhook_delivery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)
    fast, slow = receiver(0.0), receiver(10.0)
    with FreshDatabase(server_url) as url:
        endpoints.create_endpoint(url, f"http://127.0.0.1:{fast.server_port}/hook", ["product.created"])
        products = [catalog.create_product(url, f"SKU-{i}", f"Product {i}") for i in range(args.events)]
        started = time.perf_counter()
        with RunningWorker(url):
            while succeeded(url) < args.events:
                time.sleep(0.02)
            seconds = time.perf_counter() - started
        rate = args.events / seconds
        print(f"{args.events:,} deliveries in {seconds:.2f} s: {rate:,.0f} per second", flush=True)

        ids = [p["id"] for p in products[: args.edits]]
        baseline = edit_latencies(url, ids)
        endpoints.create_endpoint(url, f"http://127.0.0.1:{slow.server_port}/hook", ["product.updated"])
        with RunningWorker(url):
            busy = edit_latencies(url, ids)  # each edit queues a delivery to the hanging receiver
            time.sleep(1)
            # Meanwhile the fast endpoint still gets its deliveries: the hanging
            # one holds only its own share of the worker's slots.
            catalog.create_product(url, "SKU-EXTRA", "Created while a receiver hangs")
            waited = time.perf_counter()
            while succeeded(url) < args.events + 1:
                time.sleep(0.02)
            other_endpoint_seconds = time.perf_counter() - waited
            with psycopg.connect(url) as conn:
                in_flight = conn.execute(
                    "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivering'"
                ).fetchone()[0]
    result = {
        "events": args.events,
        "deliveries_per_second": round(rate, 1),
        "edit_ms_median_baseline": round(statistics.median(baseline), 2),
        "edit_ms_median_with_hanging_receiver": round(statistics.median(busy), 2),
        "edit_ms_p95_baseline": round(sorted(baseline)[int(len(baseline) * 0.95) - 1], 2),
        "edit_ms_p95_with_hanging_receiver": round(sorted(busy)[int(len(busy) * 0.95) - 1], 2),
        "deliveries_hanging_meanwhile": in_flight,
        "other_endpoint_delivery_seconds_meanwhile": round(other_endpoint_seconds, 2),
    }
    print(
        f"product edit: median {result['edit_ms_median_baseline']} ms without a worker, "
        f"{result['edit_ms_median_with_hanging_receiver']} ms while {in_flight} deliveries hang on a 10 s receiver "
        f"(ratio {result['edit_ms_median_with_hanging_receiver'] / result['edit_ms_median_baseline']:.2f}); "
        f"another endpoint's delivery meanwhile took {other_endpoint_seconds:.2f} s"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "webhook_delivery.json").write_text(json.dumps(result, indent=2) + "\n")
    fast.shutdown()
    slow.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

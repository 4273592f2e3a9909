"""How fast the Products page answers with a million products.

    uv run python -m bench.product_queries [--rows 1000000] [--repeat 5] [--database-url URL]

Imports a generated file of --rows products into a fresh database (through
the import job, so the table has exactly the indexes it has in use), marks
every 20th product inactive, then times what the page runs for every
combination of the four filters: the count, the first page, a deep page
(keyset, 90% into the ids), the previous page and the last page. Times are
wall-clock round trips of the same functions the app calls, so they include
the database's planning and execution; the median of --repeat runs is shown.
"""

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.contenders import importer
from bench.import_speed import FreshDatabase
from pipelines.catalog.products import ProductFilter, count_products, page_after, page_before
from pipelines.db import connection
from pipelines.importing.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"
TERMS = {"sku": "able", "name": "smith", "description": "garden", "active": "inactive"}


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args)
    return (time.perf_counter() - started) * 1000, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.product_queries", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)

    with tempfile.TemporaryDirectory() as work, FreshDatabase(server_url) as url:
        path = write_sample(Path(work) / "products.csv", args.rows, duplicate_share=0.0)
        seconds = importer(url, path)["seconds"]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE products SET active = false WHERE id % 20 = 0")
            conn.execute("VACUUM ANALYZE products")
            total = conn.execute("SELECT count(*), max(id) FROM products").fetchone()
        print(f"{total[0]:,} products (imported in {seconds:.1f}s); timing {args.repeat} runs per query", flush=True)
        deep_id = int(total[1] * 0.9)

        results = []
        keys = list(TERMS)
        for size in range(len(keys) + 1):
            for combo in itertools.combinations(keys, size):
                where = ProductFilter(**{k: TERMS[k] for k in combo})
                timings: dict[str, list[float]] = {k: [] for k in ("count", "first", "deep", "previous", "last")}
                for _ in range(args.repeat):
                    ms, count = timed(count_products, url, where)
                    timings["count"].append(ms)
                    ms, _ = timed(page_after, url, where, 0, 50)
                    timings["first"].append(ms)
                    ms, _ = timed(page_after, url, where, deep_id, 50)
                    timings["deep"].append(ms)
                    ms, _ = timed(page_before, url, where, deep_id, 50)
                    timings["previous"].append(ms)
                    ms, _ = timed(page_before, url, where, None, 50)
                    timings["last"].append(ms)
                medians = {k: round(statistics.median(v), 1) for k, v in timings.items()}
                label = " + ".join(f"{k}={TERMS[k]!r}" for k in combo) or "no filter"
                results.append({"filter": label, "matches": count.label(), **medians})
                print(
                    f"{label:60} {count.label():>10}  " + "  ".join(f"{k} {v:6.1f}ms" for k, v in medians.items()),
                    flush=True,
                )

    worst = max(max(r[k] for k in ("count", "first", "deep", "previous", "last")) for r in results)
    print(f"\nslowest median: {worst:.1f} ms over {len(results)} filter combinations x 5 queries")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "product_queries.json").write_text(
        json.dumps({"rows": total[0], "repeat": args.repeat, "slowest_median_ms": worst, "results": results}, indent=2)
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

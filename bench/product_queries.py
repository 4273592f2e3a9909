"""How fast the Products page answers with a million products.

    uv run python -m bench.product_queries [--rows 1000000] [--repeat 5] [--server embedded|URL ...]

Imports a generated file of --rows products into a fresh database (through
the import job, so the table has exactly the indexes it has in use), marks
every 20th product inactive, then times what the page runs for every
combination of the four filters: the count, the first page, a deep page
(keyset, 90% into the ids), the previous page and the last page. Times are
wall-clock round trips of the same functions the app calls, so they include
the database's planning and execution; the median of --repeat runs is shown.
Then the search indexes are dropped, as a large import drops them before its
merge, and every combination runs once more: slower, and it must find the
same products (checked). Results per server: results/product_queries_pg<major>.json.
"""

import argparse
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.contenders import importer
from bench.import_speed import FreshDatabase, server, server_version, write_server_results
from pipelines import settings
from pipelines.catalog.products import ProductFilter, count_products, page_after, page_before
from pipelines.db.search_indexes import drop_search_indexes, ensure_search_indexes
from pipelines.importing.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"
TERMS = {"sku": "able", "name": "smith", "description": "garden", "active": "inactive"}


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args)
    return (time.perf_counter() - started) * 1000, value


def combinations():
    keys = list(TERMS)
    for size in range(len(keys) + 1):
        yield from itertools.combinations(keys, size)


def measure(url: str, repeat: int, deep_id: int) -> list[dict]:
    results = []
    for combo in combinations():
        where = ProductFilter(**{k: TERMS[k] for k in combo})
        timings: dict[str, list[float]] = {k: [] for k in ("count", "first", "deep", "previous", "last")}
        pages = None
        for _ in range(repeat):
            ms, count = timed(count_products, url, where)
            timings["count"].append(ms)
            ms, first = timed(page_after, url, where, 0, 50)
            timings["first"].append(ms)
            ms, deep = timed(page_after, url, where, deep_id, 50)
            timings["deep"].append(ms)
            ms, _ = timed(page_before, url, where, deep_id, 50)
            timings["previous"].append(ms)
            ms, last = timed(page_before, url, where, None, 50)
            timings["last"].append(ms)
            pages = [[p["id"] for p in rows] for rows in (first, deep, last)]
        medians = {k: round(statistics.median(v), 1) for k, v in timings.items()}
        label = " + ".join(f"{k}={TERMS[k]!r}" for k in combo) or "no filter"
        results.append({"filter": label, "matches": count.label(), **medians, "_pages": pages})
        print(
            f"{label:60} {count.label():>10}  " + "  ".join(f"{k} {v:6.1f}ms" for k, v in medians.items()),
            flush=True,
        )
    return results


def slowest(results: list[dict]) -> float:
    return max(max(r[k] for k in ("count", "first", "deep", "previous", "last")) for r in results)


def run_on(server_url: str, rows: int, repeat: int, results_dir: Path) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
    with tempfile.TemporaryDirectory() as work, FreshDatabase(server_url) as url:
        path = write_sample(Path(work) / "products.csv", rows, duplicate_share=0.0)
        seconds = importer(url, path)["seconds"]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE products SET active = false WHERE id % 20 = 0")
            conn.execute("VACUUM ANALYZE products")
            total = conn.execute("SELECT count(*), max(id) FROM products").fetchone()
        print(f"\n{machine}: {total[0]:,} products (imported in {seconds:.1f}s); {repeat} runs per query", flush=True)
        deep_id = int(total[1] * 0.9)
        indexed = measure(url, repeat, deep_id)
        print("\nwithout the search indexes (as during a large import's rebuild), once each:", flush=True)
        drop_search_indexes(url)
        unindexed = measure(url, 1, deep_id)
        ensure_search_indexes(url)
    same = all(
        a["_pages"] == b["_pages"] and a["matches"] == b["matches"] for a, b in zip(indexed, unindexed, strict=True)
    )
    for r in indexed + unindexed:
        r.pop("_pages")
    print(f"\nslowest median: {slowest(indexed):.1f} ms over {len(indexed)} filter combinations x 5 queries")
    print(f"without search indexes: slowest {slowest(unindexed):.1f} ms; same products found: {same}")
    write_server_results(
        results_dir,
        "product_queries",
        server_url,
        machine,
        {
            "rows": total[0],
            "repeat": repeat,
            "slowest_median_ms": slowest(indexed),
            "results": indexed,
            "without_search_indexes": {"slowest_ms": slowest(unindexed), "same_products": same, "results": unindexed},
        },
    )
    if not same:
        raise SystemExit("the filters found other products without their indexes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.product_queries", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server", action="append", help="`embedded` or a PostgreSQL URL; repeat for several")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for choice in args.server or [settings.database_url() or "embedded"]:
        run_on(server(choice), args.rows, args.repeat, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Import speed against the floor: a plain COPY + one INSERT ... ON CONFLICT.

    uv run python -m bench.import_speed [--rows 500000] [--repeat 3] [--database-url URL]

Every measurement runs on a fresh database on the same server, in the same
run, so the ratios hold even on a noisy machine. Each figure is the median of
--repeat runs. Results go to bench/results/import_speed.json.

* product-importer, fresh: the import_products job in-process, empty table.
* product-importer, same file again: nothing changed.
* floor: COPY of the raw file into a temporary table, then one INSERT ...
  SELECT DISTINCT ON (lower(sku)) ... ON CONFLICT DO UPDATE into the same
  products table (same indexes, including the trigram search indexes). No
  validation, no line numbers, no events.
* bare floor: the same into a table with only the primary key and the
  unique SKU key, which is what a loader without a search UI would write to.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import psycopg
from sqlalchemy.engine import make_url

from pipelines import database
from pipelines.import_runs import find_import_by_run
from pipelines.resources import FoldersResource, PostgresResource
from pipelines.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"

FLOOR_MERGE = """
INSERT INTO products AS p (sku, sku_key, name, description)
SELECT DISTINCT ON (lower(btrim(sku))) btrim(sku), lower(btrim(sku)), btrim(name), coalesce(btrim(description), '')
FROM raw
ORDER BY lower(btrim(sku))
ON CONFLICT (sku_key) DO UPDATE
    SET sku = excluded.sku, name = excluded.name, description = excluded.description, updated_at = now()
"""


BARE_TABLE = """
DROP INDEX products_sku_trgm, products_name_trgm, products_description_trgm, products_inactive
"""


class FreshDatabase:
    """A new, migrated database on the server; dropped on exit."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.name = f"pi_bench_{uuid.uuid4().hex[:10]}"
        self.url = make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        database.migrate(self.url)
        return self.url

    def __exit__(self, *exc) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def checkpoint(url: str) -> None:
    # Start each measurement without the previous one's dirty pages.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def run_job(url: str, path: Path, work: Path) -> tuple[float, dict]:
    from pipelines.definitions import defs

    folders = FoldersResource(
        landing_dir=str(work / "landing"), processed_dir=str(work / "processed"),
        failed_dir=str(work / "failed"), rejects_dir=str(work / "rejects"),
    )
    checkpoint(url)
    started = time.perf_counter()
    result = defs.resolve_job_def("import_products").execute_in_process(
        run_config={
            "ops": {"validate": {"config": {"path": str(path), "source": "cli"}}},
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
        resources={"postgres": PostgresResource(url=url), "folders": folders, "io_manager": dg.mem_io_manager},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=True,
    )
    seconds = time.perf_counter() - started
    return seconds, find_import_by_run(url, result.run_id)


def run_floor(url: str, path: Path, bare: bool = False) -> float:
    if bare:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(BARE_TABLE)
    checkpoint(url)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE raw (name text, sku text, description text)")
        with conn.cursor().copy("COPY raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        conn.execute(FLOOR_MERGE)
        conn.commit()
    return time.perf_counter() - started


def warm_up(server_url: str, path: Path) -> None:
    """Import once on a small file so module imports are not timed."""
    small = path.with_name("warm-up.csv")
    write_sample(small, 1000)
    with tempfile.TemporaryDirectory() as work, FreshDatabase(server_url) as url:
        run_job(url, small, Path(work))
        run_floor(url, small)


def measure(server_url: str, path: Path, repeat: int) -> dict:
    warm_up(server_url, path)
    fresh, again, floor, bare, stages = [], [], [], [], []
    for attempt in range(repeat):
        with tempfile.TemporaryDirectory() as work, FreshDatabase(server_url) as url:
            seconds, row = run_job(url, path, Path(work))
            fresh.append(seconds)
            stages.append(row["stage_seconds"])
            seconds, row = run_job(url, path, Path(work))
            again.append(seconds)
            assert row["created"] == 0 and row["updated"] == 0
        with FreshDatabase(server_url) as url:
            floor.append(run_floor(url, path))
        with FreshDatabase(server_url) as url:
            bare.append(run_floor(url, path, bare=True))
        print(
            f"  run {attempt + 1}/{repeat}: fresh {fresh[-1]:.2f}s, again {again[-1]:.2f}s, "
            f"floor {floor[-1]:.2f}s, bare floor {bare[-1]:.2f}s",
            flush=True,
        )
    stage_names = stages[0].keys()
    return {
        "fresh": statistics.median(fresh),
        "same_file_again": statistics.median(again),
        "floor": statistics.median(floor),
        "bare_floor": statistics.median(bare),
        "stages_fresh": {name: statistics.median(s[name] for s in stages) for name in stage_names},
        "samples": {"fresh": fresh, "same_file_again": again, "floor": floor, "bare_floor": bare},
    }


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.import_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="server to measure on (default: DATABASE_URL, else the embedded one)")
    args = parser.parse_args(argv)

    server_url = database.resolve_url(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_sample(Path(tmp) / "sample.csv", args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size_mb:.1f} MB, PostgreSQL {server_version(server_url)}, {os.cpu_count()} cores", flush=True)
        result = measure(server_url, path, args.repeat)

    rows = args.rows
    table = [
        ("product-importer, fresh", result["fresh"]),
        ("product-importer, same file again", result["same_file_again"]),
        ("floor: COPY + INSERT ... ON CONFLICT", result["floor"]),
        ("bare floor: same, key indexes only", result["bare_floor"]),
    ]
    print(f"\n{'':40} {'seconds':>8} {'rows/s':>10} {'x floor':>8} {'x bare':>8}")
    for label, seconds in table:
        print(
            f"{label:40} {seconds:8.2f} {rows / seconds:10,.0f} "
            f"{seconds / result['floor']:8.2f} {seconds / result['bare_floor']:8.2f}"
        )
    print("\nproduct-importer stages (fresh, median seconds): "
          + ", ".join(f"{k} {v:.2f}" for k, v in result["stages_fresh"].items()))

    RESULTS.mkdir(exist_ok=True)
    output = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "postgres": server_version(server_url),
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "repeat": args.repeat,
        **result,
        "ratio_fresh_to_floor": result["fresh"] / result["floor"],
        "ratio_fresh_to_bare_floor": result["fresh"] / result["bare_floor"],
        "ratio_again_to_fresh": result["same_file_again"] / result["fresh"],
    }
    (RESULTS / "import_speed.json").write_text(json.dumps(output, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'import_speed.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

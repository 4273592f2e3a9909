"""Import speed: product-importer against the floor and the peers, in one run.

    uv run --group bench python -m bench.import_speed [--rows 500000] [--repeat 3] [--big] [--no-peers]

On one generated file (`product-importer sample`), against one PostgreSQL
server, each measurement on a fresh database and in a process of its own
(so its peak memory is its own), each figure the median of --repeat runs:

1. product-importer, fresh: the import_products job in-process.
2. product-importer, the same file again (nothing changed).
3. product-importer, a file with 10% of the rows changed and 5% new.
4. floor: COPY of the file into a temporary table and one INSERT ... ON
   CONFLICT DO UPDATE (after DISTINCT ON, since one statement cannot touch a
   row twice) into the same products table, search indexes included.
5. bare floor: the same into a table with only the key indexes.
5b. indexed floor: the bare floor, then the search indexes built after it,
   so that it ends where an import ends.
6. dlt: a dlt pipeline to the same server, write_disposition="merge" on the
   normalized SKU, fed Arrow tables.
7. seed-style: SQLAlchemy ORM, batches of 1,000 rows: look up existing SKUs
   case-insensitively, update or add, commit per batch.

--big uses 5,000,000 rows (one run, product-importer and the two bare
floors only). Results: bench/results/import_speed[_big].json and .png.
"""

import argparse
import csv
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from pipelines.db import connection, migrations
from pipelines.importing.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"
LABELS = {
    "fresh": "product-importer, fresh",
    "again": "product-importer, same file again",
    "changed": "product-importer, 10% changed + 5% new",
    "floor": "floor: COPY + INSERT ON CONFLICT",
    "bare_floor": "bare floor (key indexes only)",
    "indexed_floor": "bare floor + search indexes built after",
    "dlt": "dlt, merge",
    "seed": "seed-style ORM, batches of 1,000",
}


class FreshDatabase:
    """A new, migrated database on the server; dropped on exit."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.name = f"pi_bench_{uuid.uuid4().hex[:10]}"
        self.url = make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        migrations.migrate(self.url)
        return self.url

    def __exit__(self, *exc) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def contender(name: str, path: Path, url: str) -> dict:
    """Run one contender in a process of its own; returns its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.contenders", name, str(path), url],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_changed(base: Path, target: Path, changed: float = 0.10, new: float = 0.05, seed: int = 7) -> Path:
    """The base file with `changed` of its rows' names altered and `new` rows added."""
    rng = random.Random(seed)
    with base.open(newline="", encoding="utf-8") as source, target.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(source), csv.writer(out, lineterminator="\r\n")
        writer.writerow(next(reader))
        count = 0
        for name, sku, description in reader:
            if rng.random() < changed:
                name = f"{name} (revised)"
            writer.writerow([name, sku, description])
            count += 1
        for i in range(int(count * new)):
            writer.writerow([f"New product {i}", f"new-sku-{i:07d}", "Added in the changed file."])
    return target


def measure(server_url: str, files: dict[str, Path], repeat: int, peers: bool, big: bool) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}

    def record(key: str, result: dict) -> None:
        runs.setdefault(key, []).append(result)

    for attempt in range(repeat):
        with FreshDatabase(server_url) as url:
            record("fresh", contender("importer", files["base"], url))
            if not big:
                record("again", contender("importer", files["base"], url))
                record("changed", contender("importer", files["changed"], url))
        floors = ["bare_floor", "indexed_floor"]
        names = floors if big else ["floor", *floors] + (["dlt", "seed"] if peers else [])
        for name in names:
            with FreshDatabase(server_url) as url:
                record(name, contender(name, files["base"], url))
        print(
            f"  run {attempt + 1}/{repeat}: " + ", ".join(f"{k} {v[-1]['seconds']:.2f}s" for k, v in runs.items()),
            flush=True,
        )
    return runs


def summarize(runs: dict[str, list[dict]], rows: int) -> dict:
    summary = {}
    for key, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        summary[key] = {
            "label": LABELS[key],
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds),
            "peak_mb": statistics.median(r["peak_mb"] for r in results),
            "samples": [round(r["seconds"], 3) for r in results],
        }
        if "counts" in results[0]:
            summary[key]["counts"] = results[0]["counts"]
        if "stages" in results[0]:
            names = results[0]["stages"].keys()
            summary[key]["stages"] = {
                n: round(statistics.median(r["stages"].get(n, 0) for r in results), 3) for n in names
            }
    for key in summary:
        for base in ("floor", "bare_floor", "indexed_floor"):
            if base in summary:
                summary[key][f"x_{base}"] = round(summary[key]["seconds"] / summary[base]["seconds"], 2)
    return summary


def chart(summary: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(summary)[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(keys) + 1.2))
    colors = ["#c0392b" if k in ("fresh", "again", "changed") else "#7f8c8d" for k in keys]
    bars = ax.barh([summary[k]["label"] for k in keys], [summary[k]["seconds"] for k in keys], color=colors)
    ax.bar_label(bars, labels=[f"{summary[k]['seconds']:.1f} s" for k in keys], padding=3)
    ax.set_xlabel("seconds (median; lower is better)")
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def write_server_results(results: Path, stem: str, server_url: str, machine: str, figures: dict) -> Path:
    """`figures` with the date and machine as results/<stem>_pg<major>.json (one file per server)."""
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"{stem}_pg{server_version(server_url).split('.')[0]}.json"
    body = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine, **figures}
    target.write_text(json.dumps(body, indent=2) + "\n")
    print(f"wrote {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.import_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--big", action="store_true", help="5,000,000 rows, one run, product-importer and the bare floor"
    )
    parser.add_argument("--no-peers", action="store_true", help="leave out dlt and the seed-style ORM")
    parser.add_argument("--database-url", help="server to measure on (default: DATABASE_URL, else the embedded one)")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help=f"where to write JSON and chart (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    rows, repeat = (5_000_000, 1) if args.big else (args.rows, args.repeat)
    # dlt and matplotlib come with `uv run --group bench`; without them the
    # peers and the chart are left out, and the run says so.
    peers = not args.no_peers and importlib.util.find_spec("dlt") is not None
    if not args.no_peers and not peers:
        print("dlt is not installed: peers left out (uv run --group bench python -m bench.import_speed)", flush=True)

    server_url = connection.resolve_url(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        base = write_sample(Path(tmp) / "sample.csv", rows)
        files = {"base": base}
        if not args.big:
            files["changed"] = write_changed(base, Path(tmp) / "changed.csv")
        size_mb = base.stat().st_size / 1e6
        machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
        print(f"{rows:,} rows, {size_mb:.1f} MB; {machine}", flush=True)
        summary = summarize(measure(server_url, files, repeat, peers, args.big), rows)

    print(f"\n{'':42} {'seconds':>8} {'rows/s':>9} {'x floor':>8} {'x bare':>7} {'x b+idx':>8} {'peak MB':>8}")
    for item in summary.values():
        print(
            f"{item['label']:42} {item['seconds']:8.2f} {item['rows_per_second']:9,} "
            f"{item.get('x_floor', float('nan')):8.2f} {item.get('x_bare_floor', float('nan')):7.2f} "
            f"{item.get('x_indexed_floor', float('nan')):8.2f} {item['peak_mb']:8.0f}"
        )
    stages = summary["fresh"]["stages"]
    print("\nproduct-importer, fresh, per stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))

    results = args.results
    results.mkdir(parents=True, exist_ok=True)
    name = "import_speed_big" if args.big else "import_speed"
    date = datetime.now(UTC).isoformat(timespec="seconds")
    (results / f"{name}.json").write_text(
        json.dumps(
            {
                "date": date,
                "machine": machine,
                "rows": rows,
                "file_mb": round(size_mb, 1),
                "repeat": repeat,
                "results": summary,
            },
            indent=2,
        )
        + "\n"
    )
    if importlib.util.find_spec("matplotlib"):
        chart(summary, results / f"{name}.png", f"{rows:,} products ({size_mb:.0f} MB), {machine}, {date[:10]}")
        print(f"\nwrote {results / name}.json and .png")
    else:
        print(f"\nwrote {results / name}.json (no chart: matplotlib is in the bench group)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

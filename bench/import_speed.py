"""Import speed: product-importer against the floors and a peer, in one run per server.

    uv run --group bench python -m bench.import_speed [--server embedded] [--server URL] \
        [--rows 500000] [--repeat 3] [--all] [--big]

On one generated file (`product-importer sample`), on each server named
(`--server embedded` for the embedded PostgreSQL 18, `--server URL` for any
other; repeat the flag to measure several in one command; the default is
DATABASE_URL, else the embedded one), each measurement on a fresh database
and in a process of its own (so its peak memory is its own), each figure
the median of --repeat runs. Two moments are timed from the start:
*committed* (the products, the import's outcome and its upload.completed
event visible, one transaction) and *searchable* (every search index
`migrate` creates present and valid again).

1. product-importer, fresh: the import_products job in-process.
2. product-importer, the same file again (nothing changed).
3. product-importer, a file with 10% of the rows changed and 5% new.
4. bare floor: COPY of the file into a temporary table and one INSERT ...
   ON CONFLICT DO UPDATE (after DISTINCT ON, since one statement cannot touch
   a row twice) into the products table with only its key indexes.
5. indexed floor: the bare floor, then the search indexes built after it
   (plain CREATE INDEX, one after another), so that it ends where an import
   ends.
6. peer: the strongest public build of this product (bench/contenders.py
   `peer`): dict de-duplication, COPY batches into UNLOGGED staging,
   chunked INSERT ... ON CONFLICT, trigram indexes on SKU and name rebuilt.

--all adds: the floor into the fully indexed table, dlt (merge on the
normalized SKU, Arrow input) and a seed-style ORM script. --big uses
5,000,000 rows (one run, product-importer and the two floors only).
Results per server: bench/results/import_speed[_big]_pg<major>.json and .png.
The targets (issue 13) are printed with each server's table.
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

from pipelines import settings
from pipelines.db import embedded_db, migrations
from pipelines.importing.sample import write_sample

RESULTS = Path(__file__).resolve().parent / "results"
LABELS = {
    "fresh": "product-importer, fresh",
    "again": "product-importer, same file again",
    "changed": "product-importer, 10% changed + 5% new",
    "bare_floor": "bare floor (key indexes only)",
    "indexed_floor": "bare floor + search indexes built after",
    "peer": "peer (SKU and name search only)",
    "floor": "floor: COPY + INSERT ON CONFLICT, indexed",
    "dlt": "dlt, merge",
    "seed": "seed-style ORM, batches of 1,000",
}
# Issue 13's targets: (run, moment, against the same moment of, at most).
TARGETS = (
    ("fresh", "committed", "bare_floor", 1.3),
    ("again", "committed", "bare_floor", 0.3),
    ("changed", "committed", "bare_floor", 0.6),
    ("fresh", "searchable", "indexed_floor", 1.1),
    ("fresh", "committed", "peer", 1.0),
    ("fresh", "searchable", "peer", 1.0),
)


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


def measure(server_url: str, files: dict[str, Path], repeat: int, every: bool, big: bool) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}

    def record(key: str, result: dict) -> None:
        runs.setdefault(key, []).append(result)

    for attempt in range(repeat):
        with FreshDatabase(server_url) as url:
            record("fresh", contender("importer", files["base"], url))
            if not big:
                record("again", contender("importer", files["base"], url))
                record("changed", contender("importer", files["changed"], url))
        names = ["bare_floor", "indexed_floor"]
        if not big:
            names += ["peer"] + (["floor", "dlt", "seed"] if every else [])
        for name in names:
            with FreshDatabase(server_url) as url:
                record(name, contender(name, files["base"], url))
        print(
            f"  run {attempt + 1}/{repeat}: "
            + ", ".join(f"{k} {v[-1]['committed']:.2f}/{v[-1]['seconds']:.2f}s" for k, v in runs.items()),
            flush=True,
        )
    return runs


def _median(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def summarize(runs: dict[str, list[dict]], rows: int) -> dict:
    summary = {}
    for key, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        summary[key] = {
            "label": LABELS[key],
            "seconds": round(seconds, 3),
            "committed": _median(results, "committed"),
            "searchable": _median(results, "searchable"),
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
    for item in summary.values():
        if bare := summary.get("bare_floor"):
            item["committed_x_bare_floor"] = _ratio(item["committed"], bare["committed"])
        if indexed := summary.get("indexed_floor"):
            item["searchable_x_indexed_floor"] = _ratio(item["searchable"], indexed["searchable"])
    return summary


def _ratio(value: float | None, base: float | None) -> float | None:
    return round(value / base, 2) if value is not None and base else None


def targets(summary: dict) -> list[dict]:
    """Issue 13's targets as met or missed in this run."""
    checked = []
    for run, moment, base, limit in TARGETS:
        if run in summary and base in summary:
            ratio = _ratio(summary[run][moment], summary[base][moment])
            if ratio is not None:
                met = ratio <= limit
                checked.append(
                    {"run": run, "moment": moment, "against": base, "ratio": ratio, "at_most": limit, "met": met}
                )
    return checked


def chart(summary: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(summary)[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(keys) + 1.6))
    positions = range(len(keys))
    committed = [summary[k]["committed"] or 0 for k in keys]
    searchable = [summary[k]["searchable"] or 0 for k in keys]
    ours = ["#c0392b" if k in ("fresh", "again", "changed") else "#7f8c8d" for k in keys]
    bars = ax.barh([p + 0.2 for p in positions], searchable, height=0.4, color=ours, alpha=0.45, label="searchable")
    ax.bar_label(bars, labels=[f"{v:.1f} s" if v else "no search" for v in searchable], padding=3, fontsize=8)
    bars = ax.barh([p - 0.2 for p in positions], committed, height=0.4, color=ours, label="committed")
    ax.bar_label(bars, labels=[f"{v:.1f} s" for v in committed], padding=3, fontsize=8)
    ax.set_yticks(list(positions), [summary[k]["label"] for k in keys])
    ax.set_xlabel("seconds from the start, median (lower is better)\ndark: committed; light: searchable again")
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def server(choice: str) -> str:
    """`embedded` (the embedded PostgreSQL 18 in DATA_DIR, started if needed) or a server URL."""
    return embedded_db.start(settings.data_dir() / "postgres") if choice == "embedded" else choice


def report(summary: dict) -> None:
    print(f"\n{'':44} {'committed':>9} {'x bare':>7} {'searchable':>10} {'x b+idx':>8} {'job s':>7} {'peak MB':>8}")

    def cell(value: float | None, width: int) -> str:
        return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"

    for item in summary.values():
        print(
            f"{item['label']:44} {cell(item['committed'], 9)} {cell(item.get('committed_x_bare_floor'), 7)} "
            f"{cell(item['searchable'], 10)} {cell(item.get('searchable_x_indexed_floor'), 8)} "
            f"{item['seconds']:7.2f} {item['peak_mb']:8.0f}"
        )
    stages = summary["fresh"]["stages"]
    print("\nproduct-importer, fresh, per stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    print("\nTargets (issue 13):")
    for t in targets(summary):
        print(
            f"  {'met   ' if t['met'] else 'MISSED'} {t['run']} {t['moment']}: {t['ratio']:.2f}x {t['against']} "
            f"(at most {t['at_most']}x)"
        )


def run_on(server_url: str, files: dict[str, Path], rows: int, repeat: int, every: bool, big: bool, out: Path) -> dict:
    size_mb = files["base"].stat().st_size / 1e6
    version = server_version(server_url)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {version.split()[0]}"
    print(f"\n{rows:,} rows, {size_mb:.1f} MB; {machine}", flush=True)
    summary = summarize(measure(server_url, files, repeat, every, big), rows)
    report(summary)
    figures = {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "repeat": repeat,
        "results": summary,
        "targets": targets(summary),
    }
    written = write_server_results(out, "import_speed_big" if big else "import_speed", server_url, machine, figures)
    if importlib.util.find_spec("matplotlib"):
        date = datetime.now(UTC).date().isoformat()
        chart(summary, written.with_suffix(".png"), f"{rows:,} products ({size_mb:.0f} MB), {machine}, {date}")
        print(f"wrote {written.with_suffix('.png')}")
    else:
        print("no chart: matplotlib is in the bench group")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.import_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--big", action="store_true", help="5,000,000 rows, one run, product-importer and the two floors"
    )
    parser.add_argument("--all", action="store_true", help="also the indexed-table floor, dlt and a seed-style ORM")
    parser.add_argument(
        "--server",
        action="append",
        help="`embedded` or a PostgreSQL URL; repeat to measure several (default: DATABASE_URL, else embedded)",
    )
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # the single-server spelling of --server
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help=f"where to write JSON and charts (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    rows, repeat = (5_000_000, 1) if args.big else (args.rows, args.repeat)
    # dlt and matplotlib come with `uv run --group bench`; without dlt --all
    # leaves it out and says so.
    every = args.all
    if every and importlib.util.find_spec("dlt") is None:
        print("dlt is not installed: --all needs the bench group (uv run --group bench ...)", flush=True)
        return 2
    choices = args.server or [args.database_url or settings.database_url() or "embedded"]
    with tempfile.TemporaryDirectory() as tmp:
        base = write_sample(Path(tmp) / "sample.csv", rows)
        files = {"base": base}
        if not args.big:
            files["changed"] = write_changed(base, Path(tmp) / "changed.csv")
        for choice in choices:
            run_on(server(choice), files, rows, repeat, every, args.big, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

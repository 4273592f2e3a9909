"""Excel import speed: the same products as .xlsx and as CSV, in one run.

    uv run python -m bench.excel_speed [--rows 500000] [--repeat 3] [--database-url URL]

One generated file (`product-importer sample`) is also written as an .xlsx
workbook (xlsxwriter); each import runs on a fresh database in a process of
its own (bench.contenders "importer"), and the figures are medians. The
ratio xlsx / csv says what reading a workbook costs: calamine has to unzip
and parse the sheet's XML and hold it whole, where CSV streams in blocks.
Results: bench/results/excel_speed_pg<major version>.json.
"""

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

import xlsxwriter

from bench.import_speed import RESULTS, FreshDatabase, contender, server_version, write_server_results
from pipelines.db import connection
from pipelines.importing.sample import write_sample


def write_workbook(source: Path, target: Path) -> Path:
    """The CSV's rows as the first sheet of a workbook, every cell as text."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Products")
    with source.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle)):
            sheet.write_row(number, 0, row)
    book.close()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.excel_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="server to measure on (default: DATABASE_URL, else the embedded one)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)
    runs: dict[str, list[dict]] = {"csv": [], "xlsx": []}
    with tempfile.TemporaryDirectory() as tmp:
        files = {"csv": write_sample(Path(tmp) / "sample.csv", args.rows)}
        files["xlsx"] = write_workbook(files["csv"], Path(tmp) / "sample.xlsx")
        sizes = {kind: round(path.stat().st_size / 1e6, 1) for kind, path in files.items()}
        machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
        print(f"{args.rows:,} rows; csv {sizes['csv']} MB, xlsx {sizes['xlsx']} MB; {machine}", flush=True)
        for attempt in range(args.repeat):
            for kind in ("csv", "xlsx"):  # alternating, so drift on a noisy machine hits both
                with FreshDatabase(server_url) as url:
                    runs[kind].append(contender("importer", files[kind], url))
            print(
                f"  run {attempt + 1}/{args.repeat}: "
                + ", ".join(f"{k} {v[-1]['seconds']:.2f}s" for k, v in runs.items()),
                flush=True,
            )
    summary = {}
    for kind, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        summary[kind] = {
            "seconds": round(seconds, 2),
            "validating_seconds": round(statistics.median(r["stages"]["validating"] for r in results), 2),
            "peak_mb": max(r["peak_mb"] for r in results),
            "rows_per_second": round(args.rows / seconds),
            "file_mb": sizes[kind],
        }
    ratio = round(summary["xlsx"]["seconds"] / summary["csv"]["seconds"], 2)
    print(f"\n{'':6} {'seconds':>8} {'validate s':>11} {'rows/s':>9} {'peak MB':>8}")
    for kind, item in summary.items():
        print(
            f"{kind:6} {item['seconds']:8.2f} {item['validating_seconds']:11.2f} "
            f"{item['rows_per_second']:9,} {item['peak_mb']:8.0f}"
        )
    print(f"\nxlsx / csv: {ratio}x")
    figures = {"rows": args.rows, "repeat": args.repeat, "results": summary, "xlsx_over_csv": ratio}
    write_server_results(args.results, "excel_speed", server_url, machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the undo journal costs an import, and how long an undo takes.

    uv run python -m bench.undo_speed [--rows 500000] [--repeat 2] [--database-url URL]

In each round, on two fresh databases, the same files are imported by the
same job, with the journal (as always) and without it (bench.contenders
"importer_without_journal", only here): a fresh file of --rows rows, then
the file with 10% of its rows changed and 5% new. Printed: the merge stage
(where the journal is written, in the merge's own statement) and the whole
import, with / without, per case. Then both imports are undone, newest
first, timed: the changed one (restores 10%, deletes 5%), then the fresh one
(deletes every product it created). Results: bench/results/undo_speed_pg<major>.json.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.import_speed import RESULTS, FreshDatabase, contender, server_version, write_changed, write_server_results
from pipelines.db import connection
from pipelines.importing.import_runs import recent_imports
from pipelines.importing.journal import undo_import
from pipelines.importing.sample import write_sample

COMMIT_STAGES = ("validating", "deduplicating", "loading", "merging")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.undo_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database-url")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    server_url = connection.resolve_url(args.database_url)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {server_version(server_url)}"
    seconds: dict[str, list[float]] = {}

    def record(key: str, value: float) -> None:
        seconds.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_sample(Path(tmp) / "fresh.csv", args.rows, seed=21)
        changed = write_changed(fresh, Path(tmp) / "changed.csv")
        print(f"{machine}; {args.rows:,} rows, {args.repeat} rounds", flush=True)
        for round_number in range(args.repeat):
            for variant in ("importer", "importer_without_journal"):
                with FreshDatabase(server_url) as url:
                    for case, path in (("fresh", fresh), ("changed", changed)):
                        result = contender(variant, path, url)
                        record(f"{case} {variant} import", result["seconds"])
                        record(f"{case} {variant} merge", result["stages"]["merging"])
                        # Committed: products, outcome and event in one transaction (the stages up to the merge).
                        record(f"{case} {variant} committed", sum(result["stages"][s] for s in COMMIT_STAGES))
                    if variant == "importer":
                        newest, oldest = (row["id"] for row in recent_imports(url, 2))
                        for case, import_id in (("changed", newest), ("fresh", oldest)):
                            started = time.perf_counter()
                            summary = undo_import(url, import_id)
                            record(f"undo {case}", time.perf_counter() - started)
                            print(
                                f"  undo {case}: {summary.restored:,} restored, {summary.deleted:,} deleted", flush=True
                            )
            print(f"round {round_number + 1} done", flush=True)
    median = {key: round(statistics.median(values), 2) for key, values in seconds.items()}
    figures = {"rows": args.rows, "repeat": args.repeat, "median_seconds": median, "ratios": {}}
    print(f"\n{'seconds, with journal / without':34} {'merge':>15} {'committed':>15} {'whole import':>15}")
    for case in ("fresh", "changed"):
        ratios, cells = {}, []
        for part in ("merge", "committed", "import"):
            with_it, without = median[f"{case} importer {part}"], median[f"{case} importer_without_journal {part}"]
            ratios[part] = round(with_it / without, 3)
            cells.append(f"{with_it:6.1f}/{without:5.1f} {ratios[part]:4.2f}x")
        figures["ratios"][case] = ratios
        print(f"{case:34} " + " ".join(f"{c:>15}" for c in cells))
    for case in ("changed", "fresh"):
        ratio = round(median[f"undo {case}"] / median[f"{case} importer import"], 2)
        figures["ratios"][f"undo {case}"] = ratio
        print(f"undo of the {case} import: {median[f'undo {case}']:.2f} s ({ratio} x its import)")
    write_server_results(args.results, "undo_speed", server_url, machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

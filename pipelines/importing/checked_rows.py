"""A file's checked rows on disk, in the import's work folder.

Validation goes block by block (see csv_records): each block's valid rows
are written to a Parquet file of their own and its rejected rows appended
to the rejects CSV, so only one block is in memory at a time. DuckDB then
reads the Parquet files out of core to find the row that wins for each SKU
(deduplication.py), and staging streams the winners to PostgreSQL.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.importing.csv_records import CHUNK_CHARS
from pipelines.importing.validation import RejectsFile, check_file

FIRST_PROBLEMS = 20
VALID_PATTERN = "valid-*.parquet"


@dataclass(frozen=True)
class CheckSummary:
    delimiter: str
    rows_total: int
    rows_valid: int
    rows_rejected: int
    rejects_path: Path | None
    first_problems: pl.DataFrame  # line, reason of the first FIRST_PROBLEMS rejected rows
    ignored_columns: list[str]  # header names not imported


def work_folder(work_root: Path, import_id: int) -> Path:
    return Path(work_root) / f"import-{import_id}"


def valid_parts(work: Path) -> list[Path]:
    """The Parquet files of valid rows, in file order."""
    return sorted(Path(work).glob(VALID_PATTERN))


def check_into(
    path: Path,
    work: Path,
    rejects_path: Path,
    on_progress: Callable[[int, int], None] = lambda rows, bytes_read: None,
    chunk_chars: int = CHUNK_CHARS,
) -> CheckSummary:
    """Validate `path` into `work` (emptied first) and `rejects_path`.

    Raises FileRefused for the file as a whole; then no rejects file is left.
    `on_progress` gets the rows and bytes read so far after each block.
    """
    remove_work(work)
    work.mkdir(parents=True)
    checked = check_file(path, chunk_chars)
    rejects = RejectsFile(rejects_path)
    rows_total = rows_valid = 0
    problems: list[pl.DataFrame] = []
    shown = 0
    try:
        for number, block in enumerate(checked.chunks):
            if block.valid.height:
                # LZ4: cheap to write and read back; the parts live minutes.
                block.valid.write_parquet(work / f"valid-{number:06d}.parquet", compression="lz4")
            rejects.add(block.rejects)
            if shown < FIRST_PROBLEMS and block.rejects.height:
                problems.append(block.rejects.select("line", "reason").head(FIRST_PROBLEMS - shown))
                shown += problems[-1].height
            rows_total += block.rows_total
            rows_valid += block.valid.height
            on_progress(rows_total, block.bytes_read)
    except BaseException:
        rejects.discard()
        raise
    return CheckSummary(
        delimiter=checked.delimiter,
        rows_total=rows_total,
        rows_valid=rows_valid,
        rows_rejected=rejects.rows,
        rejects_path=rejects.close(),
        first_problems=pl.concat(problems)
        if problems
        else pl.DataFrame(schema={"line": pl.UInt32, "reason": pl.String}),
        ignored_columns=checked.ignored_columns,
    )


def remove_work(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)

"""A file's checked rows on disk, in the import's work folder.

Validation goes block by block (see csv_records): each block's valid rows
are written to a Parquet file of their own and its rejected rows appended
to the rejects CSV, so only one block is in memory at a time. DuckDB then
reads the Parquet files out of core to find the row that wins for each SKU
(deduplication.py), and staging streams the winners to PostgreSQL.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.importing.columns import Mapping
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
    file_format: str = ""  # the platform or mapping applied (columns.Layout.described_as)
    columns_used: dict[str, str] = field(default_factory=dict)  # product field -> header name
    rows_skipped: int = 0  # not products by the format's rules
    skipped_reason: str = ""  # what those rows are

    @property
    def has_price(self) -> bool:
        """A file without a price column leaves prices as they are."""
        return "price" in self.columns_used


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
    mapping: Mapping | None = None,
) -> CheckSummary:
    """Validate `path` into `work` (emptied first) and `rejects_path`.

    Raises FileRefused for the file as a whole; then no rejects file is left.
    `on_progress` gets the rows and bytes read so far after each block.
    """
    remove_work(work)
    work.mkdir(parents=True)
    checked = check_file(path, chunk_chars, mapping)
    rejects = RejectsFile(rejects_path)
    rows_total = rows_valid = skipped = 0
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
            skipped += block.skipped
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
        file_format=checked.layout.described_as + (f", sheet '{checked.sheet}'" if checked.sheet else ""),
        columns_used=checked.layout.used(checked.header),
        rows_skipped=skipped,
        skipped_reason=checked.layout.products_are[1].others_are if checked.layout.products_are else "",
    )


def remove_work(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)

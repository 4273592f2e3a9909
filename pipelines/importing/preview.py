""" "Check only": what importing a file would do, without changing anything."""

import csv
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.db.connection import connect
from pipelines.db.sql_files import with_table
from pipelines.importing.checked_rows import check_into
from pipelines.importing.columns import Mapping
from pipelines.importing.deduplication import find_winners, unique_rows
from pipelines.importing.staging import copy_rows
from pipelines.importing.validation import spreadsheet_safe_text
from pipelines.settings import Folders

PREVIEW_TABLE = "import_preview"
SAMPLE_ROWS = 20
KEEP_CHECKS_SECONDS = 24 * 3600  # a check's files (its downloads) are removed after a day
CHANGES_HEADER = (
    "line",
    "change",
    "sku_before",
    "sku",
    "name_before",
    "name",
    "description_before",
    "description",
    "price_before",
    "price",
)


@dataclass(frozen=True)
class Preview:
    rows_total: int
    rejected: int
    duplicates_in_file: int
    created: int
    updated: int
    unchanged: int
    first_problems: pl.DataFrame  # line, reason
    ignored_columns: list[str]
    file_format: str = ""
    rows_skipped: int = 0
    skipped_reason: str = ""
    # The first SAMPLE_ROWS new and changed products (CHANGES_HEADER keys),
    # and every change and every rejected row as CSV files, kept for a day.
    created_sample: list[dict] = field(default_factory=list)
    updated_sample: list[dict] = field(default_factory=list)
    changes_path: Path | None = None
    rejects_path: Path | None = None


def preview_file(
    url: str, path: Path, problems: int = 20, mapping: Mapping | None = None, keep_files: bool = True
) -> Preview:
    """Validate, de-duplicate and compare with products; raises FileRefused.

    The same steps as an import, into a scratch work folder and a temporary
    table that vanish afterwards.
    """
    work_root = Folders.from_env().create().previews
    work_root.mkdir(exist_ok=True)
    _remove_old_checks(work_root)
    kept = Path(tempfile.mkdtemp(prefix="check-", dir=work_root))  # what the user may download
    with tempfile.TemporaryDirectory(prefix="rows-", dir=work_root) as scratch:
        scratch = Path(scratch)
        try:
            checked = check_into(path, scratch / "rows", kept / "rejects.csv", mapping=mapping)
        except BaseException:
            shutil.rmtree(kept, ignore_errors=True)
            raise
        deduplicated = find_winners(scratch / "rows")
        with connect(url) as conn, conn.transaction():
            conn.execute(with_table("staging/preview_create", staging=PREVIEW_TABLE))
            copy_rows(conn, PREVIEW_TABLE, unique_rows(scratch / "rows"))
            params = {"has_price": checked.has_price}
            every_row = with_table("staging/preview_changes", parts={"sample": ""}, staging=PREVIEW_TABLE)
            counts = conn.execute(every_row, params).fetchone()
            samples = _write_changes(conn, params, kept / "changes.csv")
    if not keep_files:
        shutil.rmtree(kept, ignore_errors=True)
    return Preview(
        rows_total=checked.rows_total,
        rejected=checked.rows_rejected,
        duplicates_in_file=deduplicated.duplicates,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        first_problems=checked.first_problems.head(problems),
        ignored_columns=checked.ignored_columns,
        file_format=checked.file_format,
        rows_skipped=checked.rows_skipped,
        skipped_reason=checked.skipped_reason,
        created_sample=samples["created"],
        updated_sample=samples["updated"],
        changes_path=kept / "changes.csv" if keep_files and (counts["created"] or counts["updated"]) else None,
        rejects_path=checked.rejects_path if keep_files else None,
    )


def _write_changes(conn, params: dict, target: Path) -> dict[str, list[dict]]:
    """Every change to `target` (CSV, safe to open in a spreadsheet), streamed;
    returns the first SAMPLE_ROWS of each kind."""
    samples: dict[str, list[dict]] = {"created": [], "updated": []}
    with target.open("w", newline="", encoding="utf-8") as out, conn.cursor(name="preview_changes") as rows:
        writer = csv.writer(out)
        writer.writerow(CHANGES_HEADER)
        rows.execute(with_table("staging/preview_changed_rows", staging=PREVIEW_TABLE), params)
        for row in rows:
            if len(kind := samples[row["change"]]) < SAMPLE_ROWS:
                kind.append(row)
            writer.writerow(
                [spreadsheet_safe_text(None if v is None else str(v)) for v in (row[c] for c in CHANGES_HEADER)]
            )
    return samples


def _remove_old_checks(root: Path) -> None:
    for folder in root.glob("check-*"):
        if time.time() - folder.stat().st_mtime > KEEP_CHECKS_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)

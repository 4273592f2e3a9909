""" "Check only": what importing a file would do, without changing anything."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.db.connection import connect
from pipelines.db.sql_files import with_table
from pipelines.importing.checked_rows import check_into
from pipelines.importing.columns import Mapping
from pipelines.importing.deduplication import find_winners, unique_rows
from pipelines.importing.staging import copy_rows
from pipelines.settings import Folders

PREVIEW_TABLE = "import_preview"


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


def preview_file(url: str, path: Path, problems: int = 20, mapping: Mapping | None = None) -> Preview:
    """Validate, de-duplicate and compare with products; raises FileRefused.

    The same steps as an import, into a scratch work folder and a temporary
    table that vanish afterwards.
    """
    work_root = Folders.from_env().create().previews
    work_root.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="check-", dir=work_root) as scratch:
        scratch = Path(scratch)
        checked = check_into(path, scratch / "rows", scratch / "rejects.csv", mapping=mapping)
        deduplicated = find_winners(scratch / "rows")
        with connect(url) as conn, conn.transaction():
            conn.execute(with_table("staging/preview_create", staging=PREVIEW_TABLE))
            copy_rows(conn, PREVIEW_TABLE, unique_rows(scratch / "rows"))
            counts = conn.execute(
                with_table("staging/preview_changes", staging=PREVIEW_TABLE), {"has_price": checked.has_price}
            ).fetchone()
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
    )

""""Check only": what importing a file would do, without changing anything."""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.database import connect
from pipelines.deduplication import dedupe
from pipelines.sql_files import with_table
from pipelines.staging import copy_rows
from pipelines.validation import validate_file

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


def preview_file(url: str, path: Path, problems: int = 20) -> Preview:
    """Validate, de-duplicate and compare with products; raises FileRefused."""
    checked = validate_file(path)
    unique = dedupe(checked.valid)
    with connect(url) as conn:
        with conn.transaction():
            conn.execute(with_table("preview_create", staging=PREVIEW_TABLE))
            copy_rows(conn, PREVIEW_TABLE, unique)
            counts = conn.execute(with_table("preview_changes", staging=PREVIEW_TABLE)).fetchone()
    return Preview(
        rows_total=checked.rows_total,
        rejected=checked.rejects.height,
        duplicates_in_file=checked.valid.height - unique.height,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        first_problems=checked.rejects.select("line", "reason").head(problems),
    )

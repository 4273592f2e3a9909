"""Validation of a products CSV: header mapping, row rules, rejects file.

Each block of the file gives two frames: the valid rows (line, sku, name,
description, sku_key) and the rejected ones (line, reason, sku, name,
description), both in file order. Nothing is dropped without a reason.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from pipelines.catalog.product_rules import FIELDS, REQUIRED, field_rules
from pipelines.catalog.sku import sku_key
from pipelines.importing.csv_records import CHUNK_BYTES, FileRefused, parse_file

COLUMNS = FIELDS

# Header spellings accepted for each column, compared after folding case,
# spaces, dashes and underscores (see _fold_header).
ALIASES = {
    "sku": {"sku", "product sku", "sku code", "item sku", "product code", "item code", "article number", "part number"},
    "name": {"name", "product name", "product", "title", "product title", "item name"},
    "description": {"description", "product description", "desc", "details", "long description"},
}
_ALIAS_TO_COLUMN = {alias: column for column, aliases in ALIASES.items() for alias in aliases}

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CheckedRows:
    rows_total: int
    valid: pl.DataFrame
    rejects: pl.DataFrame
    bytes_read: int = 0  # of the file, through this block


@dataclass(frozen=True)
class CheckedFile:
    delimiter: str
    chunks: Iterator[CheckedRows]  # one per block of the file, in file order


@dataclass(frozen=True)
class ValidatedFile:
    rows_total: int
    valid: pl.DataFrame
    rejects: pl.DataFrame
    delimiter: str


def _fold_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lstrip("\ufeff").lower()).strip()


def map_header(header: list[str]) -> dict[str, int]:
    """Column name -> field position; refuses headers without sku or name."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        column = _ALIAS_TO_COLUMN.get(_fold_header(raw))
        if column is None:
            continue  # unknown columns are ignored
        if column in positions:
            first = header[positions[column]]
            raise FileRefused(f"Columns '{first}' and '{raw}' both mean '{column}'; keep one of them.")
        positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        found = ", ".join(f"'{h}'" for h in header) or "nothing"
        raise FileRefused(
            f"The header row has no {' and no '.join(missing)} column (found {found}). "
            "The first line must name the columns: sku, name and optionally description."
        )
    return positions


def check_file(path: Path, chunk_bytes: int = CHUNK_BYTES) -> CheckedFile:
    """Read and check a CSV file block by block.

    Raises FileRefused for a file as a whole: at once for its header, while
    iterating for a bad byte further on.
    """
    parsed = parse_file(path, chunk_bytes)
    positions = map_header(parsed.header)
    width = len(parsed.header)
    return CheckedFile(
        parsed.delimiter,
        (replace(check_records(records, positions, width), bytes_read=done) for records, done in parsed.chunks),
    )


def validate_file(path: Path) -> ValidatedFile:
    """The whole file's valid and rejected rows at once (small files, tests)."""
    checked = check_file(path)
    parts = list(checked.chunks)
    return ValidatedFile(
        rows_total=sum(part.rows_total for part in parts),
        valid=pl.concat([part.valid for part in parts]),
        rejects=pl.concat([part.rejects for part in parts]),
        delimiter=checked.delimiter,
    )


def check_records(records: pl.DataFrame, positions: dict[str, int], width: int) -> CheckedRows:
    """Apply the row rules to parsed records (see csv_records.split_records)."""
    fields = pl.col("fields")
    values = {
        column: (
            fields.list.get(positions[column], null_on_oob=True).str.strip_chars()
            if column in positions
            else pl.lit("", dtype=pl.String)
        )
        for column in COLUMNS
    }
    rows = records.select(
        "line",
        "last_line",
        "well_quoted",
        n_fields=fields.list.len(),
        **values,
    )
    field_count = pl.col("n_fields")
    # (broken?, reason) in order of precedence: a row's reason is the first
    # rule it breaks. Rules are checked as cheap booleans on every row; the
    # reason text is only built for the rejected rows.
    rules = [
        (
            ~pl.col("well_quoted"),
            pl.lit("badly quoted field: a quote inside an unquoted value, or text after a closing quote"),
        ),
        (field_count != width, pl.format("expected {} fields, found {}", pl.lit(width), field_count)),
    ] + field_rules()
    rule = pl.coalesce(*(pl.when(broken).then(pl.lit(i, dtype=pl.UInt8)) for i, (broken, _) in enumerate(rules)))
    checked = rows.with_columns(rule=rule)
    reason = pl.lit(None, dtype=pl.String)
    for i, (_, message) in reversed(list(enumerate(rules))):
        reason = pl.when(pl.col("rule") == i).then(message).otherwise(reason)
    # A badly quoted record can swallow the lines after it; say which.
    reason = (
        pl.when(pl.col("last_line") > pl.col("line"))
        .then(pl.format("{} (record spans lines {}-{})", reason, pl.col("line"), pl.col("last_line")))
        .otherwise(reason)
    )
    rejects = checked.filter(pl.col("rule").is_not_null()).select(
        "line", reason=reason, sku=pl.col("sku"), name=pl.col("name"), description=pl.col("description")
    )
    valid = checked.filter(pl.col("rule").is_null()).select(
        "line",
        "sku",
        "name",
        pl.col("description").fill_null(""),
        sku_key=sku_key(pl.col("sku")),
    )
    return CheckedRows(rows_total=records.height, valid=valid, rejects=rejects)


def spreadsheet_safe(column: pl.Expr) -> pl.Expr:
    """Prefix cells a spreadsheet would run as a formula with an apostrophe."""
    starts = pl.any_horizontal(*(column.str.starts_with(s) for s in _FORMULA_START))
    return pl.when(starts).then(pl.lit("'") + column).otherwise(column)


class RejectsFile:
    """The rejects CSV (line, reason, sku, name, description), written block by block.

    It appears under its name only when closed with at least one row, so a
    reader never sees half of it and a file without rejects leaves none.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0
        self._temporary = self.path.with_name(f".{self.path.name}.tmp")
        self._handle = None

    def add(self, rejects: pl.DataFrame) -> None:
        if not rejects.height:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self._temporary.open("wb")
        safe = rejects.with_columns(
            spreadsheet_safe(pl.col(c)).alias(c) for c in ("reason", "sku", "name", "description")
        )
        safe.write_csv(self._handle, include_header=self.rows == 0)
        self.rows += rejects.height

    def close(self) -> Path | None:
        """Put the file in place; returns its path, or None without rejects."""
        if self._handle is None:
            return None
        self._handle.close()
        self._handle = None
        self._temporary.replace(self.path)
        return self.path

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._temporary.unlink(missing_ok=True)

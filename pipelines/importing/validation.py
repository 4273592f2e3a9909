"""Validation of a products CSV: header mapping, row rules, rejects file.

Each block of the file gives two frames: the valid rows (line, sku, name,
description, sku_key) and the rejected ones (line, reason, sku, name,
description, raw), both in file order; `raw` is the record exactly as it
stands in the file. Nothing is dropped without a reason.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from pipelines.catalog.product_rules import FIELDS, REQUIRED, field_rules, key_column
from pipelines.importing.csv_records import (
    CHUNK_CHARS,
    RAW_SHOWN_OF_TOO_LONG,
    FileRefused,
    RecordBlock,
    name_list,
    parse_file,
    shorten,
)

COLUMNS = FIELDS
REJECT_COLUMNS = ("line", "reason", "sku", "name", "description", "raw")

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
    ignored_columns: list[str] = field(default_factory=list)  # header names that are not imported


@dataclass(frozen=True)
class ValidatedFile:
    rows_total: int
    valid: pl.DataFrame
    rejects: pl.DataFrame
    delimiter: str
    ignored_columns: list[str] = field(default_factory=list)


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
            raise FileRefused(
                f"Columns '{shorten(first, 60)}' and '{shorten(raw, 60)}' both mean '{column}'; keep one of them."
            )
        positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise FileRefused(
            f"The header row has no {' and no '.join(missing)} column (found {name_list(header)}). "
            "The first line must name the columns: sku, name and optionally description."
        )
    return positions


def ignored_columns(header: list[str], positions: dict[str, int]) -> list[str]:
    used = set(positions.values())
    return [name for index, name in enumerate(header) if index not in used]


def check_file(path: Path, chunk_chars: int = CHUNK_CHARS) -> CheckedFile:
    """Read and check a CSV file block by block.

    Raises FileRefused for a file as a whole: at once for its header, while
    iterating for a bad byte further on.
    """
    parsed = parse_file(path, chunk_chars)
    positions = map_header(parsed.header)
    width = len(parsed.header)
    return CheckedFile(
        parsed.delimiter,
        (
            replace(check_records(block, positions, width), bytes_read=block.bytes_read)
            for block in parsed.blocks(sorted(positions.values()))
        ),
        ignored_columns(parsed.header, positions),
    )


def validate_file(path: Path) -> ValidatedFile:
    """The whole file's valid and rejected rows at once (small files, tests)."""
    checked = check_file(path)
    parts = list(checked.chunks) or [check_records(RecordBlock.empty(), {}, 0)]
    return ValidatedFile(
        rows_total=sum(part.rows_total for part in parts),
        valid=pl.concat([part.valid for part in parts]),
        rejects=pl.concat([part.rejects for part in parts]),
        delimiter=checked.delimiter,
        ignored_columns=checked.ignored_columns,
    )


def _with_raw(block: RecordBlock, rejects: pl.DataFrame, shown: int | None = None) -> pl.DataFrame:
    """Add each rejected record's text as it stands in the file (only rejected ones are looked up)."""
    raw = [
        block.raw(line, last)
        if shown is None
        else shorten(block.raw(line, min(last, block.first_line + len(block.lines) - 1)), shown)
        for line, last in zip(rejects["line"], rejects["last_line"], strict=True)
    ]
    return rejects.with_columns(raw=pl.Series(raw, dtype=pl.String)).drop("last_line")


def check_records(block: RecordBlock, positions: dict[str, int], width: int) -> CheckedRows:
    """Apply the row rules to a block of parsed records (see csv_records)."""
    records = block.records
    # Values are trimmed, and line breaks inside them (CRLF, lone CR) stored as LF.
    values = {
        column: (
            pl.col(f"f{positions[column]}").str.strip_chars().str.replace_all(r"\r\n?", "\n")
            if column in positions
            else pl.lit("", dtype=pl.String)
        )
        for column in COLUMNS
    }
    rows = records.select("line", "last_line", "n_fields", **values).with_columns(key_column())
    field_count = pl.col("n_fields")
    # (broken?, reason) in order of precedence: a row's reason is the first
    # rule it breaks. Rules are checked as cheap booleans on every row; the
    # reason text is only built for the rejected rows.
    rules = [(field_count != width, pl.format("expected {} fields, found {}", pl.lit(width), field_count))]
    rules += field_rules()
    rule = pl.coalesce(*(pl.when(broken).then(pl.lit(i, dtype=pl.UInt8)) for i, (broken, _) in enumerate(rules)))
    checked = rows.with_columns(rule=rule)
    reason = pl.lit(None, dtype=pl.String)
    for i, (_, message) in reversed(list(enumerate(rules))):
        reason = pl.when(pl.col("rule") == i).then(message).otherwise(reason)
    rejects = checked.filter(pl.col("rule").is_not_null()).select(
        "line", "last_line", reason=reason, sku=pl.col("sku"), name=pl.col("name"), description=pl.col("description")
    )
    rejects = _with_raw(block, rejects)
    if block.too_long.height:
        too_long = block.too_long.select(
            "line",
            "last_line",
            reason=pl.format(
                "record longer than MAX_RECORD_BYTES: {} characters on lines {}-{} (a quote that never closes?)",
                pl.col("length"),
                "line",
                "last_line",
            ),
            sku=pl.lit(None, dtype=pl.String),
            name=pl.lit(None, dtype=pl.String),
            description=pl.lit(None, dtype=pl.String),
        )
        rejects = pl.concat([rejects, _with_raw(block, too_long, RAW_SHOWN_OF_TOO_LONG)]).sort("line")
    valid = checked.filter(pl.col("rule").is_null()).select(
        "line",
        "sku",
        "name",
        pl.col("description").fill_null(""),
        "sku_key",
    )
    return CheckedRows(rows_total=records.height + block.too_long.height, valid=valid, rejects=rejects)


def spreadsheet_safe(column: pl.Expr) -> pl.Expr:
    """Prefix cells a spreadsheet would run as a formula with an apostrophe."""
    starts = pl.any_horizontal(*(column.str.starts_with(s) for s in _FORMULA_START))
    return pl.when(starts).then(pl.lit("'") + column).otherwise(column)


class RejectsFile:
    """The rejects CSV (line, reason, sku, name, description, raw), written block by block.

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
        safe = rejects.select(REJECT_COLUMNS).with_columns(
            spreadsheet_safe(pl.col(c)).alias(c) for c in REJECT_COLUMNS[1:]
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

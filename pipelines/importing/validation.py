"""Validation of a products file: its layout (columns.py), row rules, rejects file.

Each block of the file gives two frames: the valid rows (line, sku, name,
description, sku_key, price) and the rejected ones (line, reason, sku, name,
description, price, raw), both in file order; `raw` is the record exactly as
it stands in the file. Nothing is dropped without a reason: rows that are
not products by the format's rules (platforms.RowRule) are counted.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from pipelines.catalog.product_rules import FIELDS, field_rules, key_column, price_column
from pipelines.importing.columns import Layout, Mapping, resolve_layout
from pipelines.importing.csv_records import (
    CHUNK_CHARS,
    RAW_SHOWN_OF_TOO_LONG,
    ParsedFile,
    RecordBlock,
    parse_file,
    shorten,
)
from pipelines.importing.excel_records import ParsedSheet, SheetBlock, is_workbook, parse_workbook

COLUMNS = FIELDS
REJECT_COLUMNS = ("line", "reason", "sku", "name", "description", "price", "raw")

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CheckedRows:
    rows_total: int
    valid: pl.DataFrame
    rejects: pl.DataFrame
    bytes_read: int = 0  # of the file, through this block
    skipped: int = 0  # rows that are not products by the format's rules


@dataclass(frozen=True)
class CheckedFile:
    delimiter: str
    chunks: Iterator[CheckedRows]  # one per block of the file, in file order
    layout: Layout
    header: list[str]
    sheet: str = ""  # Excel: the sheet read

    @property
    def ignored_columns(self) -> list[str]:
        """Header names that are not imported."""
        return self.layout.ignored(self.header)


@dataclass(frozen=True)
class ValidatedFile:
    rows_total: int
    valid: pl.DataFrame
    rejects: pl.DataFrame
    delimiter: str
    ignored_columns: list[str] = field(default_factory=list)
    skipped: int = 0
    described_as: str = ""


class _Inheritance:
    """Fills empty fields from the first row of their group (platforms.Inherit),
    across blocks: the first rows seen so far are kept."""

    def __init__(self, fields: tuple[str, ...]):
        self.fields = fields
        self.firsts = pl.DataFrame(schema={"group": pl.String, **{f"first_{f}": pl.String for f in fields}})

    def apply(self, rows: pl.DataFrame) -> pl.DataFrame:
        group = pl.col("group")
        firsts = (
            rows.filter(group != "")
            .group_by("group", maintain_order=True)
            .agg(pl.col(f).filter(pl.col(f) != "").first().alias(f"first_{f}") for f in self.fields)
        )
        self.firsts = (
            pl.concat([self.firsts, firsts])
            .group_by("group", maintain_order=True)
            .agg(pl.col(f"first_{f}").drop_nulls().first() for f in self.fields)
        )
        filled = rows.join(self.firsts, on="group", how="left", maintain_order="left")
        return filled.with_columns(
            pl.when(pl.col(f) == "").then(pl.col(f"first_{f}").fill_null("")).otherwise(pl.col(f)).alias(f)
            for f in self.fields
        ).drop(f"first_{f}" for f in self.fields)


def parse_any(path: Path, chunk_chars: int = CHUNK_CHARS, sheet: str = "") -> ParsedFile | ParsedSheet:
    """A CSV file or an Excel workbook (known by its content), ready for its blocks."""
    if is_workbook(path):
        return parse_workbook(path, sheet)
    return parse_file(path, chunk_chars)


def check_file(path: Path, chunk_chars: int = CHUNK_CHARS, mapping: Mapping | None = None) -> CheckedFile:
    """Read and check a CSV file or a workbook block by block.

    Raises FileRefused for a file as a whole: at once for its header, while
    iterating for a bad byte further on.
    """
    mapping = mapping or Mapping()
    parsed = parse_any(path, chunk_chars, mapping.sheet)
    layout = resolve_layout(parsed.header, mapping)
    width = len(parsed.header)
    inheritance = _Inheritance(layout.inherit[1].fields) if layout.inherit else None
    return CheckedFile(
        parsed.delimiter,
        (
            replace(check_records(block, layout, width, inheritance), bytes_read=block.bytes_read)
            for block in parsed.blocks(layout.wanted())
        ),
        layout,
        parsed.header,
        getattr(parsed, "sheet", ""),
    )


def validate_file(path: Path, mapping: Mapping | None = None) -> ValidatedFile:
    """The whole file's valid and rejected rows at once (small files, tests)."""
    checked = check_file(path, mapping=mapping)
    parts = list(checked.chunks) or [check_records(RecordBlock.empty(), Layout("", {}), 0)]
    return ValidatedFile(
        rows_total=sum(part.rows_total for part in parts),
        valid=pl.concat([part.valid for part in parts]),
        rejects=pl.concat([part.rejects for part in parts]),
        delimiter=checked.delimiter,
        ignored_columns=checked.ignored_columns,
        skipped=sum(part.skipped for part in parts),
        described_as=checked.layout.described_as,
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


def _cell(position: int) -> pl.Expr:
    # Values are trimmed, and line breaks inside them (CRLF, lone CR) stored as LF.
    return pl.col(f"f{position}").str.strip_chars().str.replace_all(r"\r\n?", "\n")


def check_records(
    block: RecordBlock | SheetBlock, layout: Layout, width: int, inheritance: _Inheritance | None = None
) -> CheckedRows:
    """Apply the format's row rules, then the field rules, to a block of parsed records (see csv_records)."""
    positions = layout.positions
    values = {
        column: _cell(positions[column]) if column in positions else pl.lit("", dtype=pl.String) for column in COLUMNS
    }
    extra = {}
    if layout.products_are:
        position, rule = layout.products_are
        filled = _cell(position).fill_null("") != ""
        extra["is_product"] = filled if rule.filled else ~filled
    if inheritance:
        extra["group"] = _cell(layout.inherit[0]).fill_null("")
    rows = block.records.select("line", "last_line", "n_fields", **values, **extra)
    skipped = 0
    if layout.products_are:
        # A row of the table's width that the format says is no product is
        # counted, not rejected; a malformed row is still rejected.
        not_product = (pl.col("n_fields") == width) & ~pl.col("is_product")
        skipped = rows.select(not_product.sum()).item()
        rows = rows.filter(~not_product).drop("is_product")
    if inheritance:
        rows = inheritance.apply(rows.with_columns(pl.col(c).fill_null("") for c in inheritance.fields)).drop("group")
    rows = rows.with_columns(key_column(), price_column())
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
    rejects = checked.filter(pl.col("rule").is_not_null()).select("line", "last_line", reason.alias("reason"), *COLUMNS)
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
            **{column: pl.lit(None, dtype=pl.String) for column in COLUMNS},
        )
        rejects = pl.concat([rejects, _with_raw(block, too_long, RAW_SHOWN_OF_TOO_LONG)]).sort("line")
    valid = checked.filter(pl.col("rule").is_null()).select(
        "line",
        "sku",
        "name",
        pl.col("description").fill_null(""),
        "sku_key",
        price=pl.col("price_value"),
    )
    return CheckedRows(
        rows_total=block.records.height + block.too_long.height,
        valid=valid,
        rejects=rejects,
        skipped=skipped,
    )


def spreadsheet_safe(column: pl.Expr) -> pl.Expr:
    """Prefix cells a spreadsheet would run as a formula with an apostrophe."""
    starts = pl.any_horizontal(*(column.str.starts_with(s) for s in _FORMULA_START))
    return pl.when(starts).then(pl.lit("'") + column).otherwise(column)


def spreadsheet_safe_text(value: str | None) -> str | None:
    """spreadsheet_safe for one value, for files written row by row in Python."""
    return f"'{value}" if value and value.startswith(_FORMULA_START) else value


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


@dataclass(frozen=True)
class FilePeek:
    """A file's header and first rows, for choosing its columns by hand."""

    header: list[str]
    rows: list[list[str]]  # the first data rows, each cut or padded to the header's width
    sheets: list[str]  # a workbook's sheet names; empty for CSV
    sheet: str = ""


def peek_file(path: Path, rows: int = 5, sheet: str = "") -> FilePeek:
    """The header and up to `rows` data rows; raises FileRefused like an import would."""
    parsed = parse_any(path, sheet=sheet)
    width = len(parsed.header)
    blocks = parsed.blocks(list(range(width)))
    try:
        first = next(blocks, None)
    finally:
        blocks.close()
    sample = [] if first is None else first.records.head(rows).select(f"f{i}" for i in range(width)).rows()
    return FilePeek(
        header=parsed.header,
        rows=[[value or "" for value in row] for row in sample],
        sheets=getattr(parsed, "sheets", []),
        sheet=getattr(parsed, "sheet", ""),
    )

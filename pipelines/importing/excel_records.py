"""Excel workbooks (.xlsx) as records, in the same blocks as a CSV file.

Polars reads the sheet with the calamine engine (fastexcel, Rust), every
cell as text, into one frame; it is then handed on in blocks of BLOCK_ROWS
like a CSV file's (csv_records.RecordBlock), so validation, the rules and
the rejects file are the same. A record's "line" is its row number: the
header is row 1, counted from the first non-empty row of the sheet (calamine
skips empty rows above the table), so for a table that starts at A1 these
are the row numbers Excel shows. Empty rows are not records. A rejected
row's original text is its cells as one CSV line.

The whole sheet is in memory at once (the format cannot be streamed); its
uncompressed size is checked against MAX_FILE_BYTES before anything is read.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl

from pipelines.importing.csv_records import TOO_LONG_SCHEMA, FileRefused, name_list, shorten
from pipelines.settings import ReadLimits

ZIP_MAGIC = b"PK\x03\x04"
BLOCK_ROWS = 200_000
# A cell holding one of these is quoted when a row is shown as a CSV line.
_CSV_SPECIAL = r'[",\r\n]'


def is_workbook(path: Path) -> bool:
    """An .xlsx workbook is a zip archive; a CSV never starts like one."""
    with Path(path).open("rb") as probe:
        return probe.read(4) == ZIP_MAGIC


def _csv_cell(column: str) -> pl.Expr:
    cell = pl.col(column).fill_null("")
    quoted = pl.lit('"') + cell.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return pl.when(cell.str.contains(_CSV_SPECIAL)).then(quoted).otherwise(cell)


@dataclass(frozen=True)
class SheetBlock:
    """Rows of a sheet, shaped like csv_records.RecordBlock."""

    records: pl.DataFrame  # line, last_line, n_fields, f<position>
    cells: pl.DataFrame = field(repr=False)  # line and every cell of the header's width
    bytes_read: int = 0
    too_long: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TOO_LONG_SCHEMA))

    @property
    def first_line(self) -> int:
        return int(self.cells["line"][0]) if self.cells.height else 1

    @cached_property
    def _raw_by_line(self) -> dict[int, str]:
        cells = [c for c in self.cells.columns if c != "line"]
        text = self.cells.select("line", raw=pl.concat_str([_csv_cell(c) for c in cells], separator=","))
        return dict(text.iter_rows())

    def raw(self, line: int, last_line: int) -> str:
        return self._raw_by_line.get(line, "")


@dataclass
class ParsedSheet:
    header: list[str]
    sheet: str
    sheets: list[str]  # every sheet of the workbook
    _cells: pl.DataFrame = field(repr=False)  # line, c0..c<width-1>
    _size: int = 0
    delimiter: str = ""  # a workbook has none

    def blocks(self, positions: list[int]) -> Iterator[SheetBlock]:
        total = max(self._cells.height, 1)
        for offset in range(0, self._cells.height, BLOCK_ROWS):
            cells = self._cells.slice(offset, BLOCK_ROWS)
            width = len(self.header)
            records = cells.select(
                pl.col("line"),
                last_line=pl.col("line"),
                n_fields=pl.lit(width, dtype=pl.UInt32),
                **{f"f{p}": pl.col(f"c{p}") for p in positions},
            )
            done = min(offset + BLOCK_ROWS, self._cells.height)
            yield SheetBlock(records=records, cells=cells, bytes_read=round(self._size * done / total))


def _check_size(path: Path, limits: ReadLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        message = f"The file looks like an Excel workbook but is not a readable .xlsx file ({error})."
        raise FileRefused(message) from None
    if expanded > limits.max_file_bytes:
        raise FileRefused(
            f"The workbook is larger than {limits.max_file_bytes:,} bytes (MAX_FILE_BYTES) uncompressed; "
            "split it or raise the limit."
        )


def parse_workbook(path: Path, sheet: str = "", limits: ReadLimits | None = None) -> ParsedSheet:
    """Read a sheet (by name, or the first) of an .xlsx workbook; raises FileRefused."""
    import fastexcel  # only workbooks need it

    path = Path(path)
    limits = limits or ReadLimits.from_env()
    _check_size(path, limits)
    try:
        names = fastexcel.read_excel(str(path)).sheet_names
    except Exception as error:  # fastexcel has no common error base for a broken workbook
        raise FileRefused(f"This is not a readable .xlsx workbook ({shorten(str(error), 200)}).") from None
    if sheet and sheet not in names:
        raise FileRefused(f"The workbook has no sheet '{shorten(sheet, 60)}' (its sheets: {name_list(names)}).")
    chosen = sheet or (names[0] if names else "")
    if not chosen:
        raise FileRefused("The workbook has no sheets.")
    try:
        frame = pl.read_excel(
            path,
            sheet_name=chosen,
            engine="calamine",
            has_header=False,
            infer_schema_length=0,  # every cell as text: SKU 00123 stays 00123
            drop_empty_rows=False,  # kept for the row numbers, dropped below
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as error:
        message = f"Cannot read sheet '{shorten(chosen, 60)}' of the workbook ({shorten(str(error))})."
        raise FileRefused(message) from None
    if frame.height == 0:
        raise FileRefused(f"Sheet '{shorten(chosen, 60)}' is empty: it needs a header row and data rows.")
    header_cells = [(value or "").strip() for value in frame.row(0)]
    width = max((i + 1 for i, name in enumerate(header_cells) if name), default=0)
    if not width:
        raise FileRefused(f"Sheet '{shorten(chosen, 60)}' has no header row: its first row is empty.")
    # Cells right of the last named column are stray: not part of the table.
    frame = frame.select(frame.columns[:width]).rename({old: f"c{i}" for i, old in enumerate(frame.columns[:width])})
    cells = frame.with_row_index("line", offset=1).slice(1)
    cells = cells.filter(pl.any_horizontal(pl.all().exclude("line").is_not_null()))
    cells = cells.with_columns(pl.col("line").cast(pl.UInt32))
    return ParsedSheet(header=header_cells[:width], sheet=chosen, sheets=names, _cells=cells, _size=path.stat().st_size)

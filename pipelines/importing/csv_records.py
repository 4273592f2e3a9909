"""Splits a CSV file into records and fields with Polars expressions.

Why not `pl.read_csv`: it stops the whole file at the first badly quoted
field and cannot say on which physical line a record starts. Users need each
bad row reported with its line number while the good rows still import, so
the file is read as lines and the CSV structure is rebuilt column-wise:

* a line whose preceding quote count is even starts a new record (RFC 4180:
  line breaks inside quotes belong to the field), which gives every record
  the physical line it starts on;
* records without quotes are split on the delimiter; records with quotes are
  tokenized with one regular expression and un-escaped (`""` -> `"`). A
  record whose tokens do not cover it exactly is badly quoted.

Everything runs inside Polars (Rust); there is no Python loop over rows.
Line ends inside quoted values come back as `\\n`.

A gzip-compressed file (.csv.gz) is decompressed as it is read.
The file is read in blocks of about CHUNK_BYTES that end where a record
ends (after a line with an even number of quotes so far), so memory stays
bounded by the block, not the file: a 5,000,000-row file is never held whole.
"""

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

DELIMITERS = (",", ";", "\t")
# Parsing a block takes many times its size in memory. Measured on a
# 5,000,000-row file: 8 MB blocks 15.7 s / 341 MB peak, 16 MB 14.2 s / 513 MB,
# 64 MB 14.5 s / 1,289 MB.
CHUNK_BYTES = 16 << 20
GZIP_MAGIC = b"\x1f\x8b"


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message is for the user."""


@dataclass(frozen=True)
class ParsedFile:
    header: list[str]
    delimiter: str
    # One (records, bytes of the stored file read so far) per block; records has the
    # columns line, last_line, fields, well_quoted (non-blank records only).
    chunks: Iterator[tuple[pl.DataFrame, int]]


def _decode_check(path: Path) -> None:
    """Raise FileRefused naming the line of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    with open_file(path) as handle:
        while chunk := _read(handle, 1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                position = offset + error.start - len(decoder.getstate()[0])
                newlines += chunk[: max(error.start, 0)].count(b"\n")
                bad = chunk[error.start : error.start + 1].hex().upper()
                raise FileRefused(
                    f"The file is not UTF-8: byte 0x{bad} at line {newlines + 1} (offset {position}) "
                    "is not valid UTF-8. Save it as UTF-8 (in Excel: 'CSV UTF-8') and import it again."
                ) from None
            newlines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(
                "The file is not UTF-8: it ends in the middle of a character. Save it as UTF-8 and import it again."
            ) from None


def open_file(path: Path) -> BinaryIO:
    """The file's bytes; gzip-compressed files (.csv.gz) are decompressed as read."""
    with Path(path).open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else Path(path).open("rb")


def _read(handle: BinaryIO, size: int = -1) -> bytes:
    try:
        return handle.read(size)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise FileRefused(f"The file is not valid gzip ({error}). Compress it again or send it uncompressed.") from None


def _position(handle: BinaryIO) -> int:
    """How far into the file as stored (compressed, for gzip) reading has got."""
    return getattr(handle, "fileobj", handle).tell()


def _open_utf8(path: Path) -> BinaryIO:
    """The file as UTF-8 bytes.

    Encoding rule: UTF-8, with or without a byte-order mark. UTF-16 with a
    byte-order mark (Excel's "Unicode text") is converted to UTF-8 (in memory:
    such files come from spreadsheets and are small). Anything else is refused
    with the line of the first invalid byte, never guessed.
    """
    handle = open_file(path)
    if _read(handle, 2) not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        handle.seek(0)
        return handle
    with handle:
        handle.seek(0)
        data = _read(handle)
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        raise FileRefused("The file starts like UTF-16 but is not valid UTF-16.") from None
    return io.BytesIO(text.encode("utf-8"))


def _last_record_end(data: bytes) -> int | None:
    """Offset just after the last line end at which no quoted value is open."""
    quotes = data.count(b'"')
    end = len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return None


def record_blocks(handle: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The file in blocks of whole records of about `chunk_bytes` each.

    A record that is still open at the end of a block (a multi-line quoted
    value) moves to the next block, so every block starts a record.
    """
    pending = b""
    while block := _read(handle, chunk_bytes):
        data = pending + block
        end = _last_record_end(data)
        if end is None:  # one record longer than the block: read on
            pending = data
            continue
        yield data[:end]
        pending = data[end:]
    if pending:
        yield pending


def _lines(block: bytes, path: Path) -> pl.Series:
    """A block's physical lines as text, without line ends."""
    try:
        lines = pl.read_lines(block)["line"]
    except pl.exceptions.ComputeError as error:
        if "utf8" in str(error).lower() or "utf-8" in str(error).lower():
            _decode_check(path)
        raise
    # A line ending in CR (CRLF files, or mixed endings) loses it.
    return lines.str.strip_suffix("\r")


def detect_delimiter(header_line: str) -> str:
    """The delimiter that occurs most often outside quotes in the header."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _field_pattern(delimiter: str) -> str:
    d = re.escape(delimiter)
    # one field, preceded by the delimiter: a quoted field with "" escapes, or
    # an unquoted run without delimiter or quote
    return f'{d}(?:"[^"]*(?:""[^"]*)*"|[^{d}"]*)'


def split_records(lines: pl.Series, delimiter: str, first_line: int = 1) -> pl.DataFrame:
    """Group physical lines into records and split each into fields.

    Returns columns: record (0-based), line and last_line (physical lines
    the record spans, counted from `first_line`), fields, well_quoted.
    Blank records are dropped (their lines still count).
    """
    line = pl.col("text")
    quotes = line.str.count_matches('"', literal=True)
    frame = (
        lines.rename("text")
        .to_frame()
        .with_row_index("line", offset=first_line)
        .with_columns(quotes=quotes)
        .with_columns(record=((pl.col("quotes").cum_sum() - pl.col("quotes")) % 2 == 0).cum_sum() - 1)
    )
    record = pl.col("record")
    alone = (record != record.shift(-1).fill_null(-1)) & (record != record.shift(1).fill_null(-1))
    frame = frame.with_columns(alone=alone)
    # Most records are one line; only multi-line ones pay for a group_by that
    # joins their lines. Tokenizing is the costly part: the multi-line records
    # and slices of the one-line records are processed on all cores at once
    # (polars.collect_all runs the lazy frames in parallel).
    single = frame.filter(pl.col("alone") & (line != "")).select(
        "record", "line", last_line="line", text="text", quotes="quotes"
    )
    multi = (
        frame.lazy()
        .filter(~pl.col("alone"))
        .group_by("record")
        .agg(
            pl.col("line").first(),
            pl.col("line").last().alias("last_line"),
            line.str.join("\n"),
            pl.col("quotes").sum(),
        )
    )
    parts = max(1, min(pl.thread_pool_size(), single.height // 50_000))
    size = -(-single.height // parts) if single.height else 1
    slices = [single.lazy().slice(i * size, size) for i in range(parts)] + [multi]
    return pl.concat(pl.collect_all([_tokenize(part, delimiter) for part in slices])).sort("record")


def _tokenize(records: pl.LazyFrame, delimiter: str) -> pl.LazyFrame:
    line = pl.col("text")
    token = pl.element()
    quoted = pl.col("quotes") > 0
    tokens = (pl.lit(delimiter) + line).str.extract_all(_field_pattern(delimiter))
    plain = records.filter(~quoted).select(
        "record", "line", "last_line", fields=line.str.split(delimiter), well_quoted=pl.lit(True)
    )
    with_quotes = (
        records.filter(quoted)
        .with_columns(tokens=tokens)
        .select(
            "record",
            "line",
            "last_line",
            # Unquoted tokens hold no quote at all, so stripping and un-escaping
            # quotes is a no-op for them: no per-token branch is needed.
            fields=pl.col("tokens").list.eval(
                token.str.slice(1).str.strip_prefix('"').str.strip_suffix('"').str.replace_all('""', '"', literal=True)
            ),
            well_quoted=pl.col("tokens").list.eval(token.str.len_bytes()).list.sum() == line.str.len_bytes() + 1,
        )
    )
    return pl.concat([plain, with_quotes])


def parse_file(path: Path, chunk_bytes: int = CHUNK_BYTES) -> ParsedFile:
    """Read a CSV file's header; its data records follow block by block.

    Raises FileRefused at once for a file without a usable header; a bad
    byte further on is refused when its block is read.
    """
    path = Path(path)
    handle = _open_utf8(path)
    try:
        blocks = record_blocks(handle, chunk_bytes)
        block = next(blocks, b"")
        lines = _lines(block, path)
        if lines.len() and lines[0].startswith("\ufeff"):
            lines = lines.str.strip_prefix("\ufeff")
        if (lines.str.strip_chars() == "").all():
            if next(blocks, None) is None:
                raise FileRefused("The file is empty: it needs a header row (sku, name, description) and data rows.")
            raise FileRefused("The file has no header row: line 1 is empty.")
        delimiter = detect_delimiter(lines[0])
        records = split_records(lines, delimiter)
        first = records.row(0, named=True)
        if first["line"] != 1:
            raise FileRefused("The file has no header row: line 1 is empty.")
    except BaseException:
        handle.close()
        raise

    def chunks() -> Iterator[tuple[pl.DataFrame, int]]:
        with handle:
            yield records.slice(1).drop("record"), _position(handle)
            first_line = 1 + block.count(b"\n")
            for later in blocks:
                yield split_records(_lines(later, path), delimiter, first_line).drop("record"), _position(handle)
                first_line += later.count(b"\n")

    return ParsedFile(header=[h.strip() for h in first["fields"]], delimiter=delimiter, chunks=chunks())

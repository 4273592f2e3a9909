"""Splits a CSV file into records and fields exactly as Python's csv module reads them.

The reference for what a CSV file means is Python's `csv` module with its
default excel dialect (and the delimiter found in the header): that is what
spreadsheets and shops write, and users check their files with it. So the
reader *is* that module, fed with the file's physical lines:

* a quote opens a quoted value only at the start of a field; anywhere else
  (`Monitor 27" IPS`) it is a literal character; text after a closing quote
  up to the delimiter is kept (`"Apple"  ,` is `Apple  `);
* CRLF, LF, a lone CR and mixtures all end lines, and records; a record's
  line number is the physical line it starts on (header = line 1);
* a quoted value may hold delimiters and line breaks, and span any number of
  lines, up to the bound below.

Bounds (settings.ReadLimits): no line and no value may be longer than
MAX_RECORD_BYTES characters (1 MiB). A record that grows past it (a quote
that never closes, a line without an end) is rejected with its line range,
and reading carries on after it, so one stray quote cannot take the rest of
the file. The decompressed file may be at most MAX_FILE_BYTES.

The file is read in blocks of about CHUNK_CHARS characters of whole records:
memory stays bounded by the block, not the file. Blocks of regularly quoted
CSV (every quote at a field boundary, LF or CRLF line ends: what most
exports are) are split by Polars on all cores (regular_blocks.py), which
gives the same records as the csv module there; from the first block that
is not regular on, the csv module's C code reads, and only the columns that
are wanted leave it, as Polars columns, for the rules in validation.py.

A gzip-compressed file (.csv.gz) is decompressed as it is read.
"""

import codecs
import contextlib
import csv
import gzip
import io
import queue
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

import polars as pl

from pipelines.importing import file_signatures
from pipelines.importing.regular_blocks import record_end, split_regular
from pipelines.settings import ReadLimits

DELIMITERS = (",", ";", "\t")
# Characters of whole records per block. Measured on 5,000,000 rows of the
# old splitter: 8 MB blocks 15.7 s / 341 MB peak, 16 MB 14.2 s / 513 MB,
# 64 MB 14.5 s / 1,289 MB; the same size serves here.
CHUNK_CHARS = 16 << 20
GZIP_MAGIC = b"\x1f\x8b"
LINE_ENDS = ("\r\n", "\n", "\r")
# How much of an over-long record the rejects file shows.
RAW_SHOWN_OF_TOO_LONG = 1000
TOO_LONG_SCHEMA = {"line": pl.UInt32, "last_line": pl.UInt32, "length": pl.Int64}


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message is for the user."""


def shorten(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters for a message, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def name_list(names: list[str], shown: int = 10) -> str:
    """'a', 'b', … and 99,990 more: a list of names for a message, each shortened."""
    quoted = ", ".join(f"'{shorten(n, 60)}'" for n in names[:shown]) or "nothing"
    return quoted + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def _not_gzip(error: Exception) -> FileRefused:
    return FileRefused(
        f"The file is not valid gzip ({shorten(str(error))}). Compress it again or send it uncompressed."
    )


class _Bounded(io.RawIOBase):
    """The decompressed bytes of the file, refused past `limit`."""

    def __init__(self, handle: BinaryIO, limit: int):
        self.handle, self.limit, self.count = handle, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.handle.read(len(buffer))
        except GZIP_ERRORS as error:
            raise _not_gzip(error) from None
        self.count += len(data)
        if self.count > self.limit:
            raise FileRefused(
                f"The file is larger than {self.limit:,} bytes (MAX_FILE_BYTES) when decompressed; "
                "split it or raise the limit."
            )
        buffer[: len(data)] = data
        return len(data)

    def position(self) -> int:
        """How far into the stored file (compressed, for gzip) reading has got."""
        return getattr(self.handle, "fileobj", self.handle).tell()

    def close(self) -> None:
        self.handle.close()
        super().close()


def open_file(path: Path) -> BinaryIO:
    """The file's bytes; gzip-compressed files (.csv.gz) are decompressed as read."""
    with Path(path).open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else Path(path).open("rb")


def _start(path: Path) -> bytes:
    """The file's first bytes (decompressed), enough to tell its encoding and kind."""
    with open_file(path) as handle:
        try:
            return handle.read(file_signatures.HOW_MUCH)
        except GZIP_ERRORS as error:
            raise _not_gzip(error) from None


def _encoding(start: bytes) -> str:
    """Encoding rule: UTF-8, with or without a byte-order mark; UTF-16 with a
    byte-order mark (Excel's "Unicode text"). Nothing else is guessed."""
    return "utf-16" if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _decode_check(path: Path, encoding: str) -> None:
    """Raise FileRefused naming the line of the first byte that cannot be decoded."""
    if encoding == "utf-16":
        raise FileRefused("The file starts like UTF-16 but is not valid UTF-16.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    with open_file(path) as handle:
        while chunk := handle.read(1 << 20):
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
    raise FileRefused("The file is not UTF-8: it ends in the middle of a character. Save it as UTF-8.")


class _Lines:
    """The physical lines of the text, none longer than `limit`, for csv.reader.

    Text is read in pieces and split into lines by io.StringIO (C code: the
    same CR, LF and CRLF line ends csv.reader expects), so no Python runs per
    line. A line over the limit is read to its end without being held, handed
    on cut to the limit and noted in `too_long` (line number -> length): the
    record it belongs to is rejected. `kept` holds the lines of the block
    being read (since `mark()`), for the raw text of rejected records.
    """

    def __init__(self, text: io.TextIOWrapper, limit: int, piece: int = 1 << 20):
        # Blocks are measured in characters handed out, so a piece is kept
        # well below a block: the reader is never more than a piece behind.
        self.text, self.limit, self.piece = text, limit, piece
        self.read = 0  # lines handed out so far
        self.kept: list[str] = []
        self.kept_from = 1  # line number of kept[0]
        self.too_long: dict[int, int] = {}
        self.chars = 0  # characters handed out so far

    def mark(self, next_line: int) -> None:
        """Keep lines from `next_line` on (earlier ones belong to finished records)."""
        self.kept = self.kept[next_line - self.kept_from :]
        self.kept_from = next_line

    def pieces(self) -> Iterator[list[str]]:
        carry = ""
        while data := self.text.read(self.piece):
            lines = io.StringIO(carry + data, newline="").readlines()
            # The last line may go on in the next piece (a CR there may be half of a CRLF).
            carry = lines.pop() if not lines[-1].endswith("\n") else ""
            if len(carry) > self.limit:
                cut, carry = self._cut(carry, self.read + len(lines) + 1)
                lines.append(cut)
            if lines:
                yield self._hand_on(lines)
        if carry:
            yield self._hand_on([carry])

    def _cut(self, start: str, number: int) -> tuple[str, str]:
        """Read the rest of an over-long line: its first `limit` characters, and the text after it."""
        length, end, rest = len(start), "", ""
        while data := self.text.read(self.piece):
            breaks = [i for i in (data.find("\n"), data.find("\r")) if i >= 0]
            if breaks:
                cut = min(breaks)
                end = "\r\n" if data.startswith("\r\n", cut) else data[cut]
                length += cut
                rest = data[cut + len(end) :]
                break
            length += len(data)
        self.too_long[number] = length
        return start[: self.limit] + (end or "\n"), rest

    def _hand_on(self, lines: list[str]) -> list[str]:
        # The bound is on a line's content; its line end (up to 2 characters) comes on top.
        if max(map(len, lines)) > self.limit + 2:
            for i, line in enumerate(lines):
                if len(line) > self.limit + 2:
                    self.too_long.setdefault(self.read + i + 1, len(line))
                    lines[i] = line[: self.limit] + "\n"
        self.read += len(lines)
        self.chars += sum(map(len, lines))
        self.kept.extend(lines)
        return lines


@dataclass(frozen=True)
class RecordBlock:
    """Whole records of one block of the file.

    `records`: line and last_line (the physical lines it spans), n_fields,
    and `f<position>` for each wanted field position (null where the record
    is shorter). `too_long`: line, last_line, length of records over the
    bound, which are not in `records`.
    """

    records: pl.DataFrame
    too_long: pl.DataFrame
    bytes_read: int
    first_line: int
    lines: list[str] = field(repr=False)

    @classmethod
    def empty(cls) -> "RecordBlock":
        return cls(_frame([], [], [], []), pl.DataFrame(schema=TOO_LONG_SCHEMA), 0, 1, [])

    def raw(self, line: int, last_line: int) -> str:
        """The record's text exactly as in the file, without its final line end."""
        text = "".join(self.lines[line - self.first_line : last_line - self.first_line + 1])
        for end in LINE_ENDS:
            if text.endswith(end):
                return text[: -len(end)]
        return text


@dataclass
class ParsedFile:
    header: list[str]
    delimiter: str
    _source: Iterator[str] = field(repr=False)  # the physical lines after the header
    _lines: _Lines = field(repr=False)
    _binary: _Bounded = field(repr=False)
    _path: Path = field(repr=False)
    _encoding: str = field(repr=False)
    _chunk_chars: int = CHUNK_CHARS
    _line: int = 1  # lines read into finished records (the header's, to begin with)
    _pending: list[str] = field(default_factory=list)  # lines taken from the source, not yet in a block
    _reader: Iterator[list[str]] | None = None  # the csv module, once a block was not regular
    _offset: int = 0  # the line before the csv reader's first line

    def blocks(self, positions: list[int]) -> Iterator[RecordBlock]:
        """The data records, block by block, with the fields at `positions`.

        The next block is parsed in a thread while the caller works on this
        one: parsing holds the GIL, the caller's Polars work releases it, so
        the two overlap (measured: 500,000 rows validated in 1.3 s instead of
        1.8 s on two cores).
        """
        ahead: queue.Queue = queue.Queue(maxsize=1)
        stop = threading.Event()

        def parse() -> None:
            try:
                while not stop.is_set() and (block := self._next_block(positions)):
                    while not stop.is_set():
                        try:
                            ahead.put(block, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                ahead.put(None)
            except BaseException as error:  # handed to the caller
                ahead.put(error)

        worker = threading.Thread(target=parse, name="csv-blocks", daemon=True)
        worker.start()
        try:
            while (item := ahead.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while worker.is_alive():
                with contextlib.suppress(queue.Empty):
                    ahead.get(timeout=0.1)
            self._binary.close()

    def _next_block(self, positions: list[int]) -> RecordBlock | None:
        if self._reader is None:
            block = self._regular_block(positions)
            if block is not False:
                return block
            # From here on the csv module reads, starting with the block that was not regular.
            self._reader = csv.reader(chain(self._pending, self._source), delimiter=self.delimiter)
            self._offset, self._pending = self._line, []
        return self._csv_block(positions)

    def _regular_block(self, positions: list[int]) -> RecordBlock | None | bool:
        """The next block through the fast path; None at the end, False if it is not regular."""
        lines = self._lines
        first_line = self._line + 1
        lines.mark(first_line)
        taken = self._pending
        size, at_end = sum(map(len, taken)), False
        while size < self._chunk_chars:
            try:
                more = list(islice(self._source, max(1, min(8192, self._chunk_chars >> 8))))
            except UnicodeDecodeError:
                _decode_check(self._path, self._encoding)
                raise
            if not more:
                at_end = True
                break
            taken += more
            size += sum(map(len, more))
        self._pending = taken
        if not taken:
            return None
        end = record_end(taken)
        last = first_line + end - 1
        if not end or (at_end and end < len(taken)) or any(first_line <= n <= last for n in lines.too_long):
            return False
        records = split_regular(taken[:end], self.delimiter, first_line, positions)
        if records is None:
            return False
        self._line, self._pending = last, taken[end:]
        return RecordBlock(
            records=records,
            too_long=pl.DataFrame(schema=TOO_LONG_SCHEMA),
            bytes_read=self._binary.position(),
            first_line=first_line,
            lines=taken[:end],
        )

    def _csv_block(self, positions: list[int]) -> RecordBlock | None:
        lines, reader, offset = self._lines, self._reader, self._offset
        first_line = offset + reader.line_num + 1
        lines.mark(first_line)
        stop_at = lines.chars + self._chunk_chars
        rows: list[list[str]] = []
        starts: list[int] = []
        ends: list[int] = []
        too_long: list[tuple[int, int, int]] = []
        # Bound once: this loop runs once per record (measured: 7% of the parse).
        read_row, add_row, add_start, add_end = reader.__next__, rows.append, starts.append, ends.append
        while lines.chars < stop_at:
            start = offset + reader.line_num + 1
            try:
                row = read_row()
            except StopIteration:
                break
            except csv.Error:  # a value past the bound: a quote that never closed
                end = offset + reader.line_num
                length = sum(map(len, lines.kept[start - lines.kept_from : end - lines.kept_from + 1]))
                # A line cut to the bound counts with its real length.
                cut = [lines.too_long.pop(n) for n in [n for n in lines.too_long if start <= n <= end]]
                too_long.append((start, end, max([length, *cut])))
                continue  # the csv reader resumes at the next line
            except UnicodeDecodeError:
                _decode_check(self._path, self._encoding)
                raise
            if row:  # a blank line is no record (its line still counts)
                add_row(row)
                add_start(start)
                add_end(offset + reader.line_num)
        last_line = offset + reader.line_num
        if not rows and not too_long and last_line < first_line:
            return None
        records = _frame(rows, starts, ends, positions)
        cut = {n: length for n, length in lines.too_long.items() if n <= last_line}
        if cut:  # records holding a line that was cut to the bound
            for n in cut:
                del lines.too_long[n]
            hit = pl.any_horizontal(*((pl.col("line") <= n) & (pl.col("last_line") >= n) for n in cut))
            spans = records.filter(hit)
            too_long += [
                (line, last, max(length for n, length in cut.items() if line <= n <= last))
                for line, last in zip(spans["line"], spans["last_line"], strict=True)
            ]
            records = records.filter(~hit)
        kept = lines.kept[: last_line - lines.kept_from + 1]
        return RecordBlock(
            records=records,
            too_long=pl.DataFrame(too_long, schema=TOO_LONG_SCHEMA, orient="row"),
            bytes_read=self._binary.position(),
            first_line=first_line,
            lines=kept,
        )


def _frame(rows: list[list[str]], starts: list[int], ends: list[int], positions: list[int]) -> pl.DataFrame:
    """Records as columns; only the wanted fields leave Python lists."""
    lengths = list(map(len, rows))
    if rows and min(lengths) > max(positions, default=-1):  # every record has every wanted field
        columns = {f"f{p}": list(map(itemgetter(p), rows)) for p in positions}
    else:
        columns = {
            f"f{p}": [row[p] if p < n else None for row, n in zip(rows, lengths, strict=True)] for p in positions
        }
    return pl.DataFrame(
        {"line": starts, "last_line": ends, "n_fields": lengths, **columns},
        schema={"line": pl.UInt32, "last_line": pl.UInt32, "n_fields": pl.UInt32, **dict.fromkeys(columns, pl.String)},
    )


def detect_delimiter(header_line: str) -> str:
    """The delimiter that occurs most often outside quotes in the header."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_file(path: Path, chunk_chars: int = CHUNK_CHARS, limits: ReadLimits | None = None) -> ParsedFile:
    """Read a CSV file's header; its data records follow with `blocks()`.

    Raises FileRefused at once for a file without a usable header; a bad
    byte further on is refused when its block is read.
    """
    path = Path(path)
    limits = limits or ReadLimits.from_env()
    start = _start(path)
    encoding = _encoding(start)
    if encoding != "utf-16" and (what := file_signatures.not_a_table(start)):
        raise FileRefused(file_signatures.refusal(what))
    binary = _Bounded(open_file(path), limits.max_file_bytes)
    try:
        text = io.TextIOWrapper(io.BufferedReader(binary, 1 << 20), encoding=encoding, newline="")
        lines = _Lines(text, limits.max_record_bytes, piece=max(64, min(1 << 20, chunk_chars // 8)))
        csv.field_size_limit(limits.max_record_bytes)  # process-wide; this is its only user
        source = chain.from_iterable(lines.pieces())
        try:
            first = next(source, "")
        except UnicodeDecodeError:
            _decode_check(path, encoding)
            raise
        if lines.too_long.get(1):
            raise FileRefused(
                f"The header row (line 1) is {lines.too_long[1]:,} characters long, more than MAX_RECORD_BYTES "
                f"({limits.max_record_bytes:,}): this does not look like a CSV file with a header row."
            )
        if not first.strip():
            if not first and next(source, None) is None:
                raise FileRefused("The file is empty: it needs a header row (sku, name, description) and data rows.")
            raise FileRefused("The file has no header row: line 1 is empty.")
        delimiter = detect_delimiter(first)
        header_reader = csv.reader(chain([first], source), delimiter=delimiter)
        try:
            header = next(header_reader)
        except csv.Error:
            raise FileRefused(
                f"The header row is longer than MAX_RECORD_BYTES ({limits.max_record_bytes:,} characters)."
            ) from None
    except BaseException:
        binary.close()
        raise
    return ParsedFile(
        header=[h.strip() for h in header],
        delimiter=delimiter,
        _source=source,
        _line=header_reader.line_num,
        _lines=lines,
        _binary=binary,
        _path=path,
        _encoding=encoding,
        _chunk_chars=chunk_chars,
    )

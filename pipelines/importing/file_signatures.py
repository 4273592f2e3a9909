"""Files that are plainly not a table, told by their first bytes.

A PNG renamed .csv used to be refused as "not UTF-8 at byte 0x89", true but
no help; naming what the file is says what to do instead.
"""

# Leading bytes of formats people drop by mistake, and what to call them.
SIGNATURES = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook (or another old Office file): save it as .xlsx or CSV",
    ),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PAR1", "a Parquet file: export it as CSV"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"BZh", "a bzip2 archive: only gzip (.csv.gz) is decompressed"),
    (b"\xfd7zXZ\x00", "an xz archive: only gzip (.csv.gz) is decompressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document"),
)
HOW_MUCH = 4096  # bytes looked at
CONTROL_BYTES = frozenset(set(range(32)) - {9, 10, 12, 13})  # all but tab, line feed, form feed, carriage return


def not_a_table(start: bytes) -> str | None:
    """What the file is if its first bytes say it is no CSV; None if it may be one.

    A UTF-16 file (Excel's "Unicode text") has NUL bytes and a byte-order
    mark: the caller has sent those elsewhere before asking.
    """
    for magic, what in SIGNATURES:
        if start.startswith(magic):
            return what
    # The header line is the test: a CSV's names no control byte. Control
    # bytes further on are bad rows (rejected, the rest imported).
    header = start[:HOW_MUCH].replace(b"\r", b"\n").split(b"\n", 1)[0]
    if any(byte in CONTROL_BYTES for byte in header):
        return "binary data"
    return None


def refusal(what: str) -> str:
    return (
        f"This does not look like a CSV or spreadsheet file: it starts like {what}. "
        "Import a CSV (UTF-8; comma, semicolon or tab separated), a .csv.gz or an .xlsx workbook."
    )

"""The reader reads what Python's csv module reads, on the same bytes.

Each class of file that spreadsheets and shops write has a test on bytes
built for it; a property-based test compares records and line numbers with
Python's csv module for generated files. Then the documented rules apply
(trimming, line breaks stored as LF, the row rules).
"""

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.catalog import products as catalog
from pipelines.importing.csv_records import FileRefused, parse_file
from pipelines.importing.validation import validate_file

WIDE = list(range(12))  # field positions compared


def python_records(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (first line, fields) of each record, as Python's csv module reads `data`."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader)
    records, start = [], reader.line_num + 1
    for row in reader:
        if row:
            records.append((start, row))
        start = reader.line_num + 1
    return header, records


def our_records(path: Path, chunk_chars: int = 1 << 20) -> tuple[list[str], list[tuple[int, list[str]]]]:
    parsed = parse_file(path, chunk_chars)
    records = []
    for block in parsed.blocks(WIDE):
        assert block.too_long.height == 0
        for row in block.records.iter_rows(named=True):
            fields = [row[f"f{p}"] for p in WIDE[: row["n_fields"]]]
            records.append((row["line"], fields))
    return parsed.header, records


def same_as_python(tmp_path: Path, data: bytes, chunk_chars: int = 1 << 20) -> list[tuple[int, list[str]]]:
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    header, records = python_records(data)
    ours_header, ours = our_records(path, chunk_chars)
    assert ours_header == [h.strip() for h in header]
    assert ours == [(line, fields[: len(WIDE)]) for line, fields in records]
    return ours


def write(tmp_path: Path, data: bytes | str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_a_quote_inside_an_unquoted_value_is_a_literal_character(tmp_path):
    data = b'sku,name,description\r\nM1,Monitor 27" IPS,clean\r\nT1,55" TV,clean\r\n'
    data += b'T2,"Quoted, fine",ok\r\nT3,Plain,ok\r\n'
    records = same_as_python(tmp_path, data)
    assert [fields[1] for _, fields in records] == ['Monitor 27" IPS', '55" TV', "Quoted, fine", "Plain"]


def test_text_around_quotes_is_kept_as_python_keeps_it(tmp_path):
    data = b'sku,name,description\n"A1"  ,"Apple"  ,x\n A2, "Banana",y\nA3,Cherry,"'
    records = same_as_python(tmp_path, data)
    assert records[0][1] == ["A1  ", "Apple  ", "x"]
    assert records[1][1] == [" A2", ' "Banana"', "y"]
    assert records[2][1] == ["A3", "Cherry", ""]  # a bare quote as the last value


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_every_line_ending_ends_records(tmp_path, end):
    data = end.join([b"sku,name", b"A1,Alpha", b'A2,"two' + end + b'lines"', b"A3,Gamma", b""])
    records = same_as_python(tmp_path, data)
    assert [line for line, _ in records] == [2, 3, 5]
    result = validate_file(write(tmp_path, data))
    assert [r[1] for r in result.valid.rows()] == ["A1", "A2", "A3"] and result.valid["name"][1] == "two\nlines"


def test_mixed_line_endings_in_one_file(tmp_path):
    same_as_python(tmp_path, b"sku,name\rA1,Alpha\nA2,Beta\r\nA3,Gamma\r\rA4,Delta")


def test_old_mac_line_ends_import_every_row(run_job, landing_file, products):
    row = run_job(landing_file("mac.csv", b"sku,name\rA1,Alpha\rA2,Beta\rA3,Gamma\r"))
    assert row["status"] == "succeeded" and row["created"] == 3 and len(products()) == 3


def test_a_nul_rejects_its_row_and_names_the_column(run_job, landing_file, products):
    data = b"sku,name,description\nA1,Al\x00pha,x\nA2,Beta,de\x00sc\nA3,Gamma,ok\n"
    row = run_job(landing_file("nul.csv", data))
    assert row["status"] == "succeeded" and row["created"] == 1 and row["rows_rejected"] == 2
    with Path(row["rejects_path"]).open(newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["reason"] for r in rejects] == ["name contains a NUL character", "description contains a NUL character"]
    assert set(products()) == {"a3"}


@pytest.mark.parametrize("character", ["\u0085", "\u0080", "\u009f", "\u200b", "\u00ad", "\u200e", "\u2028", "\u2029"])
def test_skus_with_control_format_or_separator_characters_are_refused_by_import_and_app(tmp_path, db_url, character):
    result = validate_file(write(tmp_path, f"sku,name\nA{character}1,Alpha\nB1,Beta\n"))
    assert [r[0] for r in result.valid.rows()] == [3]
    [reason] = result.rejects["reason"].to_list()
    assert reason.startswith("SKU contains a line break, control")
    with pytest.raises(catalog.ProductError, match="SKU contains a line break, control"):
        catalog.create_product(db_url, f"A{character}1", "Alpha")


def test_an_unclosed_quote_cannot_take_the_rest_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_RECORD_BYTES", "1000")
    lines = ["sku,name", 'A1,"never closed'] + [f"B{i},Name {i} with some text" for i in range(200)]
    result = validate_file(write(tmp_path, "\n".join(lines) + "\n"))
    [reject] = result.rejects.to_dicts()
    assert reject["line"] == 2 and "record longer than MAX_RECORD_BYTES" in reject["reason"]
    first, last = (int(n) for n in reject["reason"].split("lines ")[1].split(" ")[0].split("-"))
    assert first == 2 and 2 < last < 202
    # Reading carries on after the rejected range.
    assert result.valid.height == 201 - last + 1 and result.valid["line"][0] == last + 1
    assert reject["raw"].startswith('A1,"never closed') and len(reject["raw"]) < 1100


def test_a_line_longer_than_the_bound_is_rejected_and_reading_carries_on(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_RECORD_BYTES", "1000")
    result = validate_file(write(tmp_path, "sku,name\nA1," + "x" * 5000 + "\nA2,Beta\n"))
    assert result.rejects["line"].to_list() == [2] and "5,001 characters" not in result.rejects["reason"][0]
    assert "record longer than MAX_RECORD_BYTES" in result.rejects["reason"][0]
    assert result.valid.rows() == [(3, "A2", "Beta", "", "a2", None)]


def test_a_decompressed_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_FILE_BYTES", str(1 << 20))
    body = b"sku,name\n" + b"".join(b"S%d,Name %d\n" % (i, i) for i in range(200_000))
    path = write(tmp_path, gzip.compress(body), "big.csv.gz")
    with pytest.raises(FileRefused, match="MAX_FILE_BYTES"):
        list(validate_file(path).valid)


@pytest.mark.slow
def test_a_gzip_bomb_without_line_breaks_keeps_memory_bounded(tmp_path):
    """3 MB of gzip that expands to 3 GB with no line break: refused in bounded memory."""
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b"sku,name\n")
        block = b"x" * (16 << 20)
        for _ in range(192):  # 3 GiB
            handle.write(block)
    script = (
        "import json, sys\n"
        "from pipelines.importing.validation import validate_file\n"
        "result = validate_file(sys.argv[1])\n"
        # VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child of a
        # big pytest process would report the parent's peak.
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(json.dumps({'rejected': result.rejects.height, 'reason': result.rejects['reason'][0],"
        " 'peak_mb': peak / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["rejected"] == 1 and "record longer than MAX_RECORD_BYTES" in outcome["reason"]
    assert "3,221,225,472 characters" in outcome["reason"] or "3221225472 characters" in outcome["reason"]
    assert outcome["peak_mb"] < 400, outcome


def test_error_text_stays_readable_for_huge_headers(tmp_path):
    header = ",".join(f"c{i}" for i in range(100_000))
    with pytest.raises(FileRefused) as refused:
        validate_file(write(tmp_path, header + "\nrow\n"))
    message = str(refused.value)
    assert len(message) < 1000 and "and 99,990 more" in message
    with pytest.raises(FileRefused) as refused:
        validate_file(write(tmp_path, "x" * (20 << 20) + "\n", "wide.csv"))
    assert len(str(refused.value)) < 500 and "MAX_RECORD_BYTES" in str(refused.value)


def test_rejects_keep_the_record_exactly_as_it_was(tmp_path):
    data = 'sku,name,description\r\nA1,Alpha,x,extra,"more, quoted"\r\nA2,"two\r\nlines",y,z\r\nA3,Gamma,ok\r\n'
    result = validate_file(write(tmp_path, data))
    assert result.rejects["raw"].to_list() == ['A1,Alpha,x,extra,"more, quoted"', 'A2,"two\r\nlines",y,z']


def test_ignored_columns_are_named(tmp_path):
    result = validate_file(write(tmp_path, "Vendor,sku,name,Tags\nACME,A1,Alpha,new\n"))
    assert result.ignored_columns == ["Vendor", "Tags"]


FIELD_TEXT = st.text(alphabet=st.sampled_from(list('ab ,;"\r\n\x00é€\u2028\t')), max_size=12)


@st.composite
def csv_files(draw) -> bytes:
    """Generated CSV text: fields with quotes, doubled quotes, delimiters, line ends, blank lines, NULs."""
    ends = draw(st.lists(st.sampled_from(["\r\n", "\n", "\r"]), min_size=1, max_size=3))
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        fields = []
        for _ in range(draw(st.integers(0, 4))):
            value = draw(FIELD_TEXT)
            quoted = draw(st.booleans())
            fields.append('"' + value.replace('"', '""') + '"' if quoted else value)
        lines.append(",".join(fields))
    text = "h1,h2\r\n" + "".join(line + draw(st.sampled_from(ends)) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line end
    return text.encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files(), chunk=st.sampled_from([7, 64, 1 << 20]))
def test_records_and_line_numbers_equal_pythons_csv_for_generated_files(tmp_path, data, chunk):
    same_as_python(tmp_path, data, chunk)


def test_ignored_columns_reach_the_import_row_and_the_run(run_job, landing_file):
    row = run_job(landing_file("shop.csv", "Vendor,sku,name,Tags\nACME,A1,Alpha,new\n"))
    assert row["status"] == "succeeded" and row["ignored_columns"] == ["Vendor", "Tags"]


def test_regular_files_take_the_fast_path_and_an_irregular_block_switches_to_csv(tmp_path):
    rows = [f'S{i},Name {i},"line one\r\nline two, with a comma"' for i in range(3000)]
    regular = ("sku,name,description\r\n" + "\r\n".join(rows) + "\r\n").encode()
    path = write(tmp_path, regular)
    parsed = parse_file(path, 4096)
    assert sum(b.records.height for b in parsed.blocks([0, 1, 2])) == 3000
    assert parsed._reader is None  # never needed the csv module
    rows[2000] = 'S2000,Monitor 27" IPS,"ok"'  # an inch mark far into the file
    irregular = ("sku,name,description\r\n" + "\r\n".join(rows) + "\r\n").encode()
    same_as_python(tmp_path, irregular, 4096)
    parsed = parse_file(write(tmp_path, irregular), 4096)
    blocks = list(parsed.blocks([0, 1, 2]))
    assert parsed._reader is not None and len(blocks) > 10

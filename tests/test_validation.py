"""Reading and checking CSV files: encodings, delimiters, headers, row rules."""

import csv
from pathlib import Path

import pytest
from conftest import REAL_FIXTURES

from pipelines.importing.csv_records import FileRefused
from pipelines.importing.validation import RejectsFile, validate_file


def write(tmp_path: Path, content: bytes | str, name: str = "products.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def rows(result) -> list[tuple]:
    return result.valid.select("line", "sku", "name", "description").rows()


def reasons(result) -> dict[int, str]:
    return dict(result.rejects.select("line", "reason").rows())


def test_bom_crlf_and_quoted_commas_and_line_breaks(tmp_path):
    path = write(
        tmp_path,
        b"\xef\xbb\xbfname,sku,description\r\n"
        b'Chair,CH-1,"Oak, solid"\r\n'
        b'Table,TB-2,"First line\r\nsecond, line\r\nthird"\r\n'
        b'Lamp,LP-3,"He said ""bright"""\r\n',
    )
    result = validate_file(path)
    assert rows(result) == [
        (2, "CH-1", "Chair", "Oak, solid"),
        (3, "TB-2", "Table", "First line\nsecond, line\nthird"),
        (6, "LP-3", "Lamp", 'He said "bright"'),
    ]
    assert result.rejects.height == 0


@pytest.mark.parametrize(
    "header",
    [
        "sku,name,description",
        "SKU,Name,Description",
        " Sku , NAME ,  description ",
        "Product SKU,Product Name,Desc",
        "product_sku,product-name,Product Description",
    ],
)
def test_header_case_spaces_and_aliases(tmp_path, header):
    result = validate_file(write(tmp_path, f"{header}\nA1,Alpha,First\n"))
    assert rows(result) == [(2, "A1", "Alpha", "First")]


def test_columns_in_any_order_unknown_ones_ignored_description_optional(tmp_path):
    result = validate_file(write(tmp_path, "price,Name,colour,SKU\n10,Alpha,red,A1\n"))
    assert rows(result) == [(2, "A1", "Alpha", "")]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files(tmp_path, delimiter):
    text = delimiter.join(["sku", "name", "description"]) + "\n" + delimiter.join(["A1", "Alpha", "one, two"]) + "\n"
    result = validate_file(write(tmp_path, text))
    assert result.delimiter == delimiter
    assert rows(result) == [(2, "A1", "Alpha", "one, two")]


def test_values_are_trimmed(tmp_path):
    result = validate_file(write(tmp_path, "sku,name,description\n  A1 ,  Alpha  , text  \n"))
    assert rows(result) == [(2, "A1", "Alpha", "text")]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"   \n"])
def test_empty_file_is_refused(tmp_path, content):
    with pytest.raises(FileRefused, match="empty"):
        validate_file(write(tmp_path, content))


def test_header_only_file_is_a_success_with_no_rows(tmp_path):
    result = validate_file(write(tmp_path, "sku,name,description\r\n"))
    assert result.rows_total == 0 and result.valid.height == 0 and result.rejects.height == 0


def test_missing_sku_column_is_refused_with_what_was_found(tmp_path):
    with pytest.raises(FileRefused, match=r"no SKU column \(found 'name', 'description'\)"):
        validate_file(write(tmp_path, "name,description\nAlpha,x\n"))


def test_file_without_header_is_refused(tmp_path):
    with pytest.raises(FileRefused, match="no SKU and no name column"):
        validate_file(write(tmp_path, "A1,Alpha,First\nA2,Beta,Second\n"))


def test_two_columns_meaning_the_same_are_refused(tmp_path):
    with pytest.raises(FileRefused, match="both mean 'sku'"):
        validate_file(write(tmp_path, "sku,Product SKU,name\nA,B,C\n"))


def test_wrong_field_counts_empty_values_and_long_values_are_rejected_with_lines(tmp_path):
    long_sku = "X" * 256
    path = write(
        tmp_path,
        "sku,name,description\n"
        'A1,Alpha,"multi\nline"\n'  # lines 2-3
        "A2,Beta\n"  # 4: too few
        "A3,Gamma,desc,extra\n"  # 5: too many
        ",Delta,desc\n"  # 6: empty SKU
        "A5,  ,desc\n"  # 7: empty name
        f"{long_sku},Eps,desc\n"  # 8: too long
        "A7,Zeta,ok\n",  # 9
    )
    result = validate_file(path)
    assert [r[0] for r in rows(result)] == [2, 9]
    assert reasons(result) == {
        4: "expected 3 fields, found 2",
        5: "expected 3 fields, found 4",
        6: "SKU is empty",
        7: "name is empty",
        8: "SKU is longer than 255 characters",
    }
    assert result.rows_total == 7


def test_blank_lines_are_skipped_but_counted(tmp_path):
    result = validate_file(write(tmp_path, "sku,name\n\nA1,Alpha\n\n\nA2,\n"))
    assert rows(result) == [(3, "A1", "Alpha", "")]
    assert reasons(result) == {6: "name is empty"}


def test_text_after_a_closing_quote_is_kept_as_pythons_csv_keeps_it(tmp_path):
    path = write(tmp_path, 'sku,name,description\nA1,"Alpha"x,desc\nA2,Beta,ok\n')
    result = validate_file(path)
    assert rows(result) == [(2, "A1", "Alphax", "desc"), (3, "A2", "Beta", "ok")]


def test_an_unclosed_quote_rejects_its_record_with_the_lines_it_took(tmp_path):
    path = write(tmp_path, 'sku,name,description\nA1,Alpha,ok\nA2,"Beta,desc\nA3,Gamma,x\n')
    result = validate_file(path)
    assert rows(result) == [(2, "A1", "Alpha", "ok")]
    assert reasons(result) == {3: "expected 3 fields, found 2"}
    assert result.rejects["raw"].to_list() == ['A2,"Beta,desc\nA3,Gamma,x']


def test_non_utf8_file_is_refused_with_the_line(tmp_path):
    path = write(tmp_path, "sku,name\nA1,Alpha\nA2,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(FileRefused, match=r"not UTF-8: byte 0xE9 at line 3"):
        validate_file(path)


@pytest.mark.parametrize(
    ("start", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Excel .xls workbook"),
        (bytes(range(256)) * 4, "binary data"),
    ],
)
def test_a_file_that_is_no_table_at_all_says_what_it_looks_like(tmp_path, start, what):
    path = write(tmp_path, start + bytes(200), "picture.csv")
    with pytest.raises(FileRefused, match=f"does not look like a CSV or spreadsheet file: it starts like {what}"):
        validate_file(path)


def test_a_stray_control_byte_is_a_bad_row_not_a_refused_file(tmp_path):
    path = write(tmp_path, b"sku,name\nA1,Alpha\nA2,Be\x00ta\nA3,Gamma\n")
    result = validate_file(path)
    assert [r[1] for r in rows(result)] == ["A1", "A3"]
    assert reasons(result) == {3: "name contains a NUL character"}


def test_utf16_with_bom_is_converted(tmp_path):
    path = write(tmp_path, "sku\tname\r\nÜ-1\tCafé\r\n".encode("utf-16"))
    result = validate_file(path)
    assert rows(result) == [(2, "Ü-1", "Café", "")]


def test_non_ascii_skus_get_folded_keys(tmp_path):
    result = validate_file(write(tmp_path, "sku,name\nÜBER-01,Upper\nüber-01,Lower\n"))
    assert result.valid["sku_key"].to_list() == ["über-01", "über-01"]


def test_skus_differing_in_case_or_spaces_share_a_key(tmp_path):
    result = validate_file(write(tmp_path, "sku,name\nab-1,One\n AB-1 ,Two\nAb-1,Three\n"))
    assert set(result.valid["sku_key"]) == {"ab-1"}
    assert result.valid["sku"].to_list() == ["ab-1", "AB-1", "Ab-1"]


def test_real_fixture_lines_match_a_reference_csv_parser():
    path = REAL_FIXTURES / "products_1000.csv"
    result = validate_file(path)
    # Physical line of each record, from Python's csv module as a reference.
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        expected = []
        for record in reader:
            expected.append((reader.line_num - record[2].count("\n"), record[1], record[0]))
    assert result.rows_total == 1000 and result.rejects.height == 0
    assert [(r[0], r[1], r[2]) for r in rows(result)] == expected
    assert result.valid["sku_key"].n_unique() == 999


def test_rejects_file_is_safe_to_open_in_a_spreadsheet(tmp_path):
    result = validate_file(write(tmp_path, "sku,name,description\n=HYPERLINK(1),,x\n+A,-B,@C,extra\n"))
    rejects = RejectsFile(tmp_path / "rejects.csv")
    rejects.add(result.rejects)
    path = rejects.close()
    with path.open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [r["line"] for r in written] == ["2", "3"]
    assert written[0]["sku"] == "'=HYPERLINK(1)"
    assert (written[1]["sku"], written[1]["name"], written[1]["description"]) == ("'+A", "'-B", "'@C")

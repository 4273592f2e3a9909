"""Reading a file block by block gives what reading it whole gives, and the
checked rows on disk de-duplicate to the same winners."""

import csv
from pathlib import Path

import polars as pl
import pytest
from conftest import REAL_FIXTURES

from pipelines.importing.checked_rows import check_into, valid_parts
from pipelines.importing.csv_records import FileRefused, parse_file
from pipelines.importing.deduplication import find_winners, unique_rows
from pipelines.importing.validation import check_file

REAL_1000 = REAL_FIXTURES / "products_1000.csv"


def whole_and_blocks(path: Path, chunk_bytes: int) -> tuple[tuple, tuple]:
    def collect(size: int) -> tuple:
        blocks = list(check_file(path, size).chunks)
        return (
            pl.concat([b.valid for b in blocks]).rows(),
            pl.concat([b.rejects for b in blocks]).rows(),
            sum(b.rows_total for b in blocks),
            len(blocks),
        )

    return collect(1 << 30), collect(chunk_bytes)


@pytest.mark.parametrize("chunk_bytes", [997, 4096, 65536])
def test_blocks_of_the_real_file_give_the_same_rows_and_lines(chunk_bytes):
    whole, blocks = whole_and_blocks(REAL_1000, chunk_bytes)
    assert whole[:3] == blocks[:3]
    assert whole[3] == 1 and blocks[3] > 1
    # Line numbers are the physical lines Python's csv module reports.
    with REAL_1000.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        starts = []
        line = reader.line_num + 1
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    assert [row[0] for row in blocks[0]] == starts


def test_a_record_longer_than_a_block_stays_whole(tmp_path):
    description = "\n".join(f"paragraph {i}, with a comma" for i in range(200))
    path = tmp_path / "long.csv"
    path.write_text(f'sku,name,description\nA1,Alpha,"{description}"\nA2,Beta,"x ""y"""\nA3,"Bad"x,z\nA4,Delta,d\n')
    whole, blocks = whole_and_blocks(path, 64)
    assert whole[:3] == blocks[:3]
    # "Bad"x is read as Python's csv reads it: Badx.
    assert [row[0] for row in blocks[0]] == [2, 202, 203, 204]
    assert blocks[0][0][3] == description and blocks[0][2][2] == "Badx"
    assert blocks[1] == []


def test_blocks_cover_every_line_once_and_start_on_a_record(tmp_path):
    path = tmp_path / "copy.csv"
    path.write_bytes(REAL_1000.read_bytes())
    parsed = parse_file(path, 1000)
    blocks = list(parsed.blocks([0, 1, 2]))
    assert len(blocks) > 10
    assert blocks[0].first_line == 2  # after the header
    for before, after in zip(blocks, blocks[1:], strict=False):
        assert after.first_line == before.first_line + len(before.lines)
        assert after.records["line"][0] == after.first_line  # no record is split between blocks
    physical_lines = len(REAL_1000.read_bytes().replace(b"\r\n", b"\n").split(b"\n")) - 1
    assert sum(len(b.lines) for b in blocks) + 1 == physical_lines  # + the header


def test_a_bad_byte_in_a_later_block_names_its_line(tmp_path):
    path = tmp_path / "latin1.csv"
    rows = [f"S{i},Name {i},plain text" for i in range(2000)]
    rows[1500] = "S1500,Caf\xe9,latin-1"
    path.write_bytes(("sku,name,description\n" + "\n".join(rows) + "\n").encode("latin-1"))
    with pytest.raises(FileRefused, match=r"byte 0xE9 at line 1502"):
        list(check_file(path, 4096).chunks)


def test_check_into_writes_parts_and_one_rejects_file(tmp_path):
    path = tmp_path / "products.csv"
    lines = [f"S{i},Name {i},d" if i % 500 else f"S{i},,no name" for i in range(1, 3001)]
    path.write_text("sku,name,description\n" + "\n".join(lines) + "\n")
    progress = []
    summary = check_into(
        path, tmp_path / "work", tmp_path / "rejects.csv", lambda rows, done: progress.append(done), 4096
    )
    assert (summary.rows_total, summary.rows_valid, summary.rows_rejected) == (3000, 2994, 6)
    assert len(valid_parts(tmp_path / "work")) > 1
    assert progress[-1] == path.stat().st_size and progress == sorted(progress)
    with summary.rejects_path.open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [int(row["line"]) for row in written] == [501, 1001, 1501, 2001, 2501, 3001]
    assert summary.first_problems.rows()[0] == (501, "name is empty")


def test_a_refused_file_leaves_no_rejects_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"sku,name\n,empty sku\n" + b"A1,ok\n" * 1000 + b"A2,Caf\xe9\n")
    with pytest.raises(FileRefused):
        check_into(path, tmp_path / "work", tmp_path / "rejects.csv", chunk_chars=512)
    assert not (tmp_path / "rejects.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "bad.csv"] == ["work"]


def test_duplicates_in_different_blocks_keep_the_last_row(tmp_path):
    path = tmp_path / "dupes.csv"
    lines = [f"S{i % 700},Name {i},d{i}" for i in range(3000)]
    lines[2900] = "s5,Lower case last,last"  # same key as S5, later than every S5
    path.write_text("sku,name,description\n" + "\n".join(lines) + "\n")
    work = tmp_path / "work"
    check_into(path, work, tmp_path / "rejects.csv", chunk_chars=4096)
    assert len(valid_parts(work)) > 1
    result = find_winners(work)
    assert (result.rows_valid, result.unique, result.duplicates) == (3000, 700, 2300)
    kept = pl.concat(list(unique_rows(work)))
    assert kept.height == 700 and kept["sku_key"].n_unique() == 700
    assert kept["line"].to_list() == sorted(kept["line"].to_list())
    assert kept.filter(pl.col("sku_key") == "s5").select("sku", "name").row(0) == ("s5", "Lower case last")
    expected = {line.split(",")[0].lower(): number for number, line in enumerate(lines, start=2)}
    assert dict(kept.select("sku_key", "line").rows()) == expected


def test_a_gzip_file_reads_like_the_plain_one(tmp_path):
    import gzip

    packed = tmp_path / "products_1000.csv.gz"
    packed.write_bytes(gzip.compress(REAL_1000.read_bytes()))
    plain = list(check_file(REAL_1000, 4096).chunks)
    unpacked = list(check_file(packed, 4096).chunks)
    assert pl.concat([b.valid for b in unpacked]).rows() == pl.concat([b.valid for b in plain]).rows()
    # Progress counts the stored (compressed) bytes, so it ends at the file's size.
    assert unpacked[-1].bytes_read == packed.stat().st_size


def test_a_bad_gzip_file_is_refused_with_a_clear_message(tmp_path):
    import gzip

    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(REAL_1000.read_bytes())[:20_000])
    with pytest.raises(FileRefused, match="not valid gzip"):
        list(check_file(cut, 4096).chunks)
    latin1 = tmp_path / "latin1.csv.gz"
    latin1.write_bytes(gzip.compress("sku,name\nA1,Alpha\nA2,Caf\xe9\n".encode("latin-1")))
    with pytest.raises(FileRefused, match=r"byte 0xE9 at line 3"):
        list(check_file(latin1).chunks)

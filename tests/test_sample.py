import polars as pl

from pipelines.importing.sample import write_sample


def test_sample_is_shaped_like_the_real_file(tmp_path):
    path = write_sample(tmp_path / "s.csv", 20_000)
    raw = path.read_bytes()
    assert raw.startswith(b"name,sku,description\r\n")
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.columns == ["name", "sku", "description"] and frame.height == 20_000
    repeated = 1 - frame["sku"].str.to_lowercase().n_unique() / frame.height
    assert 0.05 < repeated < 0.09
    assert frame["sku"].n_unique() > frame["sku"].str.to_lowercase().n_unique()  # some differ only in case
    assert frame["description"].str.contains("\n").mean() > 0.3
    assert frame["description"].str.contains(",").any()
    assert frame["description"].str.len_chars().max() <= 200
    assert 150 < len(raw) / frame.height < 200  # ~85 MB for 500,000 rows

import polars as pl

from pipelines.catalog.sku import normalize_sku, sku_key


def test_case_and_surrounding_spaces_do_not_matter():
    assert normalize_sku("  ABC-123 ") == normalize_sku("abc-123") == "abc-123"


def test_non_ascii_letters_fold_like_ascii():
    assert normalize_sku("ÜBER-01") == normalize_sku("über-01")
    assert normalize_sku("ΣΟΦΑ-1") == normalize_sku("σοφα-1")


def test_composed_and_decomposed_forms_are_one_sku():
    assert normalize_sku("u\u0308ber") == normalize_sku("\u00fcber")


def test_inner_characters_are_kept():
    assert normalize_sku("a b-c_d") == "a b-c_d"
    assert normalize_sku("a-b") != normalize_sku("a_b")


def test_column_and_scalar_forms_agree():
    values = ["ÜBER-01", " über-01", "Straße", "İstanbul", "ǅemal", "ABC"]
    column = pl.DataFrame({"sku": values}).select(sku_key(pl.col("sku")))["sku"].to_list()
    assert column == [normalize_sku(v) for v in values]

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.sku import _caseless, normalize_sku, sku_key, sku_keys


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


@pytest.mark.parametrize(
    "one, other",
    [
        ("STRASSE", "straße"),  # full case folding, not lower-casing
        ("ΣΑΣ", "σας"),  # final sigma
        ("ＡＢＣ", "ABC"),  # fullwidth forms (NFKC)
        ("ﬁx", "FIX"),  # ligature (NFKC)
        ("AB\u200bC", "ABC"),  # zero-width space
        ("AB\u00adC", "abc"),  # soft hyphen
        ("A\ufe0fB", "ab"),  # variation selector
    ],
)
def test_skus_a_person_reads_as_one_are_one(one, other):
    assert normalize_sku(one) == normalize_sku(other)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30))
def test_the_vectorized_ascii_path_is_the_unicode_rule(text):
    """Plain-ASCII SKUs skip unicodedata; they must get the key the full rule gives."""
    fast = sku_keys(pl.Series([text], dtype=pl.String))[0]
    assert fast == pl.Series([_caseless(text)]).str.strip_chars()[0]


@given(st.lists(st.text(max_size=12), max_size=40))
def test_column_and_scalar_keys_agree_for_any_text(values):
    column = sku_keys(pl.Series(values, dtype=pl.String)).to_list()
    assert column == [normalize_sku(v) for v in values]

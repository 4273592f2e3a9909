"""The one rule for "same SKU", used by the pipeline, the app and the tests.

Two SKUs are the same product when their keys are equal. The key is Unicode
caseless identifier matching, as a person reads a SKU: default-ignorable code
points (zero-width characters, the soft hyphen, variation selectors …)
removed, compatibility-normalized (NFKC: fullwidth `ＡＢＣ` is `ABC`, `ﬁ` is
`fi`), fully case-folded (`str.casefold`: `STRASSE` = `straße`, `ΣΑΣ` =
`σας`), normalized again and trimmed. PostgreSQL never computes it: its
`lower()` depends on the database collation and server version, so the key
is computed here and stored in `products.sku_key`, which carries the unique
index.

Nearly every SKU is plain ASCII, where all of that is trimming and
lower-casing: those take a vectorized Polars path; only the others go
through Python's unicodedata, one by one. Both are this module's one
function, `sku_keys`.
"""

import re
import unicodedata

import polars as pl

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt).
DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_ASCII = r"^[\x00-\x7f]*$"


def _caseless(sku: str) -> str:
    """Ignorables removed, NFKC, case-folded, NFKC again (trimming follows, for all SKUs alike)."""
    text = unicodedata.normalize("NFKC", DEFAULT_IGNORABLE.sub("", sku))
    return unicodedata.normalize("NFKC", text.casefold())


def sku_keys(skus: pl.Series) -> pl.Series:
    """The comparison key of each SKU (null stays null)."""
    keys = skus.str.to_lowercase()  # for ASCII, all that _caseless does
    other = (~skus.str.contains(_ASCII)).fill_null(False)
    if other.any():
        where = other.arg_true()
        keys = keys.scatter(where, pl.Series([_caseless(s) for s in skus.gather(where)], dtype=pl.String))
    return keys.str.strip_chars().rename(skus.name)


def sku_key(sku: pl.Expr) -> pl.Expr:
    """Polars expression computing the comparison key of a SKU column."""
    return sku.map_batches(sku_keys, return_dtype=pl.String)


def normalize_sku(sku: str) -> str:
    """The key of one SKU, computed by the same function as whole columns."""
    return sku_keys(pl.Series([sku], dtype=pl.String))[0]

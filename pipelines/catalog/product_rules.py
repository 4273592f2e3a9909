"""What a valid product is: the one set of field rules and their messages.

The import applies them to whole columns (importing/validation.py) and the
app to the one product being created or edited (catalog/products.py), both
through the same Polars expressions, so a row the import rejects is refused
by the app with the same words.
"""

import polars as pl

from pipelines.catalog.sku import sku_key

TEXT_FIELDS = ("sku", "name", "description")
FIELDS = (*TEXT_FIELDS, "price")
REQUIRED = ("sku", "name")
MAX_LENGTH = {"sku": 255, "name": 1_000, "description": 20_000}
LABEL = {"sku": "SKU", "name": "name", "description": "description", "price": "price"}
# A price is stored exactly (numeric): up to 15 digits before the decimal
# point and 6 after it, which holds any currency's unit prices.
PRICE_INTEGER_DIGITS = 15
PRICE_DECIMALS = 6
# Separators in a price, decided by the whole value (see normalized_price):
_PLAIN = r"^(\d+(\.\d*)?|\.\d+)$"  # 1234, 1234.56, .5: the dot is decimal
_COMMA_DECIMAL = r"^\d+,\d+$"  # 12,50: a lone comma is decimal ...
_COMMA_AMBIGUOUS = r"^[1-9]\d{0,2},\d{3}$"  # ... unless it could group thousands (1,234)
_COMMA_GROUPS = r"^\d{1,3}(,\d{3})+\.\d+$|^\d{1,3}(,\d{3}){2,}$"  # 1,234.56 or 1,234,567
_DOT_GROUPS = r"^\d{1,3}(\.\d{3})+,\d+$|^\d{1,3}(\.\d{3}){2,}$"  # 1.234,56 or 1.234.567
# Spaces (also no-break and narrow no-break) group thousands; one currency
# sign may stand before or after the number.
_GROUP_SPACES = r"[ \u00a0\u202f]"
_CURRENCY_SIGN = r"^\p{Sc}|\p{Sc}$"
# A SKU is typed and compared by people: no control characters (Cc, which
# includes line breaks and U+0080-U+009F), no invisible format characters
# (Cf: zero-width space, soft hyphen, direction marks) and no line or
# paragraph separators (Zl, Zp).
SKU_FORBIDDEN = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


def key_column() -> pl.Expr:
    """The sku_key column the rules read (the key is computed once per row, and kept)."""
    return sku_key(pl.col("sku").fill_null("")).alias("sku_key")


def normalized_price(text: pl.Expr) -> pl.Expr:
    """The price as a plain decimal string ("1234.50"), or null if `text` is not
    an unambiguous non-negative number. Empty text is no price (null too; the
    rules tell the two apart)."""
    value = text.str.replace_all(_GROUP_SPACES, "").str.replace(_CURRENCY_SIGN, "")
    return (
        pl.when(value.str.contains(_PLAIN))
        .then(value)
        .when(value.str.contains(_COMMA_DECIMAL) & ~value.str.contains(_COMMA_AMBIGUOUS))
        .then(value.str.replace(",", ".", literal=True))
        .when(value.str.contains(_COMMA_GROUPS))
        .then(value.str.replace_all(",", "", literal=True))
        .when(value.str.contains(_DOT_GROUPS))
        .then(value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(None)
    )


def price_column() -> pl.Expr:
    """The price_value column the rules read and the import stores (from the trimmed `price`)."""
    return normalized_price(pl.col("price").fill_null("")).alias("price_value")


def _price_rules() -> list[tuple[pl.Expr, pl.Expr]]:
    given, value = pl.col("price").fill_null("") != "", pl.col("price_value")
    shown = pl.col("price").str.slice(0, 40)
    integer_digits = value.str.replace(r"\..*$", "").str.len_chars()
    decimals = value.str.replace(r"^[^.]*\.?", "").str.len_chars()
    return [
        (
            given & value.is_null() & pl.col("price").str.contains(r"^\s*-"),
            pl.format("price '{}' is negative", shown),
        ),
        (
            given & value.is_null() & pl.col("price").str.contains(_COMMA_AMBIGUOUS),
            pl.format("price '{}' is ambiguous: write it without thousands separators, or with a decimal point", shown),
        ),
        (given & value.is_null(), pl.format("price '{}' is not a number", shown)),
        (
            given & (integer_digits > PRICE_INTEGER_DIGITS),
            pl.format(f"price '{{}}' has more than {PRICE_INTEGER_DIGITS} digits before the decimal point", shown),
        ),
        (
            given & (decimals > PRICE_DECIMALS),
            pl.format(f"price '{{}}' has more than {PRICE_DECIMALS} decimal places", shown),
        ),
    ]


def field_rules() -> list[tuple[pl.Expr, pl.Expr]]:
    """(broken, reason) over the columns sku, name, description, price (trimmed),
    sku_key (key_column) and price_value (price_column), in order of precedence."""
    # PostgreSQL cannot store a NUL character in text.
    rules = [
        (pl.col(field).str.contains("\x00", literal=True), pl.lit(f"{LABEL[field]} contains a NUL character"))
        for field in TEXT_FIELDS
    ]
    rules += [(pl.col(field).fill_null("") == "", pl.lit(f"{LABEL[field]} is empty")) for field in REQUIRED]
    rules.append((pl.col("sku_key") == "", pl.lit("SKU has no visible characters")))
    rules.append(
        (
            pl.col("sku").str.contains(SKU_FORBIDDEN),
            pl.lit("SKU contains a line break, control, invisible format or separator character"),
        )
    )
    rules += [
        (pl.col(field).str.len_chars() > limit, pl.lit(f"{LABEL[field]} is longer than {limit:,} characters"))
        for field, limit in MAX_LENGTH.items()
    ]
    return rules + _price_rules()


def first_problem(sku: str, name: str, description: str, price: str = "") -> str | None:
    """The reason the import would reject a product with these (trimmed) values, or None."""
    row = pl.DataFrame([[sku], [name], [description], [price]], schema={field: pl.String for field in FIELDS})
    row = row.with_columns(key_column(), price_column())
    reason = pl.coalesce(*(pl.when(broken).then(message) for broken, message in field_rules()))
    return row.select(reason).item()


def clean_price(price: str) -> str | None:
    """A valid (trimmed) price as the import stores it: a plain decimal string, or None for no price."""
    row = pl.DataFrame({"price": [price]}, schema={"price": pl.String})
    return row.select(price_column()).item()

"""What a valid product is: the one set of field rules and their messages.

The import applies them to whole columns (importing/validation.py) and the
app to the one product being created or edited (catalog/products.py), both
through the same Polars expressions, so a row the import rejects is refused
by the app with the same words.
"""

import polars as pl

from pipelines.catalog.sku import sku_key

FIELDS = ("sku", "name", "description")
REQUIRED = ("sku", "name")
MAX_LENGTH = {"sku": 255, "name": 1_000, "description": 20_000}
LABEL = {"sku": "SKU", "name": "name", "description": "description"}
# A SKU is typed and compared by people: no control characters (Cc, which
# includes line breaks and U+0080-U+009F), no invisible format characters
# (Cf: zero-width space, soft hyphen, direction marks) and no line or
# paragraph separators (Zl, Zp).
SKU_FORBIDDEN = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


def key_column() -> pl.Expr:
    """The sku_key column the rules read (the key is computed once per row, and kept)."""
    return sku_key(pl.col("sku").fill_null("")).alias("sku_key")


def field_rules() -> list[tuple[pl.Expr, pl.Expr]]:
    """(broken, reason) over the columns sku, name, description (trimmed) and sku_key
    (key_column), in order of precedence."""
    # PostgreSQL cannot store a NUL character in text.
    rules = [
        (pl.col(field).str.contains("\x00", literal=True), pl.lit(f"{LABEL[field]} contains a NUL character"))
        for field in FIELDS
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
    return rules


def first_problem(sku: str, name: str, description: str) -> str | None:
    """The reason the import would reject a product with these (trimmed) values, or None."""
    row = pl.DataFrame([[sku], [name], [description]], schema={field: pl.String for field in FIELDS})
    row = row.with_columns(key_column())
    reason = pl.coalesce(*(pl.when(broken).then(message) for broken, message in field_rules()))
    return row.select(reason).item()

"""What a valid product is: the one set of field rules and their messages.

The import applies them to whole columns (importing/validation.py) and the
app to the one product being created or edited (catalog/products.py), both
through the same Polars expressions, so a row the import rejects is refused
by the app with the same words.
"""

import polars as pl

FIELDS = ("sku", "name", "description")
REQUIRED = ("sku", "name")
MAX_LENGTH = {"sku": 255, "name": 1_000, "description": 20_000}
LABEL = {"sku": "SKU", "name": "name", "description": "description"}
# A SKU is typed and compared by people: no line breaks or control characters.
SKU_FORBIDDEN = r"[\x00-\x1f\x7f]"


def field_rules() -> list[tuple[pl.Expr, pl.Expr]]:
    """(broken, reason) over the columns sku, name, description (trimmed), in order of precedence."""
    rules = [(pl.col(field).fill_null("") == "", pl.lit(f"{LABEL[field]} is empty")) for field in REQUIRED]
    rules.append((pl.col("sku").str.contains(SKU_FORBIDDEN), pl.lit("SKU contains a line break or control character")))
    rules += [
        (pl.col(field).str.len_chars() > limit, pl.lit(f"{LABEL[field]} is longer than {limit:,} characters"))
        for field, limit in MAX_LENGTH.items()
    ]
    return rules


def first_problem(sku: str, name: str, description: str) -> str | None:
    """The reason the import would reject a product with these (trimmed) values, or None."""
    row = pl.DataFrame([[sku], [name], [description]], schema={field: pl.String for field in FIELDS})
    reason = pl.coalesce(*(pl.when(broken).then(message) for broken, message in field_rules()))
    return row.select(reason).item()

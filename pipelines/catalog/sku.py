"""The one rule for "same SKU", used by the pipeline, the app and the tests.

Two SKUs are the same product when their keys are equal. The key is the SKU
trimmed, put in Unicode NFC form (so a composed and a decomposed "Ü" agree)
and lower-cased with Unicode rules (so "ÜBER-01" and "über-01" agree).
PostgreSQL never lower-cases SKUs itself: its `lower()` depends on the
database collation and server version, so the key is computed here and stored
in `products.sku_key`, which carries the unique index.
"""

import polars as pl


def sku_key(sku: pl.Expr) -> pl.Expr:
    """Polars expression computing the comparison key of a SKU column."""
    return sku.str.strip_chars().str.normalize("NFC").str.to_lowercase()


def normalize_sku(sku: str) -> str:
    """The key of one SKU, computed by the same expression as whole columns."""
    return pl.select(sku_key(pl.lit(sku, dtype=pl.String))).item()

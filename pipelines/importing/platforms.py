"""The shop and PIM exports recognized from their header, as data.

One entry per platform: the header names that identify its export, where
each product field comes from, and its row rules. columns.py reads this
table; nothing else in the code knows about any platform. Header names are
compared folded (case, spaces, dashes and underscores do not matter), and
`{locale}`, `{channel}` and `{currency}` come from settings.AkeneoColumns.

Sources: each platform's documented export header (Shopify "Using CSV files
to import and export products", WooCommerce's product CSV exporter, Adobe
Commerce "Product data attributes", Akeneo "Product data structure").
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowRule:
    """Which rows are products: those where `column` is filled (or empty)."""

    column: str
    filled: bool
    others_are: str  # what the other rows are, for the summary


@dataclass(frozen=True)
class Inherit:
    """Rows with an empty field take it from the first row of their group that has it."""

    group_by: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Platform:
    name: str
    recognized_by: tuple[str, ...]  # all of these header names are present
    # product field -> header names, the first one present is used
    columns: dict[str, tuple[str, ...]]
    products_are: RowRule | None = None
    inherit: Inherit | None = None


SHOPIFY = Platform(
    name="Shopify product export",
    recognized_by=("Handle", "Title", "Body (HTML)", "Variant SKU"),
    columns={
        "sku": ("Variant SKU",),
        "name": ("Title",),
        "description": ("Body (HTML)",),
        "price": ("Variant Price",),
    },
    # One row per variant, then rows carrying only further images of the
    # product: those have no Variant SKU.
    products_are=RowRule("Variant SKU", filled=True, others_are="rows without a Variant SKU (images, options)"),
    # A product's second and later variant rows leave Title and Body empty.
    inherit=Inherit(group_by="Handle", fields=("name", "description")),
)

WOOCOMMERCE = Platform(
    name="WooCommerce product export",
    recognized_by=("ID", "Type", "SKU", "Name", "Regular price"),
    # Variation rows carry their own SKU, name ("Hoodie - Red") and price:
    # each is a product.
    columns={"sku": ("SKU",), "name": ("Name",), "description": ("Description",), "price": ("Regular price",)},
)

MAGENTO = Platform(
    name="Magento / Adobe Commerce catalog_product export",
    recognized_by=("sku", "store_view_code", "attribute_set_code", "product_type"),
    columns={"sku": ("sku",), "name": ("name",), "description": ("description",), "price": ("price",)},
    # A row with a store view code holds that store view's translation of
    # the default row above it: never a product of its own.
    products_are=RowRule(
        "store_view_code", filled=False, others_are="rows of other store views (translations of the default row)"
    ),
)

AKENEO = Platform(
    name="Akeneo product export",
    recognized_by=("sku", "categories", "enabled", "family"),
    columns={
        "sku": ("sku",),
        "name": ("name-{locale}", "name"),
        "description": ("description-{locale}-{channel}", "description-{locale}", "description"),
        "price": ("price-{currency}", "price"),
    },
)

# Checked in this order; the first whose names are all in the header is used.
PLATFORMS = (SHOPIFY, WOOCOMMERCE, MAGENTO, AKENEO)

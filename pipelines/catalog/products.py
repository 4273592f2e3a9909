"""Browsing and editing products, as the admin app does it.

Every change records its event (product.created / product.updated /
product.deleted / products.deleted_all) in the same transaction, so webhooks
announce exactly the changes that committed. SKU uniqueness uses the same
normalization as the import pipeline.
"""

from dataclasses import dataclass

import psycopg

from pipelines.catalog.events import (
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    PRODUCTS_DELETED_ALL,
    record_event,
)
from pipelines.catalog.product_rules import first_problem
from pipelines.catalog.sku import normalize_sku
from pipelines.db.connection import connect
from pipelines.db.sql_files import query

COUNT_CAP = 10_000
# Below this many products an exact count is cheap; above, the planner's estimate.
EXACT_COUNT_UP_TO = 200_000
ACTIVE_CHOICES = {"all": None, "active": True, "inactive": False}


class ProductError(ValueError):
    """A change that cannot be made; the message is for the user."""


@dataclass(frozen=True)
class ProductFilter:
    sku: str = ""
    name: str = ""
    description: str = ""
    active: str = "all"  # all | active | inactive

    def params(self) -> dict:
        def pattern(text: str) -> str | None:
            text = text.strip()
            if not text:
                return None
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"%{escaped}%"

        return {
            "sku": pattern(self.sku),
            "name": pattern(self.name),
            "description": pattern(self.description),
            "active": ACTIVE_CHOICES[self.active],
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.params()[k] is not None for k in ("sku", "name", "description", "active"))


@dataclass(frozen=True)
class Count:
    value: int
    kind: str = "exact"  # exact | at_least (capped at COUNT_CAP) | estimate

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def label(self) -> str:
        return {"exact": f"{self.value:,}", "at_least": f"{self.value:,}+", "estimate": f"≈ {self.value:,}"}[self.kind]


def page_after(url: str, where: ProductFilter, after_id: int = 0, limit: int = 50) -> list[dict]:
    """The first `limit` matching products with id > after_id, in id order."""
    with connect(url) as conn:
        return conn.execute(
            query("products/page_after"), {**where.params(), "after_id": after_id, "limit": limit}
        ).fetchall()


def page_before(url: str, where: ProductFilter, before_id: int | None = None, limit: int = 50) -> list[dict]:
    """The last `limit` matching products with id < before_id, in id order."""
    before = before_id if before_id is not None else 2**63 - 1
    with connect(url) as conn:
        rows = conn.execute(
            query("products/page_before"), {**where.params(), "before_id": before, "limit": limit}
        ).fetchall()
    return rows[::-1]


def count_products(url: str, where: ProductFilter) -> Count:
    with connect(url) as conn:
        if where.is_empty:
            estimate = conn.execute(query("products/estimate")).fetchone()["n"]
            if estimate > EXACT_COUNT_UP_TO:
                return Count(estimate, "estimate")
            return Count(conn.execute(query("products/total")).fetchone()["n"])
        n = conn.execute(query("products/count"), {**where.params(), "cap": COUNT_CAP + 1}).fetchone()["n"]
    return Count(min(n, COUNT_CAP), "exact" if n <= COUNT_CAP else "at_least")


def get_product(url: str, product_id: int) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("products/get"), {"id": product_id}).fetchone()


def _clean(sku: str, name: str, description: str) -> tuple[str, str, str]:
    sku, name, description = (sku or "").strip(), (name or "").strip(), (description or "").strip()
    if problem := first_problem(sku, name, description):
        raise ProductError(f"{problem[0].upper()}{problem[1:]}.")
    return sku, name, description


def _sku_taken(conn: psycopg.Connection, sku_key: str, other_than: int | None) -> dict | None:
    owner = conn.execute(query("products/sku_owner"), {"sku_key": sku_key}).fetchone()
    return owner if owner and owner["id"] != other_than else None


def _clash_message(sku: str, owner: dict) -> str:
    return (
        f"SKU '{sku}' is already used by product #{owner['id']} ('{owner['sku']}'); "
        "SKUs are compared without regard to case."
    )


def _write(conn: psycopg.Connection, query_name: str, sku: str, params: dict) -> dict | None:
    """Insert or update; a SKU taken by a change that committed after our check is a friendly error."""
    try:
        return conn.execute(query(query_name), params).fetchone()
    except psycopg.errors.UniqueViolation:
        raise ProductError(f"SKU '{sku}' was just taken by another change; reload and try again.") from None


def _payload(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if k != "sku_key"}


def create_product(url: str, sku: str, name: str, description: str = "", active: bool = True) -> dict:
    sku, name, description = _clean(sku, name, description)
    key = normalize_sku(sku)
    with connect(url) as conn, conn.transaction():
        owner = _sku_taken(conn, key, None)
        if owner:
            raise ProductError(_clash_message(sku, owner))
        row = _write(
            conn,
            "products/insert",
            sku,
            {"sku": sku, "sku_key": key, "name": name, "description": description, "active": active},
        )
        record_event(conn, PRODUCT_CREATED, {"product": _payload(row)}, None)
    return row


def update_product(url: str, product_id: int, sku: str, name: str, description: str, active: bool) -> dict:
    """Change a product; returns it as it is now (unchanged values: no event)."""
    sku, name, description = _clean(sku, name, description)
    key = normalize_sku(sku)
    with connect(url) as conn, conn.transaction():
        previous = conn.execute(query("products/lock"), {"id": product_id}).fetchone()
        if previous is None:
            raise ProductError(f"Product #{product_id} no longer exists.")
        owner = _sku_taken(conn, key, product_id)
        if owner:
            raise ProductError(_clash_message(sku, owner))
        row = _write(
            conn,
            "products/update",
            sku,
            {
                "id": product_id,
                "sku": sku,
                "sku_key": key,
                "name": name,
                "description": description,
                "active": active,
            },
        )
        if row is None:
            return previous
        record_event(conn, PRODUCT_UPDATED, {"product": _payload(row), "previous": _payload(previous)}, None)
    return row


def set_active(url: str, product_id: int, active: bool) -> dict:
    product = get_product(url, product_id)
    if product is None:
        raise ProductError(f"Product #{product_id} no longer exists.")
    return update_product(url, product_id, product["sku"], product["name"], product["description"], active)


def delete_product(url: str, product_id: int) -> dict:
    with connect(url) as conn, conn.transaction():
        row = conn.execute(query("products/delete"), {"id": product_id}).fetchone()
        if row is None:
            raise ProductError(f"Product #{product_id} no longer exists.")
        record_event(conn, PRODUCT_DELETED, {"product": _payload(row)}, None)
    return row


def delete_all_products(url: str) -> int:
    """Delete every product; returns how many there were."""
    with connect(url) as conn, conn.transaction():
        # Take the table lock first so the count is the number deleted.
        conn.execute(query("products/lock_table"))
        deleted = conn.execute(query("products/total")).fetchone()["n"]
        conn.execute(query("products/delete_all"))
        record_event(conn, PRODUCTS_DELETED_ALL, {"deleted": deleted}, None)
    return deleted

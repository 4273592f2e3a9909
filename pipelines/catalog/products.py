"""Browsing and editing products, as the admin app does it.

Every change records its event (product.created / product.updated /
product.deleted / products.deleted_all) in the same transaction, so webhooks
announce exactly the changes that committed. SKU uniqueness uses the same
normalization as the import pipeline.
"""

from dataclasses import dataclass
from decimal import Decimal

import psycopg

from pipelines.catalog.events import (
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    PRODUCTS_DELETED_ALL,
    PRODUCTS_RESTORED,
    record_event,
)
from pipelines.catalog.product_rules import clean_price, first_problem
from pipelines.catalog.sku import normalize_sku
from pipelines.db.connection import connect
from pipelines.db.search_indexes import no_index_build
from pipelines.db.sql_files import query, with_parts

COUNT_CAP = 10_000
# Below this many products an exact count is cheap; above, the planner's estimate.
EXACT_COUNT_UP_TO = 200_000
ACTIVE_CHOICES = {"all": None, "active": True, "inactive": False}
# What products can be sorted by: the SQL key and its type (sql/queries/products/page.sql).
# Products without a price sort after all priced ones (as if infinitely dear).
SORT_KEYS = {
    "id": ("id", "bigint"),
    "sku": ("sku_key", "text"),
    "name": ("name", "text"),
    "price": ("coalesce(price, 'Infinity')", "numeric"),
    "updated_at": ("updated_at", "timestamptz"),
}


class ProductError(ValueError):
    """A change that cannot be made; the message is for the user."""


class ProductNotFound(ProductError):
    pass


class DeletionNotFound(ProductError):
    pass


class AlreadyRestored(ProductError):
    pass


class SkuTaken(ProductError):
    """The SKU belongs to another product (SKUs are compared without regard to case)."""


def contains_pattern(text: str) -> str | None:
    """An ILIKE pattern matching `text` (trimmed) literally anywhere; None for no filter."""
    text = (text or "").strip()
    if not text:
        return None
    if "\x00" in text:
        raise ProductError("A filter cannot contain a NUL character.")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ProductFilter:
    sku: str = ""
    name: str = ""
    description: str = ""
    active: str = "all"  # all | active | inactive
    price_min: str = ""  # a price, as typed (product_rules.clean_price); empty: no bound
    price_max: str = ""

    def params(self) -> dict:
        return {
            "sku": contains_pattern(self.sku),
            "name": contains_pattern(self.name),
            "description": contains_pattern(self.description),
            "active": ACTIVE_CHOICES[self.active],
            "price_min": _price_bound(self.price_min, "Minimum price"),
            "price_max": _price_bound(self.price_max, "Maximum price"),
        }

    @property
    def is_empty(self) -> bool:
        return all(value is None for value in self.params().values())


def _price_bound(text: str, label: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    value = clean_price(text)
    if value is None:
        raise ProductError(f"{label} '{text}' is not a price.")
    return Decimal(value)


@dataclass(frozen=True)
class ProductOrder:
    """How a page of products is sorted: a key of SORT_KEYS, ascending or not."""

    by: str = "id"
    descending: bool = False

    def __post_init__(self):
        if self.by not in SORT_KEYS:
            raise ValueError(f"Products cannot be sorted by {self.by!r}; choose one of {', '.join(SORT_KEYS)}.")

    def statement(self, forward: bool):
        key, key_type = SORT_KEYS[self.by]
        ascending = forward != self.descending
        return with_parts(
            "products/page",
            matching=query("products/matching"),
            key=key,
            key_type=key_type,
            cmp=">" if ascending else "<",
            direction="ASC" if ascending else "DESC",
        )


Cursor = tuple  # (sort_value, id) of a row: where a page starts after or ends before


def _cursor(cursor: Cursor | int | None) -> dict:
    if isinstance(cursor, int):  # an id, when sorted by id (0: from the start)
        cursor = (cursor, cursor) if cursor else None
    value, product_id = cursor if cursor else (None, None)
    return {"cursor_value": value, "cursor_id": product_id}


def cursor_of(row: dict) -> Cursor:
    return (row["sort_value"], row["id"])


@dataclass(frozen=True)
class Count:
    value: int
    kind: str = "exact"  # exact | at_least (capped at COUNT_CAP) | estimate

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def label(self) -> str:
        return {"exact": f"{self.value:,}", "at_least": f"{self.value:,}+", "estimate": f"≈ {self.value:,}"}[self.kind]


def page_after(
    url: str,
    where: ProductFilter,
    after: Cursor | int | None = None,
    limit: int = 50,
    order: ProductOrder | None = None,
) -> list[dict]:
    """The first `limit` matching products after the cursor (None: from the start), in `order`."""
    order = order or ProductOrder()
    with connect(url) as conn:
        return conn.execute(order.statement(True), {**where.params(), **_cursor(after), "limit": limit}).fetchall()


def page_before(
    url: str,
    where: ProductFilter,
    before: Cursor | int | None = None,
    limit: int = 50,
    order: ProductOrder | None = None,
) -> list[dict]:
    """The last `limit` matching products before the cursor (None: the last page), in `order`."""
    order = order or ProductOrder()
    with connect(url) as conn:
        rows = conn.execute(order.statement(False), {**where.params(), **_cursor(before), "limit": limit}).fetchall()
    return rows[::-1]


def count_products(url: str, where: ProductFilter) -> Count:
    with connect(url) as conn:
        if where.is_empty:
            estimate = conn.execute(query("products/estimate")).fetchone()["n"]
            if estimate > EXACT_COUNT_UP_TO:
                return Count(estimate, "estimate")
            return Count(conn.execute(query("products/total")).fetchone()["n"])
        counting = with_parts("products/count", matching=query("products/matching"))
        n = conn.execute(counting, {**where.params(), "cap": COUNT_CAP + 1}).fetchone()["n"]
    return Count(min(n, COUNT_CAP), "exact" if n <= COUNT_CAP else "at_least")


def get_product(url: str, product_id: int) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("products/get"), {"id": product_id}).fetchone()


def _clean(sku: str, name: str, description: str, price: str) -> tuple[str, str, str, str | None]:
    """The trimmed values, the price as stored (None: no price); ProductError names the problem."""
    sku, name, description = (sku or "").strip(), (name or "").strip(), (description or "").strip()
    price = "" if price is None else str(price).strip()
    if problem := first_problem(sku, name, description, price):
        raise ProductError(f"{problem[0].upper()}{problem[1:]}.")
    return sku, name, description, clean_price(price)


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
        raise SkuTaken(f"SKU '{sku}' was just taken by another change; reload and try again.") from None


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)  # a price stays exact: "19.90", never a float
    return value.isoformat() if hasattr(value, "isoformat") else value


def product_payload(row: dict) -> dict:
    """A product as events carry it."""
    return {k: _json_value(v) for k, v in row.items() if k not in ("sku_key", "sort_value")}


def _event(conn: psycopg.Connection, event_type: str, payload: dict, by: str | None) -> None:
    """A product change's event; `by` says who made it (the admin app, an API token), shown in its history."""
    record_event(conn, event_type, {**payload, "by": by} if by else payload, None)


def create_product(
    url: str,
    sku: str,
    name: str,
    description: str = "",
    active: bool = True,
    price: str | Decimal | None = "",
    by: str | None = None,
) -> dict:
    sku, name, description, price = _clean(sku, name, description, price)
    key = normalize_sku(sku)
    with connect(url) as conn, conn.transaction():
        owner = _sku_taken(conn, key, None)
        if owner:
            raise SkuTaken(_clash_message(sku, owner))
        row = _write(
            conn,
            "products/insert",
            sku,
            {"sku": sku, "sku_key": key, "name": name, "description": description, "price": price, "active": active},
        )
        _event(conn, PRODUCT_CREATED, {"product": product_payload(row)}, by)
    return row


def update_product(
    url: str,
    product_id: int,
    sku: str,
    name: str,
    description: str,
    active: bool,
    price: str | Decimal | None = "",
    by: str | None = None,
) -> dict:
    """Change a product; returns it as it is now (unchanged values: no event). An empty price: no price."""
    sku, name, description, price = _clean(sku, name, description, price)
    with connect(url) as conn, conn.transaction():
        previous = conn.execute(query("products/lock"), {"id": product_id}).fetchone()
        if previous is None:
            raise ProductNotFound(f"Product #{product_id} no longer exists.")
        return _update(conn, previous, sku, name, description, active, price, by)


def _update(
    conn: psycopg.Connection,
    previous: dict,
    sku: str,
    name: str,
    description: str,
    active: bool,
    price: str | Decimal | None,
    by: str | None,
) -> dict:
    """update_product in the caller's transaction: `previous` is the product
    as locked (products/lock), the others its cleaned new values."""
    product_id = previous["id"]
    key = normalize_sku(sku)
    owner = _sku_taken(conn, key, product_id)
    if owner:
        raise SkuTaken(_clash_message(sku, owner))
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
            "price": price,
            "active": active,
        },
    )
    if row is None:
        return previous
    _event(conn, PRODUCT_UPDATED, {"product": product_payload(row), "previous": product_payload(previous)}, by)
    return row


def set_active(url: str, product_id: int, active: bool, by: str | None = None) -> dict:
    changed = set_active_many(url, [product_id], active, by)
    if not changed:
        raise ProductNotFound(f"Product #{product_id} no longer exists.")
    return changed[0]


def set_active_many(url: str, product_ids: list[int], active: bool, by: str | None = None) -> list[dict]:
    """(De)activate these products in one transaction, an event for each that
    changes; returns the ones still there, as they are now."""
    done = []
    with connect(url) as conn, conn.transaction():
        for product_id in product_ids:
            product = conn.execute(query("products/lock"), {"id": product_id}).fetchone()
            if product is None:
                continue  # deleted meanwhile: nothing to (de)activate
            done.append(
                _update(
                    conn, product, product["sku"], product["name"], product["description"], active, product["price"], by
                )
            )
    return done


def delete_product(url: str, product_id: int, by: str | None = None) -> dict:
    deleted = delete_products(url, [product_id], by)
    if not deleted:
        raise ProductNotFound(f"Product #{product_id} no longer exists.")
    return deleted[0]


def delete_products(url: str, product_ids: list[int], by: str | None = None) -> list[dict]:
    """Delete these products in one transaction, an event for each; returns
    the ones deleted (those already gone are skipped)."""
    deleted = []
    with connect(url) as conn, conn.transaction():
        for product_id in product_ids:
            row = conn.execute(query("products/delete"), {"id": product_id}).fetchone()
            if row is None:
                continue
            conn.execute(query("products/tombstone"), {"sku_key": row["sku_key"]})
            _event(conn, PRODUCT_DELETED, {"product": product_payload(row)}, by)
            deleted.append(row)
    return deleted


HISTORY_FIELDS = ("sku", "name", "description", "price", "active")
HISTORY_CHANGES = {
    "product.created": "created",
    "product.updated": "updated",
    "product.deleted": "deleted",
    "import.created": "created by an import",
    "import.updated": "updated by an import",
}


def _value(values: dict | None, field: str):
    """A field's value for comparing; an empty text is no value (a new product without a description)."""
    value = (values or {}).get(field)
    return None if value == "" else value


def product_history(url: str, product_id: int, limit: int = 50) -> list[dict]:
    """A product's changes, newest first: at, change, by (who, or which
    import), and changed: {field: (before, after)} for the fields that changed.

    An import's journal holds the values before it; those after it are the
    ones the next newer change started from (or the product's current ones).
    """
    with connect(url) as conn:
        rows = conn.execute(query("products/history"), {"id": product_id, "limit": limit}).fetchall()
        current = conn.execute(query("products/get"), {"id": product_id}).fetchone()
    later = product_payload(current) if current else None  # the values just after the change being read
    history = []
    for row in rows:
        kind = row["change"]
        if kind.startswith("import."):
            after = later
            # The journal holds no `active`: imports keep it as it was.
            before = {**row["before"], "active": (after or {}).get("active")} if row["before"] else None
        else:
            before, after = row["before"], row["after"]
            if kind == "product.deleted":
                before, after = after, None
        changed = {
            field: (old, new)
            for field in HISTORY_FIELDS
            if (old := _value(before, field)) != (new := _value(after, field))
        }
        by = row["by"] or (f"import {row['import_id']} ({row['file_name']})" if row["import_id"] else "")
        history.append({"at": row["at"], "change": HISTORY_CHANGES[kind], "by": by, "changed": changed})
        later = before
    return history


def delete_all_products(url: str) -> int:
    """Delete every product, keeping them restorable (restore_deleted) for
    JOURNAL_RETENTION_DAYS; returns how many there were (waits for a search
    index build to end)."""
    with no_index_build(url), connect(url) as conn, conn.transaction():
        # Take the table lock first so the count is the number deleted.
        conn.execute(query("products/lock_table"))
        deleted = conn.execute(query("products/total")).fetchone()["n"]
        deletion = conn.execute(query("products/snapshot_create"), {"products": deleted}).fetchone()
        conn.execute(query("products/snapshot_rows"), {"deletion_id": deletion["id"]})
        conn.execute(query("products/delete_all"))
        conn.execute(query("products/cleared"))
        record_event(conn, PRODUCTS_DELETED_ALL, {"deleted": deleted, "deletion_id": deletion["id"]}, None)
    return deleted


def recent_deletions(url: str, limit: int = 20) -> list[dict]:
    """Delete-alls still kept (newest first): id, deleted_at, products, restored_at, restored."""
    with connect(url) as conn:
        return conn.execute(query("products/deletions"), {"limit": limit}).fetchall()


def restore_deleted(url: str, deletion_id: int) -> dict:
    """Put back what delete-all `deletion_id` deleted; products whose SKU exists
    again are kept as they are now. Returns restored and kept counts."""
    with connect(url) as conn, conn.transaction():
        conn.execute(query("staging/merge_lock"))  # takes turns with merges
        deletion = conn.execute(query("products/deletion_lock"), {"deletion_id": deletion_id}).fetchone()
        if deletion is None:
            raise DeletionNotFound(
                f"There is no kept delete-all #{deletion_id} (it may be older than JOURNAL_RETENTION_DAYS)."
            )
        if deletion["restored_at"] is not None:
            when = f"{deletion['restored_at']:%Y-%m-%d %H:%M}"
            raise AlreadyRestored(f"Delete-all #{deletion_id} was already restored at {when}.")
        restored = conn.execute(query("products/restore"), {"deletion_id": deletion_id}).fetchone()["restored"]
        summary = {"deletion_id": deletion_id, "restored": restored, "kept": deletion["products"] - restored}
        record_event(conn, PRODUCTS_RESTORED, summary, None)
    return summary

"""Recomputing stored SKU keys when the rule for "same SKU" changes (migration 0005).

Only SKUs beyond ASCII can get another key (for ASCII the rule is trimming
and lower-casing, as before). Where two products' SKUs now mean the same, the
one changed most recently (changed_at, then updated_at) stays; the others
move to products_merged_by_sku_key with the id of the one they were merged
into, and a product.deleted event tells subscribers. Runs inside the
migration's transaction, holding the merge lock, so no import merges
meanwhile.
"""

from collections import defaultdict

import polars as pl
import psycopg

from pipelines.catalog.events import PRODUCT_DELETED, record_event
from pipelines.catalog.sku import sku_keys
from pipelines.db.sql_files import query


def _payload(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def recompute_sku_keys(conn: psycopg.Connection) -> str:
    """Give every product the current rule's key; returns what was done, for `migrate` to print."""
    conn.execute(query("staging/merge_lock"))
    rows = conn.execute(query("schema/products_not_ascii")).fetchall()
    if not rows:
        return "no SKU key to recompute"
    keys = sku_keys(pl.Series([r["sku"] for r in rows], dtype=pl.String)).to_list()
    new_key = {r["id"]: key for r, key in zip(rows, keys, strict=True)}
    changed = {r["id"]: r for r in rows if new_key[r["id"]] and new_key[r["id"]] != r["sku_key"]}
    if not changed:
        return "no SKU key changed"
    holders = conn.execute(query("schema/products_by_keys"), {"keys": list({new_key[i] for i in changed})}).fetchall()
    involved = {r["id"]: r for r in holders} | changed
    groups: dict[str, list[dict]] = defaultdict(list)
    for product_id, row in involved.items():
        groups[new_key[product_id] if product_id in changed else row["sku_key"]].append(row)
    merged_away: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        kept = max(members, key=lambda r: (r["changed_at"], r["updated_at"], r["id"]))
        for loser in members:
            if loser is kept:
                continue
            gone = conn.execute(query("schema/product_merge_away"), {"id": loser["id"], "kept": kept["id"]}).fetchone()
            reason = f"Merged into product #{kept['id']} ('{kept['sku']}'): the same SKU under caseless matching."
            record_event(conn, PRODUCT_DELETED, {"product": _payload(gone), "reason": reason}, None)
            merged_away.add(loser["id"])
    survivors = [product_id for product_id in changed if product_id not in merged_away]
    # Through a placeholder first (upper case: never a key), so that two
    # products trading keys never clash on the unique constraint midway.
    for product_id in survivors:
        conn.execute(query("schema/product_set_key"), {"id": product_id, "sku_key": f"MIGRATING-{product_id}"})
    for product_id in survivors:
        conn.execute(query("schema/product_set_key"), {"id": product_id, "sku_key": new_key[product_id]})
    note = f"{len(survivors):,} SKU key(s) recomputed"
    if merged_away:
        note += (
            f"; {len(merged_away):,} product(s) merged into another with the same caseless SKU"
            " (kept in products_merged_by_sku_key)"
        )
    return note

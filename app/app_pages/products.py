"""Products page: filter, sort, page through, create, edit, delete, export."""

import hashlib
from datetime import date

import streamlit as st

from app.common import as_text, confirm_buttons, moment, show_toast, start_page, toast_next_run
from pipelines.catalog.export import export_csv
from pipelines.catalog.products import (
    ProductError,
    ProductFilter,
    ProductOrder,
    count_products,
    create_product,
    cursor_of,
    delete_all_products,
    delete_products,
    get_product,
    page_after,
    page_before,
    product_history,
    recent_deletions,
    restore_deleted,
    set_active_many,
    update_product,
)
from pipelines.settings import journal_retention_days

BY = "admin app"  # who the product's history says made the change
url = start_page()
show_toast()
st.title("Products")

# --- filters -----------------------------------------------------------------
SORT_LABELS = {"id": "Oldest first", "sku": "SKU", "name": "Name", "price": "Price", "updated_at": "Last change"}
cols = st.columns([2, 2, 3, 1.3, 1, 1])
where = ProductFilter(
    sku=cols[0].text_input("SKU contains", key="f_sku"),
    name=cols[1].text_input("Name contains", key="f_name"),
    description=cols[2].text_input("Description contains", key="f_description"),
    active=cols[3].selectbox("Status", ["all", "active", "inactive"], key="f_active"),
    price_min=cols[4].text_input("Price from", key="f_price_min"),
    price_max=cols[5].text_input("Price to", key="f_price_max"),
)
cols = st.columns([2, 1.2, 1, 4])
order = ProductOrder(
    by=cols[0].selectbox("Sort by", list(SORT_LABELS), format_func=SORT_LABELS.get, key="sort_by"),
    descending=cols[1].toggle("Descending", key="sort_descending"),
)
page_size = cols[2].selectbox("Page size", [25, 50, 100, 200], index=1, key="page_size")
try:
    where.params()
except ProductError as problem:
    st.error(as_text(problem))
    st.stop()

# --- keyset paging -------------------------------------------------------------
# Pages are found by their sort key and id (after the last row shown, or
# before the first), so a deep page costs as little as the first; the offset
# is only for the label.
paging = st.session_state.get("paging")
if paging is None or paging["filter"] != where or paging["size"] != page_size or paging["order"] != order:
    paging = {"filter": where, "order": order, "size": page_size, "mode": "after", "cursor": None, "offset": 0}
    st.session_state["paging"] = paging
count = count_products(url, where)
if paging["mode"] == "after":
    rows = page_after(url, where, paging["cursor"], page_size, order)
else:
    rows = page_before(url, where, paging["cursor"], page_size, order)
    if len(rows) < page_size and paging["cursor"] is not None:  # ran into the start
        paging.update(mode="after", cursor=None, offset=0)
        rows = page_after(url, where, None, page_size, order)


def go(mode: str, cursor: int | None, offset: int | None) -> None:
    """Move to another page; offset None means unknown (after "Last" on an inexact count)."""
    st.session_state["paging"] = {
        **paging,
        "mode": mode,
        "cursor": cursor,
        "offset": None if offset is None else max(offset, 0),
    }


def shift(offset: int | None, by: int) -> int | None:
    return None if offset is None else offset + by


where_label = f"{count.label()} matching product{'' if count.label() == '1' else 's'}"
if not rows:
    st.caption(f"{where_label}")
elif paging["offset"] is None:
    st.caption(f"{where_label} · {len(rows)} shown")
else:
    st.caption(f"{where_label} · rows {paging['offset'] + 1:,}–{paging['offset'] + len(rows):,}")
nav = st.container(horizontal=True)
at_start = paging["offset"] == 0 or (rows and paging["mode"] == "after" and paging["cursor"] is None)
nav.button("First", icon=":material/first_page:", disabled=at_start, on_click=go, args=("after", None, 0), key="first")
if rows:
    nav.button(
        "Previous",
        icon=":material/chevron_left:",
        disabled=at_start,
        on_click=go,
        args=("before", cursor_of(rows[0]), shift(paging["offset"], -page_size)),
        key="prev",
    )
    at_end = len(rows) < page_size or not page_after(url, where, cursor_of(rows[-1]), 1, order)
    nav.button(
        "Next",
        icon=":material/chevron_right:",
        disabled=at_end,
        on_click=go,
        args=("after", cursor_of(rows[-1]), shift(paging["offset"], len(rows))),
        key="next",
    )
    nav.button(
        "Last",
        icon=":material/last_page:",
        disabled=at_end,
        on_click=go,
        args=("before", None, count.value - page_size if count.exact else None),
        key="last",
    )

# A selection is of rows as shown: another filter, order or page, or a bulk
# change, starts with none (else the same positions would pick other products).
view = (where, order, page_size, paging["mode"], paging["cursor"], st.session_state.get("table_generation", 0))
table_key = "products_table_" + hashlib.sha256(repr(view).encode()).hexdigest()[:16]
st.session_state["products_table_key"] = table_key


def clear_selection() -> None:
    st.session_state["table_generation"] = st.session_state.get("table_generation", 0) + 1


table = st.dataframe(
    [
        {
            **{k: r[k] for k in ("id", "sku", "name", "description", "active", "updated_at")},
            # As text: a price shows exactly the digits it has (19.90 stays 19.90, 5 stays 5).
            "price": "" if r["price"] is None else str(r["price"]),
        }
        for r in rows
    ],
    hide_index=True,
    on_select="rerun",
    selection_mode="multi-row",
    key=table_key,
    placeholder="",
    column_order=("id", "sku", "name", "price", "description", "active", "updated_at"),
    column_config={"description": st.column_config.TextColumn(width="large")},
)
selected_rows = table.selection.rows if table is not None and hasattr(table, "selection") else []
chosen = [rows[i] for i in selected_rows if i < len(rows)]
selected = chosen[0] if len(chosen) == 1 else None


# --- dialogs ---------------------------------------------------------------------
# A dialog stays open while st.session_state["dialog"] names it (a button's own
# value lasts one run only); closing it with the X clears that.
def open_dialog(kind: str, product_id: int | None = None) -> None:
    st.session_state["dialog"] = (kind, product_id)


def close_dialog() -> None:
    st.session_state.pop("dialog", None)


def product_form(product: dict | None) -> None:
    # Keys of their own for "new" and for each product: a new product never
    # opens with the values of the one edited before.
    form = f"form_{product['id'] if product else 'new'}"
    with st.form(form):
        sku = st.text_input("SKU", value=product["sku"] if product else "", key=f"{form}_sku")
        name = st.text_input("Name", value=product["name"] if product else "", key=f"{form}_name")
        description = st.text_area(
            "Description", value=product["description"] if product else "", key=f"{form}_description"
        )
        price = st.text_input(
            "Price",
            value=str(product["price"]) if product and product["price"] is not None else "",
            placeholder="none",
            help="A decimal number such as 19.90 (or 19,90); empty for no price.",
            key=f"{form}_price",
        )
        active = st.checkbox("Active", value=product["active"] if product else True, key=f"{form}_active")
        if st.form_submit_button("Save", type="primary"):
            try:
                if product:
                    saved = update_product(url, product["id"], sku, name, description, active, price, by=BY)
                    toast_next_run(f"Saved {as_text(saved['sku'])}")
                else:
                    saved = create_product(url, sku, name, description, active, price, by=BY)
                    toast_next_run(f"Created {as_text(saved['sku'])}")
            except ProductError as problem:
                st.error(as_text(problem))
                return
            close_dialog()
            st.rerun()


@st.dialog("New product", on_dismiss=close_dialog)
def create_dialog() -> None:
    product_form(None)


def still_there(product_id: int) -> dict | None:
    """The product, or a note in the dialog that someone deleted it meanwhile."""
    product = get_product(url, product_id)
    if product is None:
        st.warning("This product no longer exists.")
    return product


def shown(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "active" if value else "inactive"
    return str(value)  # a table cell: plain text, no Markdown


def history_rows(product_id: int) -> list[dict]:
    return [
        {
            "when": moment(entry["at"]),
            "change": entry["change"],
            "by": entry["by"],
            "what": "; ".join(
                f"{field}: {shown(old)} → {shown(new)}" if old is not None else f"{field}: {shown(new)}"
                for field, (old, new) in entry["changed"].items()
            ),
        }
        for entry in product_history(url, product_id)
    ]


@st.dialog("Edit product", width="large", on_dismiss=close_dialog)
def edit_dialog(product_id: int) -> None:
    if product := still_there(product_id):
        product_form(product)
        st.markdown("**History**")
        if history := history_rows(product_id):
            st.dataframe(history, hide_index=True, key=f"history_{product_id}")
        else:
            st.caption("No change recorded (imports older than JOURNAL_RETENTION_DAYS are not kept).")


@st.dialog("Delete products", on_dismiss=close_dialog)
def delete_dialog(product_ids: tuple[int, ...]) -> None:
    products = [p for i in product_ids if (p := get_product(url, i))]
    if not products:
        st.warning("These products no longer exist.")
        return
    if len(products) == 1:
        st.write(f"Delete **{as_text(products[0]['sku'])}** ({as_text(products[0]['name'])})?")
    else:
        skus = ", ".join(as_text(p["sku"]) for p in products[:10]) + (" …" if len(products) > 10 else "")
        st.write(f"Delete these **{len(products)} products**? {skus}")

    def delete() -> tuple[str, str]:
        deleted = delete_products(url, [p["id"] for p in products], by=BY)
        clear_selection()
        what = as_text(deleted[0]["sku"]) if len(deleted) == 1 else f"{len(deleted):,} products"
        return f"Deleted {what}", ":material/delete:"

    confirm_buttons("Delete", "delete", delete, close_dialog)


@st.dialog("Delete all products", on_dismiss=close_dialog)
def delete_all_dialog() -> None:
    days = journal_retention_days()
    st.warning(
        f"Are you sure? Every product is deleted. What is deleted is kept for {days:g} days "
        "(JOURNAL_RETENTION_DAYS): until then **Restore** below puts it back."
    )

    def delete_all() -> tuple[str, str]:
        try:
            with st.spinner("Deleting all products…"):
                deleted = delete_all_products(url)
            return f"Deleted all {deleted:,} products", ":material/delete:"
        except Exception as error:  # shown to the user, not as a trace
            return f"Delete all failed: {as_text(error)}", ":material/warning:"

    confirm_buttons("Delete all products", "delete_all", delete_all, close_dialog)


# --- actions -------------------------------------------------------------------------
def set_chosen_active(active: bool) -> None:
    """(De)activate every chosen product, in one transaction."""
    done = set_active_many(url, [p["id"] for p in chosen], active, by=BY)
    clear_selection()
    state = "active" if active else "inactive"
    toast_next_run(
        f"{as_text(done[0]['sku'])} is now {state}" if len(done) == 1 else f"{len(done):,} products are now {state}"
    )


actions = st.container(horizontal=True)
actions.button("New product", icon=":material/add:", on_click=open_dialog, args=("create",), key="new")
if selected:
    actions.button("Edit", icon=":material/edit:", on_click=open_dialog, args=("edit", selected["id"]), key="edit")
if chosen:
    many = f" {len(chosen)}" if len(chosen) > 1 else ""
    if any(not p["active"] for p in chosen):
        actions.button(
            f"Activate{many}", icon=":material/toggle_on:", on_click=set_chosen_active, args=(True,), key="activate"
        )
    if any(p["active"] for p in chosen):
        actions.button(
            f"Deactivate{many}",
            icon=":material/toggle_off:",
            on_click=set_chosen_active,
            args=(False,),
            key="deactivate",
        )
    actions.button(
        f"Delete{many}",
        icon=":material/delete:",
        on_click=open_dialog,
        args=("delete", tuple(p["id"] for p in chosen)),
        key="delete",
    )
# Built when clicked (a callable), from the same export as GET /products/export;
# the app holds the file while it is downloaded, the API streams it.
actions.download_button(
    "Export (CSV)",
    lambda: b"".join(export_csv(url, where)),
    file_name=f"products-{date.today().isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    help="The products matching the filter, in the import's columns (sku, name, description, price): "
    "the file imports back unchanged.",
    key="export",
)
actions.button(
    "Delete all products",
    icon=":material/delete_forever:",
    on_click=open_dialog,
    args=("delete_all",),
    key="delete_all",
)
if not chosen:
    st.caption("Select a row to edit it; select several to (de)activate or delete them together.")

dialog = st.session_state.get("dialog")
if dialog:
    kind, product_id = dialog
    {
        "create": lambda: create_dialog(),
        "edit": lambda: edit_dialog(product_id),
        "delete": lambda: delete_dialog(product_id),
        "delete_all": lambda: delete_all_dialog(),
    }[kind]()


# --- restore ---------------------------------------------------------------------------
if kept := [d for d in recent_deletions(url) if d["restored_at"] is None]:
    with st.expander(f"Deleted catalogs that can be restored ({len(kept)})"):
        for deletion in kept:
            cols = st.columns([4, 1], vertical_alignment="center")
            cols[0].write(f"{deletion['products']:,} products deleted at {deletion['deleted_at']:%Y-%m-%d %H:%M}")
            if cols[1].button("Restore", icon=":material/restore:", key=f"restore-{deletion['id']}"):
                try:
                    with st.spinner("Restoring…"):
                        done = restore_deleted(url, deletion["id"])
                    kept_note = f"; {done['kept']:,} kept (their SKU exists again)" if done["kept"] else ""
                    toast_next_run(f"Restored {done['restored']:,} products{kept_note}", ":material/restore:")
                except ProductError as problem:
                    toast_next_run(as_text(problem), ":material/warning:")
                st.rerun()

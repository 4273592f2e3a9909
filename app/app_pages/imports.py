"""Imports page: history, newest first, live while imports run; what an import changed, and Undo."""

from pathlib import Path

import polars as pl
import streamlit as st

from app.common import (
    as_text,
    before_after,
    cancel_button,
    confirm_buttons,
    moment,
    run_link,
    seconds_between,
    show_toast,
    stage_label,
    start_page,
)
from pipelines.importing.cancellation import ImportNotFound
from pipelines.importing.import_runs import get_import, recent_imports
from pipelines.importing.journal import CannotUndo, change_view, changes_csv, import_changes, undo_import

url = start_page()
show_toast()
st.title("Import history")


def history_rows(imports: list[dict]) -> list[dict]:
    return [
        {
            "id": r["id"],
            "file": r["file_name"],
            "source": r["source"],
            "status": r["status"] + (" (undone)" if r.get("reverted_at") else ""),
            "stage": stage_label(r["stage"])
            + ("" if r["stage"] in ("done", "failed", "cancelled") else f" {r['percent']}%"),
            "rows": r["rows_seen"],
            "rejected": r["rows_rejected"],
            "not products": r["rows_skipped"],
            "repeated SKUs": r["duplicates_in_file"],
            "created": r["created"],
            "updated": r["updated"],
            "unchanged": r["unchanged"],
            "seconds": round(s, 1) if (s := seconds_between(r["started_at"], r["finished_at"])) is not None else None,
            "read as": r["file_format"],
            "started at": moment(r["started_at"]),
        }
        for r in imports
    ]


def readable(value) -> str:
    """A detail as a person reads it: nothing for no value, lists and mappings spelled out."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def detail_rows(row: dict) -> list[dict]:
    stages = {stage_label(k): f"{v:.2f} s" for k, v in (row["stage_seconds"] or {}).items()}
    details = {
        "file": row["file_name"],
        "now at": row["file_path"],
        "source": row["source"],
        "status": row["status"],
        "queued at": moment(row["queued_at"]),
        "started at": moment(row["started_at"]),
        "finished at": moment(row["finished_at"]),
        "content sha256": row["content_hash"],
        "size (bytes)": row["file_size"],
        "read as": row["file_format"],
        "columns (product field: column in the file)": row["columns_used"],
        "ignored columns": row["ignored_columns"],
        "not products": f"{row['rows_skipped']:,} {row['skipped_reason']}" if row["rows_skipped"] else None,
        "seconds per stage": stages,
    }
    return [{"detail": k, "value": readable(v)} for k, v in details.items() if readable(v)]


@st.fragment(run_every="2s")
def history() -> list[dict]:
    imports = recent_imports(url, limit=200)
    if not imports:
        st.info("No imports yet. Upload a file on the Import page or drop one into the landing folder.")
        return []
    st.dataframe(history_rows(imports), hide_index=True, key="history", placeholder="")  # no "None" for no value
    # Oldest first, in id order: the chart keeps this order (not the ids sorted as text).
    finished = [r for r in reversed(imports) if r["status"] == "succeeded" and r["finished_at"] and r["started_at"]]
    if finished:
        chart = pl.DataFrame(
            {
                "import": [str(r["id"]) for r in finished],
                "rows per second": [
                    round((r["rows_seen"] or 0) / max(seconds_between(r["started_at"], r["finished_at"]), 0.001))
                    for r in finished
                ],
            }
        )
        st.caption("Throughput of successful imports (rows per second)")
        st.bar_chart(chart, x="import", y="rows per second", height=220, sort=False)
    return imports


imports = history()
if imports:
    chosen = st.selectbox(
        "Details of import",
        [r["id"] for r in imports],
        format_func=lambda i: f"{i}: {next(r['file_name'] for r in imports if r['id'] == i)}",
        key="detail",
    )
    row = get_import(url, chosen)
    left, right = st.columns(2)
    left.dataframe(
        detail_rows(row),
        hide_index=True,
        key="details",
        column_config={"value": st.column_config.TextColumn(width="large")},
    )
    if row["error"]:
        (right.warning if row["status"] == "cancelled" else right.error)(as_text(row["error"]))
    if row["status"] in ("queued", "running"):
        cancel_button(url, row, right)
    if link := run_link(row["dagster_run_id"]):
        right.markdown(f"[Open the run in the Dagster UI]({link})")
    if row["rejects_path"] and Path(row["rejects_path"]).exists():
        rejects = pl.read_csv(row["rejects_path"], infer_schema=False, n_rows=500)
        right.write(f"Rejected rows ({row['rows_rejected']:,}; first {rejects.height} shown)")
        right.dataframe(rejects.to_dicts(), hide_index=True, placeholder="")
        right.download_button(
            "Download rejected rows (CSV)",
            Path(row["rejects_path"]).read_bytes(),
            file_name=f"rejects-{row['id']}.csv",
            mime="text/csv",
        )


CHANGES_SHOWN = 200
FIELDS_SHOWN = ("sku", "name", "description", "price")


def change_rows(views: list[dict]) -> list[dict]:
    """One line per product: what it was -> what it is, field by field (unchanged fields blank)."""
    rows = []
    for view in views:
        before, after = view["before"] or {}, view["after"] or {}
        line = {"product": view["product_id"], "change": view["change"]}
        for field in FIELDS_SHOWN:
            line[field] = before_after(before.get(field), after.get(field), view["change"] == "created")
        line["since"] = "deleted since" if view["deleted_since"] else "changed since" if view["changed_since"] else ""
        rows.append(line)
    return rows


@st.dialog("Undo import", on_dismiss=lambda: st.session_state.pop("undo", None))
def undo_dialog(import_id: int) -> None:
    row = get_import(url, import_id)
    st.write(
        f"Undo import {import_id} ({as_text(row['file_name'])})? The {row['updated'] or 0:,} products it updated "
        f"get their values before back and the {row['created'] or 0:,} it created are deleted. Products changed "
        "since, by a later import or here, are kept as they are. Undoing cannot itself be undone: to apply the "
        "file again, import it again."
    )

    def undo() -> tuple[str, str]:
        try:
            with st.spinner("Undoing…"):
                done = undo_import(url, import_id)
        except (CannotUndo, ImportNotFound) as refused:
            return str(refused), ":material/warning:"
        kept = f", {done.kept:,} kept (changed since)" if done.kept else ""
        return (
            f"Import {import_id} undone: {done.restored:,} restored, {done.deleted:,} deleted{kept}",
            ":material/undo:",
        )

    confirm_buttons("Undo import", "undo", undo, lambda: st.session_state.pop("undo", None))


if imports:
    st.subheader(f"What import {row['id']} changed")
    if row.get("reverted_at"):
        done = row["revert_summary"] or {}
        st.info(
            f"Undone at {row['reverted_at']:%Y-%m-%d %H:%M}: {done.get('restored', 0):,} restored, "
            f"{done.get('deleted', 0):,} deleted, {done.get('kept', 0):,} kept."
        )
    if row.get("journal_pruned_at"):
        st.caption("Its journal was removed after the retention period (JOURNAL_RETENTION_DAYS).")
    elif row["status"] == "succeeded":
        cols = st.columns([1.2, 2, 3], vertical_alignment="bottom")
        kind = cols[0].selectbox("Show", ["all", "created", "updated"], key="changes_kind")
        sku = cols[1].text_input("SKU contains", key="changes_sku")
        chosen_kind = {"all": None, "created": True, "updated": False}[kind]
        views = [change_view(r) for r in import_changes(url, row["id"], 0, CHANGES_SHOWN, chosen_kind, sku)]
        if views:
            st.dataframe(change_rows(views), hide_index=True, key="changes")
            total = (row["created"] or 0) + (row["updated"] or 0)
            st.caption(
                f"First {len(views):,} of {total:,} changed products, in product order. "
                '"changed since": a later import or an edit changed it; shown is its value now.'
            )
        else:
            st.caption("It changed no product." if not sku else "No change matches.")
        buttons = st.container(horizontal=True)
        buttons.download_button(
            "Download all changes (CSV)",
            lambda: b"".join(changes_csv(url, row["id"], chosen_kind, sku)),
            file_name=f"changes-{row['id']}.csv",
            mime="text/csv",
            icon=":material/download:",
            key="changes_csv",
        )
        if not row.get("reverted_at") and buttons.button("Undo import", icon=":material/undo:", key="undo_open"):
            st.session_state["undo"] = row["id"]
    if (undoing := st.session_state.get("undo")) is not None:
        undo_dialog(undoing)

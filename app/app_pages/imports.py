"""Imports page: history, newest first, live while imports run."""

from pathlib import Path

import polars as pl
import streamlit as st

from app.common import as_text, cancel_button, run_link, seconds_between, show_toast, stage_label, start_page
from pipelines.importing.import_runs import get_import, recent_imports

url = start_page()
show_toast()
st.title("Import history")


def history_rows(imports: list[dict]) -> list[dict]:
    return [
        {
            "id": r["id"],
            "file": r["file_name"],
            "source": r["source"],
            "status": r["status"],
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
            "started at": r["started_at"],
        }
        for r in imports
    ]


@st.fragment(run_every="2s")
def history() -> list[dict]:
    imports = recent_imports(url, limit=200)
    if not imports:
        st.info("No imports yet. Upload a file on the Import page or drop one into the landing folder.")
        return []
    st.dataframe(history_rows(imports), hide_index=True, key="history")
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
    left.write(
        {
            "file": row["file_name"],
            "now at": row["file_path"],
            "source": row["source"],
            "status": row["status"],
            "content sha256": row["content_hash"],
            "size (bytes)": row["file_size"],
            "read as": row["file_format"],
            "columns (product field: column in the file)": row["columns_used"],
            "ignored columns": row["ignored_columns"],
            "not products": f"{row['rows_skipped']:,} {row['skipped_reason']}" if row["rows_skipped"] else None,
            "seconds per stage": row["stage_seconds"],
        }
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
        right.dataframe(rejects.to_dicts(), hide_index=True)
        right.download_button(
            "Download rejected rows (CSV)",
            Path(row["rejects_path"]).read_bytes(),
            file_name=f"rejects-{row['id']}.csv",
            mime="text/csv",
        )

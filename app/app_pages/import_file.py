"""Import page: upload a CSV (or check it first) and follow its import live."""

import tempfile
from pathlib import Path

import streamlit as st

from app.common import (
    as_text,
    folders,
    run_link,
    seconds_between,
    show_counts,
    show_ignored_columns,
    show_toast,
    stage_label,
    start_page,
    toast_next_run,
)
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.file_kinds import UPLOAD_TYPES
from pipelines.importing.import_runs import get_import
from pipelines.importing.preview import preview_file
from pipelines.importing.uploads import retry_import, submit_upload

url = start_page()
show_toast()
st.title("Import products")
st.caption(
    f"Files dropped into `{folders().landing}` are imported the same way. "
    "Columns: sku, name and optionally description (comma, semicolon or tab separated, UTF-8)."
)


def start_import(name: str, content) -> None:
    st.session_state["import_id"] = submit_upload(url, folders(), name, content)
    st.session_state.pop("preview", None)


def check_file(upload) -> None:
    """Run validation, de-duplication and the comparison; keep the result."""
    work = folders().previews
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work, suffix=".csv", delete=False) as handle:
        handle.write(upload.getbuffer())
    path = Path(handle.name)
    try:
        with st.spinner("Checking the file…"):
            result = preview_file(url, path)
        st.session_state["preview"] = {"name": upload.name, "path": str(path), "result": result}
    except FileRefused as refused:
        path.unlink(missing_ok=True)
        st.session_state["preview"] = {"name": upload.name, "error": str(refused)}


upload = st.file_uploader("CSV file (or .csv.gz)", type=list(UPLOAD_TYPES), key="upload")
check_only = st.toggle("Check only: show what would change, import nothing", key="check_only")
if st.button("Check file" if check_only else "Import", type="primary", disabled=upload is None, key="start"):
    st.session_state.pop("import_id", None)
    if check_only:
        check_file(upload)
    else:
        start_import(upload.name, upload)

preview = st.session_state.get("preview")
if preview:
    st.subheader(f"Check of {as_text(preview['name'])}")
    if "error" in preview:
        st.error(f"This file would be refused: {as_text(preview['error'])}")
    else:
        result = preview["result"]
        st.caption("What importing this file would do:")
        show_counts(result.created, result.updated, result.unchanged, result.rejected, result.duplicates_in_file)
        show_ignored_columns(result.ignored_columns)
        if result.rejected:
            st.write("First problems:")
            st.dataframe(result.first_problems.to_dicts(), hide_index=True)
        if st.button("Import this file", type="primary", key="import_checked"):
            path = Path(preview["path"])
            with path.open("rb") as content:
                start_import(preview["name"], content)
            path.unlink(missing_ok=True)
            st.rerun()


@st.fragment(run_every="1s")
def follow(import_id: int) -> None:
    """Live state of one import, re-read every second."""
    row = get_import(url, import_id)
    if row is None:
        st.warning(f"Import {import_id} not found.")
        return
    st.subheader(f"Import {import_id}: {as_text(row['file_name'])}")
    elapsed = seconds_between(row["started_at"] or row["queued_at"], row["finished_at"])
    if row["status"] == "failed":
        st.error(f"Failed: {as_text(row['error'])}")
        if st.button("Retry", key=f"retry-{import_id}"):
            try:
                st.session_state["import_id"] = retry_import(url, folders(), import_id)
                toast_next_run("Imported again as a new import", ":material/replay:")
            except FileNotFoundError as missing:
                toast_next_run(as_text(missing), ":material/warning:")
            st.rerun()
    elif row["stage"] == "done":
        st.success(f"Done in {elapsed:.1f} s")
        show_counts(row["created"], row["updated"], row["unchanged"], row["rows_rejected"], row["duplicates_in_file"])
        show_ignored_columns(row["ignored_columns"])
        if row["rejects_path"] and Path(row["rejects_path"]).exists():
            st.download_button(
                "Download rejected rows (CSV)",
                Path(row["rejects_path"]).read_bytes(),
                file_name=f"rejects-{import_id}.csv",
                mime="text/csv",
                key=f"rejects-{import_id}",
            )
    else:
        label = stage_label(row["stage"])
        if row["status"] == "queued":
            label = "Waiting for the pipeline to pick the file up…"
            if elapsed and elapsed > 30:
                st.info("Still waiting: is the Dagster daemon running (`product-importer up`)?")
        rows = f", {row['rows_processed']:,} rows" if row["rows_processed"] else ""
        st.progress(row["percent"] / 100, text=f"{label} {row['percent']}%{rows} · {elapsed or 0:.0f} s")
    if link := run_link(row["dagster_run_id"]):
        st.markdown(f"[Open the run in the Dagster UI]({link})")


if "import_id" in st.session_state:
    follow(st.session_state["import_id"])

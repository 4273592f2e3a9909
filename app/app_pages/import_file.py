"""Import page: upload a CSV or workbook (or check it first), choose its columns
if its header is not recognized, and follow its import live."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from app.common import (
    as_text,
    before_after,
    cancel_button,
    duration,
    folders,
    run_link,
    seconds_between,
    show_counts,
    show_format,
    show_ignored_columns,
    show_toast,
    stage_label,
    start_page,
    toast_next_run,
)
from pipelines.catalog.product_rules import FIELDS, LABEL, REQUIRED
from pipelines.importing.columns import TEMPLATE_CSV, HeaderNotRecognized, Mapping, guessed_columns, resolve_layout
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.file_kinds import UPLOAD_TYPES
from pipelines.importing.import_runs import get_import, no_rows_warning, seconds_left
from pipelines.importing.preview import preview_file
from pipelines.importing.profiles import list_profiles, load_profile, save_profile, valid_profile_name
from pipelines.importing.uploads import retry_import, submit_upload
from pipelines.importing.validation import peek_file

RECOGNIZE = "Recognize from the header"
NONE = "(none)"

url = start_page()
show_toast()
st.title("Import products")
st.caption(
    f"Files dropped into `{folders().landing}` are imported the same way. Columns: sku, name and optionally "
    "description and price, in a CSV (comma, semicolon or tab separated, UTF-8) or the first sheet of an .xlsx "
    "workbook. Shopify, WooCommerce, Magento and Akeneo exports are recognized as they are."
)
st.download_button(
    "CSV template", TEMPLATE_CSV, file_name="products-template.csv", mime="text/csv", icon=":material/download:"
)


def keep_upload(upload) -> Path:
    """The uploaded bytes in a scratch file (kept until imported, checked or dropped)."""
    work = folders().previews
    work.mkdir(parents=True, exist_ok=True)
    suffix = "".join(Path(upload.name).suffixes[-2:]) or ".csv"
    with tempfile.NamedTemporaryFile(dir=work, suffix=suffix, delete=False) as handle:
        handle.write(upload.getbuffer())
    return Path(handle.name)


def start_import(name: str, path: Path, mapping: Mapping | None) -> None:
    with path.open("rb") as content:
        st.session_state["import_id"] = submit_upload(url, folders(), name, content, mapping)
    path.unlink(missing_ok=True)
    st.session_state.pop("preview", None)
    st.session_state.pop("mapping_step", None)


def check(name: str, path: Path, mapping: Mapping | None) -> None:
    """Run validation, de-duplication and the comparison; keep the result."""
    st.session_state.pop("mapping_step", None)
    try:
        with st.spinner("Checking the file…"):
            result = preview_file(url, path, mapping=mapping)
        st.session_state["preview"] = {"name": name, "path": str(path), "result": result, "mapping": mapping}
    except FileRefused as refused:
        path.unlink(missing_ok=True)
        st.session_state["preview"] = {"name": name, "error": str(refused)}


def needs_mapping(path: Path, mapping: Mapping | None) -> bool:
    """True if the header names no SKU or name column and no mapping says which; the
    other refusals are left to the import or check itself, which report them."""
    try:
        peek = peek_file(path, sheet=mapping.sheet if mapping else "")
        resolve_layout(peek.header, mapping)
    except HeaderNotRecognized:
        return True
    except FileRefused:
        return False
    return False


def go(name: str, path: Path, mapping: Mapping | None, purpose: str) -> None:
    if needs_mapping(path, mapping):
        st.session_state["mapping_step"] = {"name": name, "path": str(path), "purpose": purpose}
        st.session_state.pop("preview", None)
    elif purpose == "check":
        check(name, path, mapping)
    else:
        start_import(name, path, mapping)


upload = st.file_uploader("CSV file (.csv, .csv.gz) or Excel workbook (.xlsx)", type=list(UPLOAD_TYPES), key="upload")
left, right = st.columns([2, 3])
profiles = list_profiles()
profile = left.selectbox(
    "Columns",
    [RECOGNIZE, *profiles],
    key="profile",
    help="A saved profile says which column is which (PROFILES_DIR); files in landing/<profile>/ use it too.",
)
check_only = right.toggle("Check only: show what would change, import nothing", key="check_only")
if st.button("Check file" if check_only else "Import", type="primary", disabled=upload is None, key="start"):
    st.session_state.pop("import_id", None)
    chosen = load_profile(profile) if profile != RECOGNIZE else None
    go(upload.name, keep_upload(upload), chosen, "check" if check_only else "import")


def mapping_step(step: dict) -> None:
    """The file's columns with sample values, and a choice of column per product field."""
    path = Path(step["path"])
    st.subheader(f"Which column is which in {as_text(step['name'])}?")
    sheet = st.session_state.get("mapping_sheet", "")
    try:
        peek = peek_file(path, sheet=sheet)
    except FileRefused as refused:
        st.error(as_text(refused))
        return
    st.caption("Its header names no SKU or no name column. Choose the column for each product field.")
    if len(peek.sheets) > 1:
        st.selectbox("Sheet", peek.sheets, index=peek.sheets.index(peek.sheet), key="mapping_sheet")
    st.dataframe(
        [
            {"column": name, "first values": " · ".join(row[i] for row in peek.rows if i < len(row) and row[i])}
            for i, name in enumerate(peek.header)
        ],
        hide_index=True,
        key="mapping_columns",
    )
    guesses = guessed_columns(peek.header)
    choices = [NONE, *peek.header]
    cols = st.columns(len(FIELDS))
    chosen = {}
    for col, field in zip(cols, FIELDS, strict=True):
        label = f"{LABEL[field][0].upper()}{LABEL[field][1:]}{' (required)' if field in REQUIRED else ''}"
        guess = guesses.get(field)
        picked = col.selectbox(label, choices, index=choices.index(guess) if guess else 0, key=f"map_{field}")
        if picked != NONE:
            chosen[field] = picked
    name = st.text_input("Save as profile (optional)", key="mapping_profile", placeholder="e.g. supplier-acme")
    purpose = step["purpose"]
    buttons = st.container(horizontal=True)
    go_label = "Check with these columns" if purpose == "check" else "Import with these columns"
    if buttons.button(go_label, type="primary", key="mapping_go"):
        missing = [LABEL[f] for f in REQUIRED if f not in chosen]
        if missing:
            st.error(f"Choose a column for the {' and the '.join(missing)}.")
            return
        if len(set(chosen.values())) < len(chosen):
            st.error("Each column can be used for one product field only.")
            return
        if name and not valid_profile_name(name):
            st.error("A profile name has letters, digits, '.', '-' and '_' only (64 at most).")
            return
        mapping = Mapping(columns=chosen, sheet=peek.sheet if len(peek.sheets) > 1 else "", profile=name)
        if name:
            save_profile(name, mapping)
            toast_next_run(f"Saved profile {as_text(name)}: files in landing/{as_text(name)}/ use it")
        st.session_state.pop("mapping_sheet", None)
        if purpose == "check":
            check(step["name"], path, mapping)
        else:
            start_import(step["name"], path, mapping)
        st.rerun()
    if buttons.button("Cancel", key="mapping_cancel"):
        path.unlink(missing_ok=True)
        st.session_state.pop("mapping_step", None)
        st.session_state.pop("mapping_sheet", None)
        st.rerun()


if step := st.session_state.get("mapping_step"):
    mapping_step(step)


def show_check_samples(result) -> None:
    """A sample of what would change, and of the rejected rows, each downloadable in full."""
    fields = ("sku", "name", "description", "price")
    for kind, sample, count, title in (
        ("created", result.created_sample, result.created, "New products ({count:,}; first {n} in file order):"),
        ("updated", result.updated_sample, result.updated, "Changed products ({count:,}; first {n}, before → after):"),
    ):
        if sample:
            st.write(title.format(count=count, n=len(sample)))
            st.dataframe(
                [
                    {"line": r["line"], **{f: before_after(r[f"{f}_before"], r[f], kind == "created") for f in fields}}
                    for r in sample
                ],
                hide_index=True,
                placeholder="",
                key=f"check_{kind}",
            )
    if result.rejected:
        st.write(f"Rejected rows ({result.rejected:,}; first {result.first_problems.height}):")
        st.dataframe(result.first_problems.to_dicts(), hide_index=True, key="check_rejected")
    downloads = st.container(horizontal=True)
    for label, path, name in (
        ("Download all changes (CSV)", result.changes_path, "changes"),
        ("Download rejected rows (CSV)", result.rejects_path, "rejects"),
    ):
        if path and Path(path).exists():
            downloads.download_button(
                label,
                Path(path).read_bytes,
                file_name=f"check-{name}.csv",
                mime="text/csv",
                icon=":material/download:",
                key=f"check_{name}_csv",
            )


preview = st.session_state.get("preview")
if preview:
    st.subheader(f"Check of {as_text(preview['name'])}")
    if "error" in preview:
        st.error(f"This file would be refused: {as_text(preview['error'])}")
    else:
        result = preview["result"]
        st.caption("What importing this file would do:")
        if warning := no_rows_warning(result.rows_total, checking=True):
            st.warning(warning)
        show_counts(result.created, result.updated, result.unchanged, result.rejected, result.duplicates_in_file)
        show_format(result.file_format, result.rows_skipped, result.skipped_reason)
        show_ignored_columns(result.ignored_columns)
        show_check_samples(result)
        if st.button("Import this file", type="primary", key="import_checked"):
            start_import(preview["name"], Path(preview["path"]), preview.get("mapping"))
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
    if row["status"] in ("failed", "cancelled"):
        if row["status"] == "cancelled":
            st.warning(as_text(row["error"]))
        else:
            st.error(f"Failed: {as_text(row['error'])}")
        if row["refused"]:
            st.caption("Importing the same file again would fail the same way: fix the file, then upload it again.")
        elif st.button("Retry", key=f"retry-{import_id}"):
            try:
                st.session_state["import_id"] = retry_import(url, folders(), import_id)
                toast_next_run("Imported again as a new import", ":material/replay:")
            except FileNotFoundError as missing:
                toast_next_run(as_text(missing), ":material/warning:")
            st.rerun()
    elif row["stage"] == "done":
        st.success(f"Done in {elapsed:.1f} s")
        if warning := no_rows_warning(row["rows_seen"]):
            st.warning(warning)
        show_counts(row["created"], row["updated"], row["unchanged"], row["rows_rejected"], row["duplicates_in_file"])
        show_format(row["file_format"], row["rows_skipped"], row["skipped_reason"])
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
        left = seconds_left(row, datetime.now(UTC))
        eta = "" if left is None else f" · about {duration(left)} left in this stage"
        st.progress(row["percent"] / 100, text=f"{label} {row['percent']}%{rows} · {elapsed or 0:.0f} s{eta}")
        if row["status"] in ("queued", "running") and row["stage"] != "merged":
            cancel_button(url, row)
    if link := run_link(row["dagster_run_id"]):
        st.markdown(f"[Open the run in the Dagster UI]({link})")


if "import_id" in st.session_state:
    follow(st.session_state["import_id"])

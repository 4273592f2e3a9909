"""What the app's pages share: the database, folders, formatting."""

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st

from pipelines.access.password import check_password, password_configured
from pipelines.access.throttle import throttle
from pipelines.db import connection, migrations
from pipelines.importing.csv_records import name_list
from pipelines.importing.import_runs import STAGE_LABELS
from pipelines.settings import Folders, dagster_url, database_url

# Streamlit renders messages, toasts and headers as Markdown (links, emphasis,
# :emoji: and :color[...] shortcodes). CommonMark lets every ASCII punctuation
# character be escaped with a backslash, which shows it literally.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def as_text(value: object) -> str:
    """`value` (from a file, a product or a user) shown as the text it is, never as Markdown."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(value))


@st.cache_resource(show_spinner="Connecting to the database…")
def _migrated_url(configured: str | None) -> str:
    url = connection.resolve_url(configured)
    migrations.migrate(url)
    return url


def _client_address() -> str:
    # None without a known peer (and not a string at all under AppTest): one shared key then.
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown address"


def require_login() -> None:
    """With ADMIN_PASSWORD set, show nothing until this session has logged in."""
    if not password_configured() or st.session_state.get("authenticated"):
        return
    st.title("product-importer")
    client = _client_address()
    with st.form("login"):
        given = st.text_input("Admin password", type="password", key="login_password")
        if st.form_submit_button("Log in", type="primary"):
            if wait := throttle.locked_for(client):
                st.error(f"Too many failed logins; try again in {max(1, round(wait / 60))} min.")
            elif check_password(given):
                throttle.succeeded(client)
                st.session_state["authenticated"] = True
                st.rerun()
            else:
                time.sleep(throttle.failed(client))  # a growing delay slows guessing
                st.error("Wrong password.")
    st.stop()


def start_page() -> str:
    """Every page starts here: login if required, then the database URL."""
    require_login()
    return migrated_database_url()


def migrated_database_url() -> str:
    """The products database, migrated; stops the page with a message if unreachable."""
    try:
        return _migrated_url(database_url() or None)
    except Exception as error:
        where = connection.redact(database_url() or "embedded")
        st.error(f"Cannot reach the database ({as_text(where)}): {as_text(error)}")
        st.stop()


def folders() -> Folders:
    return Folders.from_env().create()


def run_link(run_id: str | None) -> str | None:
    return f"{dagster_url()}/runs/{run_id}" if run_id else None


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage.title())


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None:
        return None
    return ((end or datetime.now(UTC)) - start).total_seconds()


def show_toast() -> None:
    """Show a toast left by the previous run (actions end in st.rerun())."""
    if message := st.session_state.pop("toast", None):
        text, icon = message
        st.toast(text, icon=icon)


def toast_next_run(text: str, icon: str = ":material/check_circle:") -> None:
    st.session_state["toast"] = (text, icon)


def show_counts(created: int, updated: int, unchanged: int, rejected: int, repeated: int) -> None:
    """The five numbers of an import (done or previewed), side by side."""
    cols = st.columns(5)
    for col, label, value in zip(
        cols,
        ("Created", "Updated", "Unchanged", "Rejected", "Repeated SKUs"),
        (created, updated, unchanged, rejected, repeated),
        strict=True,
    ):
        col.metric(label, f"{value:,}")


def show_format(file_format: str | None, rows_skipped: int | None, skipped_reason: str | None) -> None:
    """How the file was read: the platform or mapping applied, and rows that are not products."""
    if file_format:
        st.text(f"Read as: {file_format}")
    if rows_skipped:
        st.text(f"Not products, skipped: {rows_skipped:,} {skipped_reason or 'rows'}")


def show_ignored_columns(columns: list[str]) -> None:
    """Which columns of the file are not product fields (shown as text: the names come from the file)."""
    if columns:
        st.text(f"Ignored columns (not product fields): {name_list(columns, 20)}")


def cancel_button(url: str, row: dict, where=st) -> None:
    """Cancel a queued or running import (the same function as POST /imports/{id}/cancel)."""
    from pipelines.defs.cancel import cancel_import  # imports Dagster: only where a cancel can happen
    from pipelines.importing.cancellation import CannotCancel

    if where.button("Cancel import", icon=":material/cancel:", key=f"cancel-{row['id']}"):
        try:
            with st.spinner("Stopping the import…"):
                ended = cancel_import(url, folders(), row["id"])
            if ended["status"] == "cancelled":
                toast_next_run(f"Import {row['id']} cancelled; nothing was imported", ":material/cancel:")
            else:
                toast_next_run(f"Import {row['id']} is {ended['status']}", ":material/info:")
        except CannotCancel as refused:
            toast_next_run(as_text(refused), ":material/warning:")
        st.rerun()


def confirm_buttons(
    confirm_label: str, key: str, on_confirm: Callable[[], tuple[str, str]], close: Callable[[], None]
) -> None:
    """Confirm / Cancel inside a dialog. on_confirm returns the toast (text, icon)."""
    left, right = st.columns(2)
    if left.button(confirm_label, type="primary", key=f"confirm_{key}"):
        toast_next_run(*on_confirm())
        close()
        st.rerun()
    if right.button("Cancel", key=f"cancel_{key}"):
        close()
        st.rerun()


def moment(value) -> str:
    """A timestamp in a table cell, to the second; nothing for none."""
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def duration(seconds: float) -> str:
    """A time span as people say it: "under 1 s", "40 s", "3 min"."""
    if seconds < 1:
        return "under 1 s"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def before_after(old, new, created: bool = False) -> str:
    """One field of a change in a table cell: the value of a new product, "old → new"
    for a changed field, nothing for an unchanged one."""
    if created:
        return "" if new is None else str(new)
    return f"{'' if old is None else old} → {'' if new is None else new}" if old != new else ""

"""Webhooks page: endpoints (add, edit, enable/disable, test, secret, delete) and the delivery log."""

import streamlit as st

from app.common import as_text, confirm_buttons, show_toast, start_page, toast_next_run
from pipelines.catalog.events import EVENT_TYPES
from pipelines.webhooks import endpoints

url = start_page()
show_toast()
st.title("Webhooks")
st.caption(
    "Each delivery is a signed POST (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) "
    "with a JSON body {type, timestamp, data}. Each endpoint gets its events one at a time, in the order they "
    "happened; failed deliveries are retried with backoff for about two days, and an endpoint is disabled only "
    "after failing continuously for WEBHOOK_DISABLE_AFTER_HOURS (a day by default)."
)
if warning := st.session_state.pop("endpoint_warning", None):
    st.warning(as_text(warning))

# --- endpoints ----------------------------------------------------------------------
listed = endpoints.list_endpoints(url)
for disabled in (e for e in listed if not e["enabled"] and e["disabled_reason"]):
    waiting = endpoints.backlog(url, disabled["id"])["n"]
    st.error(
        f"Endpoint #{disabled['id']} {as_text(disabled['url'])} is disabled: {as_text(disabled['disabled_reason'])} "
        f"{waiting:,} deliveries are kept for it; enable it under Edit to send them in order, or to drop them."
    )
if listed:
    st.dataframe(
        [
            {
                "id": e["id"],
                "url": e["url"],
                "events": ", ".join(e["event_types"]),
                "enabled": e["enabled"],
                "last delivery": e["last_delivery_at"],
                "last status": e["last_status"],
                "last ms": e["last_response_ms"],
                "failures in a row": e["consecutive_failures"],
                "disabled because": e["disabled_reason"] or "",
            }
            for e in listed
        ],
        hide_index=True,
        placeholder="",
        key="endpoints_table",
    )
else:
    st.info("No endpoints yet. Add one below.")


def close_dialog() -> None:
    st.session_state.pop("webhook_dialog", None)


@st.dialog("Delete endpoint", on_dismiss=close_dialog)
def delete_dialog(endpoint_id: int) -> None:
    endpoint = endpoints.get_endpoint(url, endpoint_id)
    if endpoint is None:
        st.warning("This endpoint no longer exists.")
        return
    st.write(f"Delete the endpoint **{as_text(endpoint['url'])}** and its delivery log?")

    def delete() -> tuple[str, str]:
        endpoints.delete_endpoint(url, endpoint_id)
        return "Endpoint deleted", ":material/delete:"

    confirm_buttons("Delete", "delete_endpoint", delete, close_dialog)


add_tab, edit_tab = st.tabs(["Add endpoint", "Edit, test or delete"])
with add_tab, st.form("add_endpoint", clear_on_submit=False):
    target = st.text_input("URL", placeholder="https://example.com/webhooks/products", key="add_url")
    types = st.multiselect("Event types", EVENT_TYPES, default=list(EVENT_TYPES), key="add_types")
    enabled = st.checkbox("Enabled", value=True, key="add_enabled")
    if st.form_submit_button("Add endpoint", type="primary"):
        try:
            created = endpoints.create_endpoint(url, target, types, enabled)
            toast_next_run(f"Endpoint #{created['id']} added")
            if warning := endpoints.private_target_warning(created["url"]):
                st.session_state["endpoint_warning"] = f"Endpoint #{created['id']}: {warning}"
            st.rerun()
        except endpoints.EndpointError as problem:
            st.error(as_text(problem))

with edit_tab:
    if not listed:
        st.caption("Nothing to edit yet.")
    else:
        chosen_id = st.selectbox(
            "Endpoint",
            [e["id"] for e in listed],
            format_func=lambda i: f"#{i} {next(e['url'] for e in listed if e['id'] == i)}",
            key="edit_endpoint",
        )
        endpoint = next(e for e in listed if e["id"] == chosen_id)
        if endpoint["disabled_reason"]:
            st.warning(f"Disabled: {as_text(endpoint['disabled_reason'])}")
        with st.form(f"edit_endpoint_{chosen_id}"):
            target = st.text_input("URL", value=endpoint["url"], key=f"edit_url_{chosen_id}")
            types = st.multiselect(
                "Event types", EVENT_TYPES, default=endpoint["event_types"], key=f"edit_types_{chosen_id}"
            )
            enabled = st.checkbox("Enabled", value=endpoint["enabled"], key=f"edit_enabled_{chosen_id}")
            missed = "deliver"
            if not endpoint["enabled"] and (waiting := endpoints.backlog(url, chosen_id)["n"]):
                missed = st.radio(
                    f"When enabled again, the {waiting:,} deliveries it missed are",
                    ["deliver", "drop"],
                    format_func={"deliver": "sent, in event order", "drop": "dropped"}.get,
                    key=f"edit_backlog_{chosen_id}",
                )
            if st.form_submit_button("Save", type="primary"):
                try:
                    endpoints.update_endpoint(url, chosen_id, target, types, enabled, missed)
                    toast_next_run(f"Endpoint #{chosen_id} saved")
                    if warning := endpoints.private_target_warning(target):
                        st.session_state["endpoint_warning"] = f"Endpoint #{chosen_id}: {warning}"
                    st.rerun()
                except endpoints.EndpointError as problem:
                    st.error(as_text(problem))
        row = st.container(horizontal=True)
        if row.button("Send test event", icon=":material/send:", key="test_endpoint"):
            with st.spinner("Sending webhook.test…"):
                result = endpoints.test_endpoint(url, chosen_id)
            if result.succeeded:
                st.success(f"HTTP {result.http_status} in {result.response_ms} ms")
            else:
                st.error(f"Failed after {result.response_ms} ms: {as_text(result.error)}")
        if row.button("Show signing secret", icon=":material/key:", key="show_secret"):
            st.code(endpoint["secret"], language=None)
        if row.button("Rotate secret", icon=":material/autorenew:", key="rotate_secret"):
            endpoints.rotate_secret(url, chosen_id)
            toast_next_run("New signing secret made; update the receiver")
            st.rerun()
        row.button(
            "Delete endpoint",
            icon=":material/delete:",
            key="delete_endpoint",
            on_click=lambda: st.session_state.update(webhook_dialog=chosen_id),
        )
        if st.session_state.get("webhook_dialog") == chosen_id:
            delete_dialog(chosen_id)

# --- delivery log --------------------------------------------------------------------------
st.subheader("Delivery log")
cols = st.columns(2)
by_endpoint = cols[0].selectbox(
    "Endpoint",
    [None] + [e["id"] for e in listed],
    format_func=lambda i: "all" if i is None else f"#{i} {next(e['url'] for e in listed if e['id'] == i)}",
    key="log_endpoint",
)
outcome = cols[1].selectbox("Outcome", ["all", "succeeded", "failed"], key="log_outcome")
log = endpoints.delivery_log(url, by_endpoint, {"all": None, "succeeded": True, "failed": False}[outcome])
if not log:
    st.caption("No delivery attempts yet.")
else:
    st.dataframe(
        [
            {
                "time": a["attempted_at"],
                "event": a["event_type"],
                "event id": a["event_id"],
                "endpoint": a["url"],
                "attempt": a["attempt"],
                "ok": a["succeeded"],
                "HTTP": a["http_status"],
                "ms": a["response_ms"],
                "error": a["error"] or "",
                "response": a["response_excerpt"] or "",
                "webhook-id": a["message_id"],
            }
            for a in log
        ],
        hide_index=True,
        placeholder="",
        key="delivery_log",
    )
    past = [a for a in log if a["event_id"] is not None and a["endpoint_id"] is not None]
    if past:
        pick = st.selectbox(
            "Redeliver an event",
            range(len(past)),
            format_func=lambda i: f"event {past[i]['event_id']} ({past[i]['event_type']}) to {past[i]['url']}",
            key="redeliver_pick",
        )
        if st.button("Redeliver now", icon=":material/replay:", key="redeliver"):
            endpoints.redeliver(url, past[pick]["event_id"], past[pick]["endpoint_id"])
            toast_next_run("Queued for delivery now", ":material/replay:")
            st.rerun()

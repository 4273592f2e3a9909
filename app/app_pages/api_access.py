"""API page: where the HTTP API answers, and its tokens (create, revoke)."""

import streamlit as st

from app.common import as_text, show_toast, start_page, toast_next_run
from pipelines.access.tokens import TokenError, create_token, list_tokens, revoke_token
from pipelines.settings import Listen

url = start_page()
show_toast()
st.title("HTTP API")
listen = Listen.from_env()
base = f"http://{listen.api_host}:{listen.api_port}"
st.markdown(f"The API answers at `{base}`; its reference is at [{base}/docs]({base}/docs).")

rows = list_tokens(url)
live = [r for r in rows if r["revoked_at"] is None]
if not live:
    st.info("No token exists: the API answers requests from this machine only. Create one to call it from elsewhere.")

if created := st.session_state.pop("new_token", None):
    name, token = created
    st.success(f"Token {as_text(name)} created. Copy it now: it is not shown again.")
    st.code(token, language=None)
    st.caption("Send it as the header `Authorization: Bearer <token>`.")

with st.form("create_token"):
    name = st.text_input("Name", placeholder="e.g. erp-sync", help="Who or what uses the token.", key="token_name")
    if st.form_submit_button("Create token", type="primary"):
        try:
            row, token = create_token(url, name)
            st.session_state["new_token"] = (row["name"], token)
            st.rerun()
        except TokenError as problem:
            st.error(as_text(problem))

if rows:
    st.dataframe(
        [
            {
                "name": r["name"],
                "state": "revoked" if r["revoked_at"] else "live",
                "created": r["created_at"],
                "last used": r["last_used_at"],
                "revoked": r["revoked_at"],
            }
            for r in rows
        ],
        hide_index=True,
        placeholder="",
        key="tokens",
    )
if live:
    cols = st.columns([3, 1], vertical_alignment="bottom")
    chosen = cols[0].selectbox("Token", [r["name"] for r in live], key="revoke_pick")
    if cols[1].button("Revoke", icon=":material/block:", key="revoke"):
        revoke_token(url, chosen)
        toast_next_run(f"Revoked {as_text(chosen)}: requests with it are refused now", ":material/block:")
        st.rerun()

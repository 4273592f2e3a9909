"""Webhooks page (placeholder until webhook delivery is built)."""

import streamlit as st

st.title("Webhooks")
st.info(
    "Webhook endpoints are configured here once delivery is available. Events are already recorded: "
    "upload.completed / upload.failed for imports, product.created / product.updated / product.deleted "
    "and products.deleted_all for changes made in this app."
)

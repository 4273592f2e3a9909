"""Admin app (placeholder until the admin-app issue): catalog size and recent imports."""

import streamlit as st

from pipelines import database
from pipelines.import_runs import product_counts, recent_imports
from pipelines.settings import Folders

st.set_page_config(page_title="product-importer", layout="wide")
st.title("product-importer")

try:
    url = database.resolve_url()
    counts = product_counts(url)
    imports = recent_imports(url)
except Exception as error:  # the page says what is wrong instead of a trace
    st.error(f"Cannot reach the database: {error}")
    st.stop()

left, right = st.columns(2)
left.metric("Products", f"{counts['products']:,}")
right.metric("Active", f"{counts['active']:,}")
st.caption(f"Drop CSV files into {Folders.from_env().landing} to import them.")
st.subheader("Recent imports")
if imports:
    st.dataframe(imports, hide_index=True)
else:
    st.info("No imports yet.")

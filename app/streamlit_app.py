"""The admin app: `streamlit run app/streamlit_app.py` (started by `product-importer up`)."""

from pathlib import Path

import streamlit as st

from app.common import require_login

# Not "pages/": Streamlit would also build its own navigation from that folder
# (a direct link to a page after a restart showed it instead of this one).
PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="product-importer", page_icon=":material/inventory_2:", layout="wide")
require_login()  # before the navigation, so nothing shows without the password
navigation = st.navigation(
    [
        st.Page(PAGES / "import_file.py", title="Import", icon=":material/upload_file:", default=True),
        st.Page(PAGES / "imports.py", title="Imports", icon=":material/history:"),
        st.Page(PAGES / "products.py", title="Products", icon=":material/inventory_2:"),
        st.Page(PAGES / "webhooks.py", title="Webhooks", icon=":material/webhook:"),
        st.Page(PAGES / "api_access.py", title="API", icon=":material/key:"),
    ]
)
navigation.run()

"""aelab: the page. `streamlit run app.py` (and Community Cloud) run this script; the page itself is
`aelab_page.app.page`, which `aelab serve` runs from the installed package. Called, not just imported:
Streamlit re-executes this script on every rerun."""

from aelab_page.app import page

page()

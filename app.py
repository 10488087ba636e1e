"""Entry point: page config, the shared sidebar and st.navigation over the files in pages/."""

from pathlib import Path

import streamlit as st

from kpi import i18n, ui

HERE = Path(__file__).parent

st.set_page_config(layout="wide", page_title="制造业数字化转型监测", page_icon="📊")

lang = ui.current_lang()
# (file, label key, icon, default); pages other helpers add appear once their file exists.
PAGES = [
    ("pages/cockpit.py", "nav.cockpit", ":material/dashboard:", True),
    ("pages/indicator.py", "nav.indicator", ":material/monitoring:", False),
    ("pages/sectors.py", "nav.sectors", ":material/factory:", False),
    ("pages/tasks.py", "nav.tasks", ":material/assignment:", False),
    ("pages/method.py", "nav.method", ":material/menu_book:", False),
]
pages = [
    st.Page(path, title=i18n.t(key, lang), icon=icon, default=default)
    for path, key, icon, default in PAGES
    if (HERE / path).exists()
]
pg = st.navigation(pages)
ui.app_sidebar()
pg.run()

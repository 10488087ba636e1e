"""Entry point: page config, the shared sidebar and st.navigation over the files in pages/."""

from pathlib import Path

import streamlit as st

from kpi import auth, auth_ui, i18n, ui

HERE = Path(__file__).parent

st.set_page_config(layout="wide", page_title="制造业数字化转型监测", page_icon="📊")

lang = ui.current_lang()
# (file, label key, icon, default); pages other helpers add appear once their file exists.
PAGES = [
    ("pages/cockpit.py", "nav.cockpit", ":material/dashboard:", True),
    ("pages/indicator.py", "nav.indicator", ":material/monitoring:", False),
    ("pages/sectors.py", "nav.sectors", ":material/factory:", False),
    ("pages/tasks.py", "nav.tasks", ":material/assignment:", False),
    ("pages/warnings.py", "nav.warnings", ":material/warning:", False),
    ("pages/reports.py", "nav.reports", ":material/description:", False),
    ("pages/method.py", "nav.method", ":material/menu_book:", False),
]
pages = [
    st.Page(path, title=i18n.t(key, lang), icon=icon, default=default)
    for path, key, icon, default in PAGES
    if (HERE / path).exists()
]
# Write pages are listed only for roles that may use them; each page also guards itself.
user = auth_ui.current_user()
WRITE_PAGES = [
    ("pages/upload.py", "upload.nav", ":material/upload_file:", "upload"),
    ("pages/task_update.py", "nav.tasks_update", ":material/edit_note:", "update_task"),
    ("pages/audit.py", "nav.audit", ":material/policy:", "manage_users"),
    ("pages/targets.py", "nav.targets", ":material/edit_document:", "edit_targets"),
    ("pages/users.py", "nav.users", ":material/manage_accounts:", "manage_users"),
]
pages += [
    st.Page(path, title=i18n.t(key, lang), icon=icon)
    for path, key, icon, action in WRITE_PAGES
    if auth.role_allows(user, action) and (HERE / path).exists()
]
pg = st.navigation(pages)
ui.app_sidebar()
auth_ui.startup_banner()
if user is None:
    auth_ui.sign_in_form(lang, location="sidebar")
else:
    auth_ui.sign_out_button(lang, location="sidebar")
pg.run()

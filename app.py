"""Entry point: page config, the shared sidebar and st.navigation over the files in pages/."""

from pathlib import Path

import streamlit as st

from kpi.auth import permissions
from kpi.base import i18n
from kpi.web import context, signin

HERE = Path(__file__).parent

context.read_url()  # a shared link or a reload: the view its address names
lang = context.current_lang()
st.set_page_config(layout="wide", page_title=i18n.t("app.title", lang), page_icon="📊")

# (file, label key, icon, default); pages other helpers add appear once their file exists.
PAGES = [
    ("pages/cockpit.py", "nav.cockpit", ":material/dashboard:", True),
    ("pages/indicator.py", "nav.indicator", ":material/monitoring:", False),
    ("pages/sectors.py", "nav.sectors", ":material/factory:", False),
    ("pages/tasks.py", "nav.tasks", ":material/assignment:", False),
    ("pages/warnings.py", "nav.warnings", ":material/warning:", False),
    ("pages/reports.py", "nav.reports", ":material/description:", False),
    ("pages/final.py", "final.nav", ":material/verified:", False),
    ("pages/method.py", "nav.method", ":material/menu_book:", False),
]
pages = [
    st.Page(path, title=i18n.t(key, lang), icon=icon, url_path="overview" if default else None)
    for path, key, icon, default in PAGES
    if (HERE / path).exists()
]
# The app's own address opens the overview too, as the hidden default page. The overview is
# listed under /overview because Streamlit gives the default page's link the relative href
# "?query", which a new tab opens on the page the visitor is on; at the app's own address that
# href is right, and the link is the default page itself, so it is shown as the current page.
overview = next(page for page in pages if page.url_path == "overview")
path, key, icon, _ = next(entry for entry in PAGES if entry[3])
home = st.Page(path, title=i18n.t(key, lang), icon=icon, default=True)
# Write pages are listed only for roles that may use them, but always registered: opened by
# address (a bookmark, signed out), the page itself says why it refuses and offers the sign-in
# form, where an unregistered page would silently fall back to the overview.
user = signin.current_user()
WRITE_PAGES = [
    ("pages/entry.py", "entry.nav", ":material/edit_square:", "upload"),
    ("pages/upload.py", "upload.nav", ":material/upload_file:", "upload"),
    ("pages/submissions.py", "submissions.nav", ":material/fact_check:", "submissions"),
    ("pages/task_update.py", "nav.tasks_update", ":material/edit_note:", "update_task"),
    ("pages/audit.py", "nav.audit", ":material/policy:", "manage_users"),
    ("pages/targets.py", "nav.targets", ":material/edit_document:", "edit_targets"),
    ("pages/plans.py", "plans.nav", ":material/library_books:", "manage_plans"),
    ("pages/users.py", "nav.users", ":material/manage_accounts:", "manage_users"),
]
pages += [
    st.Page(
        path,
        title=i18n.t(key, lang),
        icon=icon,
        visibility="visible" if permissions.role_allows(user, action) else "hidden",
    )
    for path, key, icon, action in WRITE_PAGES
    if (HERE / path).exists()
]
pg = st.navigation([*pages, home], position="hidden")
links = st.sidebar.container()  # drawn once the sidebar's controls have settled the view
ctx = context.app_sidebar(pg.url_path)
listed = [home if page is overview and pg is home else page for page in pages]
context.page_links(links, [page for page in listed if page.visibility == "visible"], ctx)
signin.startup_banner(user, lang)
if user is None:
    signin.sign_in_form(lang, location="sidebar")
else:
    signin.sign_out_button(lang, location="sidebar")
pg.run()

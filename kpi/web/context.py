"""The shared sidebar and page context (language, plan, as-of quarter); page headers.

Every page calls `page_setup()` first. When app.py already drew the shared sidebar in this run
(st.navigation), it only reads the choices; when the page was opened on its own (by URL before
app.py ran, or in AppTest.from_file) it draws the sidebar itself.

The view is kept in the address (st.query_params): `plan`, `as_of` and `lang` on every page,
`indicator` on the detail page, so a link or a reload opens the same view. `read_url()` takes
into the session what the address says when it changed since this session last wrote it (a new
session, a link, back/forward); `keep_in_url()` writes the session's choices back after the page
has checked them, so a value the plan does not know is replaced by the default in the address
too. The sidebar's page links (`page_links()`) carry the view, so a page switch needs no write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi.base import i18n, periods
from kpi.base.i18n import LANGS
from kpi.web.cache import db_file, load_default_as_of, plan_records, query

LANG_KEY = "lang"
PLAN_KEY = "plan"
AS_OF_KEY = "as_of"
INDICATOR_KEY = "indicator"

# Set by app.py after it drew the sidebar; pages opened on their own never see it.
_SIDEBAR_BY_APP = "_ui_sidebar_by_app"
# What this session last read from or wrote to the address: an address that still says the same
# must not undo a choice made since in the sidebar.
_URL_SEEN = "_ui_url_seen"
_LEFT_FOLDER_MODE = "_ui_left_pages_folder_mode"
URL_KEYS = (PLAN_KEY, AS_OF_KEY, LANG_KEY, INDICATOR_KEY)
# A page's own address keys beside the view's, by its URL path: 指标详情's indicator.
PAGE_KEYS = {"indicator": (INDICATOR_KEY,)}
_LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass(frozen=True)
class Context:
    """What every page needs: language, plan, as-of quarter and the database file."""

    lang: str
    plan_id: str | None
    as_of: str
    db: str
    plan: dict

    def t(self, key: str, **fmt) -> str:
        """The label `key` in this page's language."""
        return i18n.t(key, self.lang, **fmt)


def current_lang() -> str:
    """The language chosen in the sidebar ("zh" until changed)."""
    lang = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return lang if lang in LANGS else i18n.DEFAULT_LANG


def read_url() -> None:
    """Take into the session the view the address names, where it changed since last seen.

    Nothing is checked here: the sidebar and the detail page replace a value they do not know
    (lang=xx, a quarter without figures, an unknown indicator) with their default."""
    seen = st.session_state.setdefault(_URL_SEEN, {})
    for key in URL_KEYS:
        value = st.query_params.get(key)
        if value is not None and value != seen.get(key):
            st.session_state[key] = value
            seen[key] = value
        elif key not in st.session_state and key in seen:
            # The widget holding it was not drawn in the last run (a page opened on its own
            # on a fresh server, then the navigation): the view this session last showed.
            st.session_state[key] = seen[key]


def view_query(ctx: Context, **extra: str) -> dict[str, str]:
    """The query of a link that opens a page in this view: plan, as-of quarter, language,
    `extra`."""
    plan = {PLAN_KEY: ctx.plan_id} if ctx.plan_id else {}
    return plan | {AS_OF_KEY: ctx.as_of, LANG_KEY: ctx.lang} | extra


def keep_in_url(ctx: Context, **extra: str) -> None:
    """Write the view (and `extra`, e.g. the indicator) into the address, so reloads keep it.

    Every changed key in one update: each write is a new address in the browser's history (a
    Back press would step through them) and costs it 5-10 ms, and a page switch drops the
    query, so the view's keys all change at once."""
    wanted = view_query(ctx, **extra)
    st.session_state.setdefault(_URL_SEEN, {}).update(wanted)
    changed = {key: value for key, value in wanted.items() if st.query_params.get(key) != value}
    if changed:
        st.query_params.update(changed)


def as_of_options(path: str, plan_id: str) -> list[str]:
    """Quarters with figures, up to the current quarter, newest first (current if none)."""
    current = periods.current_period()
    options = [p for p in query(path, "periods_with_figures", plan_id) if p <= current]
    return sorted(options, reverse=True) or [current]


def sidebar() -> Context:
    """Draw the shared sidebar controls (language, plan, as-of) and return the choices."""
    path = db_file()
    # Assigned on every run, not only when unknown: a widget another script drew under the same
    # key (a page opened on its own on a fresh server) would otherwise come back at its default.
    st.session_state[LANG_KEY] = current_lang()
    with st.sidebar:
        lang = st.radio(
            i18n.t("sidebar.lang", current_lang()),
            LANGS,
            format_func=_LANG_NAMES.get,
            key=LANG_KEY,
            horizontal=True,
        )
        plans = plan_records(path)
        if not plans:
            st.error(i18n.t("sidebar.no_plan", lang))
            return Context(lang, None, periods.current_period(), path, {})
        plan_ids = list(plans)
        if st.session_state.get(PLAN_KEY) not in plans:
            st.session_state[PLAN_KEY] = plan_ids[0]
        if len(plan_ids) > 1:
            st.selectbox(
                i18n.t("sidebar.plan", lang),
                plan_ids,
                format_func=lambda p: i18n.name(plans[p], lang),
                key=PLAN_KEY,
            )
        plan_id = st.session_state[PLAN_KEY]
        options = as_of_options(path, plan_id)
        as_of = st.session_state.get(AS_OF_KEY)
        if as_of not in options:
            default = load_default_as_of(path, plan_id)
            as_of = default if default in options else options[0]
        st.session_state[AS_OF_KEY] = as_of
        as_of = st.selectbox(
            i18n.t("sidebar.as_of", lang),
            options,
            key=AS_OF_KEY,
            help=i18n.t("sidebar.as_of_help", lang),
        )
    return Context(lang, plan_id, as_of, path, plans[plan_id])


def _context_from_state() -> Context:
    path = db_file()
    plans = plan_records(path)
    plan_id = st.session_state.get(PLAN_KEY)
    if plan_id not in plans:
        return sidebar()
    as_of = st.session_state.get(AS_OF_KEY) or load_default_as_of(path, plan_id)
    return Context(current_lang(), plan_id, as_of, path, plans[plan_id])


def app_sidebar(url_path: str) -> Context:
    """Called by app.py before pg.run(): draw the sidebar once for every page of this run.

    The page at `url_path` has its own address keys (PAGE_KEYS): their values in this session
    go into the address with the view's, in one update, and the page writes them again only
    when it changes one."""
    ctx = sidebar()
    st.session_state[_SIDEBAR_BY_APP] = True
    keep_in_url(ctx, **_own_keys(url_path))  # also on a page that then refuses the visitor
    return ctx


def page_links(box, pages: list, ctx: Context) -> None:
    """The navigation: a link to each page that carries the view (and the page's own keys), so
    that a page switch is one address in the browser's history and one Back press returns from
    it. Streamlit's own navigation drops the query on a switch; writing the view back made a
    second address, and Back then stopped on the same page."""
    with box:
        for page in pages:
            query = view_query(ctx, **_own_keys(page.url_path))
            st.page_link(page, query_params=query, width="stretch")
        st.divider()


def _own_keys(url_path: str) -> dict[str, str]:
    """This session's values of the page's own address keys."""
    keys = PAGE_KEYS.get(url_path, ())
    return {key: st.session_state[key] for key in keys if key in st.session_state}


def _leave_pages_folder_mode() -> None:
    """On a fresh server whose first request names a page (a shared link after a restart),
    Streamlit runs that page straight from the pages/ folder, not through app.py: its navigation
    lists the folder's files by file name, write pages included, and it keeps doing so for
    every session until app.py runs once. This ends that mode, as app.py's st.navigation would
    (without a page list to resolve the address against, which would show 'Page not found'),
    and reruns: the rerun goes through app.py, which opens the page the address names."""
    run = get_script_run_ctx()
    if run is None or Path(run.main_script_path).name != "app.py":
        return  # a page run on its own in a test, with no app.py around it
    if st.session_state.get(_LEFT_FOLDER_MODE):
        return  # once: should Streamlit ever ignore the flag, the page still shows
    st.session_state[_LEFT_FOLDER_MODE] = True
    PagesManager.uses_pages_directory = False
    st.rerun()


def page_setup() -> Context:
    """First call of every page: the shared context, drawing the sidebar if app.py did not."""
    if st.session_state.get(_SIDEBAR_BY_APP):
        ctx = _context_from_state()
    else:
        _leave_pages_folder_mode()
        # Opened on its own: app.py's page config and read_url() did not run either.
        read_url()
        st.set_page_config(layout="wide", page_title=i18n.t("app.title", current_lang()))
        ctx = sidebar()
    keep_in_url(ctx)
    return ctx


def page_header(ctx: Context, title_key: str) -> None:
    """Page title, plan name, as-of quarter and the final-assessment line when it applies."""
    st.title(ctx.t(title_key))
    if not ctx.plan:
        return
    st.caption(f"{i18n.name(ctx.plan, ctx.lang)} · {ctx.t('common.as_of', as_of=ctx.as_of)}")
    end = ctx.plan.get("end_period")
    # Always one slot here, filled or not: an element that comes and goes with the quarter would
    # shift every element below it, and the browser would draw them all anew on a quarter change.
    notice = st.container()
    if end and periods.quarter_index(ctx.as_of) >= periods.quarter_index(end):
        notice.info(ctx.t("common.final", end=end))

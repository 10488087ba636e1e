"""Streamlit side of sign-in: the form, the sign-out button and `guard`, called by every page.

A page can be opened by URL before app.py ran, so each page calls `guard(action, lang)` at its
top; write functions still call `permissions.require` themselves. Every run that asks for the
signed-in user (app.py, `guard`) also ends a session that has expired (idle for
config.SESSION_IDLE_MINUTES, or older than config.SESSION_MAX_HOURS) or whose demo account no
longer signs in, and says why: the run then goes on signed out, so the write it was about to do
is refused like any visitor's.
"""

from __future__ import annotations

import time
from typing import Literal

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi.auth import accounts, permissions, signin
from kpi.auth.accounts import User
from kpi.base import config, errors, i18n
from kpi.store import intake
from kpi.web import cache, context

SESSION_KEY = "auth_username"  # st.session_state holds only the username, never a password
SIGNED_IN_AT = "auth_signed_in_at"  # time.time() of the sign-in
LAST_SEEN = "auth_last_seen"  # time.time() of the latest run of this session signed in

Location = Literal["main", "sidebar"]


@st.cache_data(show_spinner=False, max_entries=8)
def _demo_mode_of(path: str, version: int) -> bool:
    del version  # part of the cache key only: a write elsewhere (etl demo remove) changes it
    return intake.demo_mode(path)


def demo_mode() -> bool | None:
    """Whether the store is in demo mode, when that matters: None unless the accounts in use
    are the shipped demo ones (then the store is not asked at all)."""
    if not accounts.is_demo_file(accounts.users_file()):
        return None
    path = cache.db_file()
    return _demo_mode_of(path, cache.db_version(path))


def _start_session(username: str) -> None:
    now = time.time()
    st.session_state[SESSION_KEY] = username
    st.session_state[SIGNED_IN_AT] = now
    st.session_state[LAST_SEEN] = now


def _end_session() -> None:
    for key in (SESSION_KEY, SIGNED_IN_AT, LAST_SEEN):
        st.session_state.pop(key, None)


def _expiry(now: float) -> tuple[str, dict] | None:
    """Why this session has expired (catalog key and values), or None; a session from before
    these stamps existed starts its clocks now."""
    signed_in_at = st.session_state.setdefault(SIGNED_IN_AT, now)
    last_seen = st.session_state.setdefault(LAST_SEEN, now)
    if now - signed_in_at > config.SESSION_MAX_HOURS * 3600:
        return "session.max_expired", {"hours": f"{config.SESSION_MAX_HOURS:g}"}
    if now - last_seen > config.SESSION_IDLE_MINUTES * 60:
        return "session.idle_expired", {"minutes": f"{config.SESSION_IDLE_MINUTES:g}"}
    return None


def _client_key() -> str | None:
    """The session id: failed sign-ins are also counted per browser session."""
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx else None


def current_user() -> User | None:
    """The signed-in user, re-read from the accounts file so removals and role changes apply.

    An expired session, or a demo account once the demo is over, is signed out here with a
    message saying why."""
    value = st.session_state.get(SESSION_KEY)
    username = getattr(value, "username", value)  # tolerate a User stored by a caller
    if not isinstance(username, str) or not username:
        return None
    now = time.time()
    ended = _expiry(now)
    user = None
    if ended is None:
        in_demo = demo_mode()
        try:
            user = accounts.lookup_user(username, demo_mode=in_demo)
        except (errors.UsersFileError, OSError):
            user = None
        if user is None and in_demo is False:
            ended = "session.demo_ended", {}
    if user is None:
        _end_session()
        if ended is not None:
            key, values = ended
            st.warning(i18n.t(key, context.current_lang(), **values), icon=":material/logout:")
        return None
    st.session_state[LAST_SEEN] = now
    return user


def sign_in_form(lang: str = "zh", *, location: Location = "main") -> User | None:
    """Username + password form; on success stores the user in session_state and reruns.

    In the sidebar the form is in a popover drawn only while open: on every page of every
    reader not signed in, two text inputs and a form cost the browser more than the rest of the
    sidebar (bench/bench_pages.py), for the few who sign in."""
    prefix = f"auth_{location}"
    if location == "sidebar":
        area = st.sidebar.popover(
            i18n.t("signin.title", lang),
            icon=":material/login:",
            width="stretch",
            key=f"{prefix}_open",
            on_change="rerun",
        )
        if not area.open:
            return None
    else:
        area = st.container()
    with area.form(f"{prefix}_form", clear_on_submit=True, enter_to_submit=False):
        if location == "main":  # the popover's button says it in the sidebar
            st.markdown(f"**{i18n.t('signin.title', lang)}**")
        username = st.text_input(i18n.t("signin.username", lang), key=f"{prefix}_username")
        password = st.text_input(
            i18n.t("signin.password", lang), type="password", key=f"{prefix}_password"
        )
        submitted = st.form_submit_button(i18n.t("signin.submit", lang), key=f"{prefix}_submit")
    if not submitted:
        return None
    if not username.strip() or not password:
        area.error(i18n.t("signin.empty", lang))
        return None
    try:
        user = signin.authenticate(username, password, _client_key(), demo_mode=demo_mode())
    except errors.SignInLocked as locked:
        area.error(locked.message(lang))
        return None
    except (errors.UsersFileError, OSError):
        area.error(i18n.t("signin.accounts_error", lang))
        return None
    if user is None:
        area.error(i18n.t("signin.failed", lang))
        return None
    _start_session(user.username)
    st.rerun()
    return user  # not reached: st.rerun() ends this run


def sign_out_button(lang: str = "zh", *, location: Location = "sidebar") -> None:
    """Show who is signed in and a sign-out button (nothing when nobody is signed in)."""
    user = current_user()
    if user is None:
        return
    area = st.sidebar if location == "sidebar" else st.container()
    area.caption(_account_line("signin.signed_in_as", user, lang))
    if area.button(i18n.t("signin.sign_out", lang), key=f"auth_{location}_sign_out"):
        _end_session()
        st.rerun()


def startup_banner(user: User | None, lang: str = "zh") -> None:
    """Log `accounts.startup_warning()` (demo accounts etc.) once per process; show it to a
    signed-in administrator only, in one line that opens to the full text.

    It names files and commands for whoever runs the server; a leader or a clerk cannot act on
    it (the pages' own demo-data label tells them what the figures are)."""
    warning = accounts.log_startup_warning(demo_mode=demo_mode())
    if not warning or not permissions.role_allows(user, "manage_users"):
        return
    with st.expander(i18n.t("notice.operator", lang), icon=":material/warning:"):
        st.markdown(warning)


def guard(action: str, lang: str = "zh") -> User | None:
    """Let the page go on only when allowed; else show why and a sign-in form, and st.stop().

    'view' returns the signed-in user or None when viewing is open to everyone. Other actions
    return the user, whose role allows the action; units are checked again on every write.
    """
    user = current_user()
    if action == "view" and not config.view_requires_login():
        return user
    refusal = permissions.refusal_message(user, action, lang)
    if refusal is None:
        return user
    st.error(refusal)
    if user is not None:
        st.caption(_account_line("signin.current_account", user, lang))
    sign_in_form(lang, location="main")
    st.stop()


def _account_line(key: str, user: User, lang: str) -> str:
    """'已登录：张三（上报员）' and the like: who is signed in, with the role."""
    return i18n.t(key, lang, name=user.display_name, role=i18n.role_name(user.role, lang))

"""Streamlit side of sign-in: the form, the sign-out button and `guard`, called by every page.

A page can be opened by URL before app.py ran, so each page calls `guard(action, lang)` at its
top; write functions still call `permissions.require` themselves.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kpi.auth import accounts, permissions, signin
from kpi.auth.accounts import User
from kpi.base import config, errors, i18n

SESSION_KEY = "auth_username"  # st.session_state holds only the username, never a password

Location = Literal["main", "sidebar"]


def _client_key() -> str | None:
    """The session id: failed sign-ins are also counted per browser session."""
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx else None


def current_user() -> User | None:
    """The signed-in user, re-read from the accounts file so removals and role changes apply."""
    value = st.session_state.get(SESSION_KEY)
    username = getattr(value, "username", value)  # tolerate a User stored by a caller
    if not isinstance(username, str) or not username:
        return None
    try:
        user = accounts.lookup_user(username)
    except (errors.UsersFileError, OSError):
        user = None
    if user is None:
        st.session_state.pop(SESSION_KEY, None)
    return user


def sign_in_form(lang: str = "zh", *, location: Location = "main") -> User | None:
    """Username + password form; on success stores the user in session_state and reruns."""
    area = st.sidebar if location == "sidebar" else st.container()
    prefix = f"auth_{location}"
    with area.form(f"{prefix}_form", clear_on_submit=True):
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
        user = signin.authenticate(username, password, _client_key())
    except errors.SignInLocked as locked:
        area.error(locked.message(lang))
        return None
    except (errors.UsersFileError, OSError):
        area.error(i18n.t("signin.accounts_error", lang))
        return None
    if user is None:
        area.error(i18n.t("signin.failed", lang))
        return None
    st.session_state[SESSION_KEY] = user.username
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
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()


def startup_banner() -> None:
    """Show `accounts.startup_warning()` (demo accounts etc.) and log it once per process."""
    warning = accounts.log_startup_warning()
    if warning:
        st.warning(warning)


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

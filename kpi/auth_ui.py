"""Streamlit side of sign-in: the form, the sign-out button and `guard`, called by every page.

A page can be opened by URL before app.py ran, so each page calls `guard(action, lang)` at its
top; write functions still call `kpi.auth.require` themselves.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from kpi import auth
from kpi.auth import User

SESSION_KEY = "auth_username"  # st.session_state holds only the username, never a password

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "登录",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "failed": "用户名或密码错误",
        "empty": "请输入用户名和密码",
        "accounts_error": "账号文件无法读取，请联系管理员",
        "signed_in_as": "已登录：{name}（{role}）",
        "sign_out": "退出登录",
        "current_account": "当前账号：{name}（{role}）",
    },
    "en": {
        "title": "Sign in",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "failed": "Wrong username or password",
        "empty": "Enter a username and a password",
        "accounts_error": "The accounts file cannot be read; contact the administrator",
        "signed_in_as": "Signed in: {name} ({role})",
        "sign_out": "Sign out",
        "current_account": "Current account: {name} ({role})",
    },
}

Location = Literal["main", "sidebar"]


def _labels(lang: str) -> dict[str, str]:
    return LABELS["en" if lang == "en" else "zh"]


def _client_key() -> str | None:
    """The session id: failed sign-ins are also counted per browser session."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx else None


def current_user() -> User | None:
    """The signed-in user, re-read from the accounts file so removals and role changes apply."""
    value = st.session_state.get(SESSION_KEY)
    username = getattr(value, "username", value)  # tolerate a User stored by a caller
    if not isinstance(username, str) or not username:
        return None
    try:
        user = auth.lookup_user(username)
    except (auth.UsersFileError, OSError):
        user = None
    if user is None:
        st.session_state.pop(SESSION_KEY, None)
    return user


def sign_in_form(lang: str = "zh", *, location: Location = "main") -> User | None:
    """Username + password form; on success stores the user in session_state and reruns."""
    t = _labels(lang)
    area = st.sidebar if location == "sidebar" else st.container()
    prefix = f"auth_{location}"
    with area.form(f"{prefix}_form", clear_on_submit=True):
        st.markdown(f"**{t['title']}**")
        username = st.text_input(t["username"], key=f"{prefix}_username")
        password = st.text_input(t["password"], type="password", key=f"{prefix}_password")
        submitted = st.form_submit_button(t["submit"], key=f"{prefix}_submit")
    if not submitted:
        return None
    if not username.strip() or not password:
        area.error(t["empty"])
        return None
    try:
        user = auth.authenticate(username, password, _client_key())
    except auth.SignInLocked as locked:
        area.error(locked.message(lang))
        return None
    except (auth.UsersFileError, OSError):
        area.error(t["accounts_error"])
        return None
    if user is None:
        area.error(t["failed"])
        return None
    st.session_state[SESSION_KEY] = user.username
    st.rerun()
    return user  # not reached: st.rerun() ends this run


def sign_out_button(lang: str = "zh", *, location: Location = "sidebar") -> None:
    """Show who is signed in and a sign-out button (nothing when nobody is signed in)."""
    user = current_user()
    if user is None:
        return
    t = _labels(lang)
    area = st.sidebar if location == "sidebar" else st.container()
    area.caption(t["signed_in_as"].format(name=user.display_name, role=user.role_label(lang)))
    if area.button(t["sign_out"], key=f"auth_{location}_sign_out"):
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()


def startup_banner() -> None:
    """Show `kpi.auth.startup_warning()` (demo accounts etc.) and log it once per process."""
    warning = auth.log_startup_warning()
    if warning:
        st.warning(warning)


def guard(action: str, lang: str = "zh") -> User | None:
    """Let the page go on only when allowed; else show why and a sign-in form, and st.stop().

    'view' returns the signed-in user or None when viewing is open to everyone. Other actions
    return the user, whose role allows the action; units are checked again on every write.
    """
    user = current_user()
    if action == "view" and not auth.view_requires_login():
        return user
    refusal = auth.refusal_message(user, action, lang)
    if refusal is None:
        return user
    t = _labels(lang)
    st.error(refusal)
    if user is not None:
        st.caption(t["current_account"].format(name=user.display_name, role=user.role_label(lang)))
    sign_in_form(lang, location="main")
    st.stop()

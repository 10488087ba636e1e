"""The one way a page writes: run the write; show the refusal, or clear the caches and rerun.

A page with a write starts with `open_page(action, title_key)` (who may use it, the context, the
title and the result of the previous write), then calls `run(...)` when a button is pressed. The
write functions themselves (kpi.store.intake, target_edits, account_changes) check permissions
and input server-side; here only the page's side is handled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import streamlit as st

from kpi.auth.accounts import User
from kpi.base import config, i18n
from kpi.base.errors import KpiError, PreviewOutdated, ReplicaReadOnly
from kpi.web import cache, context
from kpi.web.context import Context
from kpi.web.signin import guard

T = TypeVar("T")
_SUCCESS_KEY = "_write_success"
_RESET_KEY = "_write_reset"


def open_page(action: str, title_key: str, *, needs_plan: bool = True) -> tuple[User, Context]:
    """The top of a write page: refuse, before anything is drawn, anyone who may not do `action`
    (a sign-in form instead); then the shared context, the title, the plan's name and the result
    of the write that caused this run. A page that does not `needs_plan` (accounts, the audit
    log) does not name the plan and goes on when none is loaded."""
    context.read_url()  # the language of the refusal, when the page runs on its own
    user = guard(action, context.current_lang())
    ctx = context.page_setup()
    st.title(ctx.t(title_key))
    if config.is_replica():
        st.info(ReplicaReadOnly().message(ctx.lang))
        st.stop()
    if needs_plan:
        if ctx.plan_id is None:
            st.stop()
        st.caption(i18n.name(ctx.plan, ctx.lang))
    show_result()
    return user, ctx


def show_result() -> None:
    """The success message of the write that caused this run, and the form fields it reset.

    Call before the widgets are drawn: a value set in session_state after a widget exists would
    not reach the browser.
    """
    for name, value in st.session_state.pop(_RESET_KEY, {}).items():
        st.session_state[name] = value
    if message := st.session_state.pop(_SUCCESS_KEY, None):
        st.success(message)


def run(
    write: Callable[[], T],
    lang: str,
    *,
    success: str | Callable[[T], str] | None = None,
    state: Mapping[str, Callable[[T], Any]] | None = None,
    reset: Mapping[str, Any] | None = None,
    forget: Iterable[str] = (),
) -> None:
    """Run one write and answer the page.

    A refusal (any KpiError: permission, input, busy store) is shown where the button is and
    nothing else happens; nothing was written. PreviewOutdated is a warning and also drops the
    `forget` keys, so that the next run checks afresh. On success: cached reads are cleared, the
    `success` message (or its function of the write's result) is shown after the rerun, `state`
    entries are set from the result, `reset` form fields take their values, `forget` keys are
    dropped, and the page reruns.
    """
    try:
        result = write()
    except PreviewOutdated as err:
        for key in forget:
            st.session_state.pop(key, None)
        st.warning(err.message(lang))
        return
    except KpiError as err:
        st.error(err.message(lang))
        return
    cache.clear_caches()
    if success is not None:
        st.session_state[_SUCCESS_KEY] = success(result) if callable(success) else success
    for name, value_of in (state or {}).items():
        st.session_state[name] = value_of(result)
    st.session_state[_RESET_KEY] = dict(reset or {})
    for key in forget:
        st.session_state.pop(key, None)
    st.rerun()

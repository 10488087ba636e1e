"""用户管理 / User accounts (admins only): list, add, change role or unit, reset, disable."""

import streamlit as st

from kpi.auth import accounts as auth_accounts
from kpi.base import i18n
from kpi.outputs import formatting, intake_tables
from kpi.store import account_changes
from kpi.web import cache, writes

# Before anything is drawn: only administrators get past this line.
user, ctx = writes.open_page("manage_users", "users.title", needs_plan=False)
t, lang = ctx.t, ctx.lang

path = auth_accounts.users_file()
st.caption(t("users.caption", path=path.name))
accounts = account_changes.accounts(path)
units = cache.query(ctx.db, "responsible_units", ctx.plan_id) if ctx.plan_id else None
unit_options = [] if units is None else units["unit_zh"].tolist()
unit_names = {} if units is None else formatting.unit_names(units, lang)

st.subheader(t("users.list"))
st.dataframe(intake_tables.accounts_table(accounts, lang, unit_names), hide_index=True)
st.caption(t("users.rules", n=auth_accounts.MIN_PASSWORD_CHARS))
if not account_changes.accounts_editable():
    st.warning(t("users.demo_file"))
    st.stop()


def role_name(role: str) -> str:
    return i18n.role_name(role, lang)


def unit_name(unit: str) -> str:
    return unit_names.get(unit, unit)


def submit(write, message: str, reset: dict | None = None) -> None:
    """Run one account write; on success show `message` after the rerun, reset those fields."""
    writes.run(write, lang, success=message, reset=reset)


ADD_FORM_EMPTY = {
    "users_add_name": "",
    "users_add_display": "",
    "users_add_role": auth_accounts.ROLES[0],
    "users_add_unit": None,
    "users_add_pw": "",
    "users_add_pw2": "",
}


add, change, password, remove = st.tabs(
    [t("users.tab.add"), t("users.tab.change"), t("users.tab.password"), t("users.tab.remove")]
)
names = [a["username"] for a in accounts]
by_name = {a["username"]: a for a in accounts}
unit_help = t("users.unit_help")

with add, st.form("users_add", clear_on_submit=False, enter_to_submit=False):
    left, right = st.columns(2)
    username = left.text_input(t("users.col.username"), key="users_add_name")
    display_name = right.text_input(t("users.col.display_name"), key="users_add_display")
    role = left.selectbox(
        t("intake.col.role"), auth_accounts.ROLES, format_func=role_name, key="users_add_role"
    )
    unit = right.selectbox(
        t("col.unit"),
        unit_options,
        format_func=unit_name,
        index=None,
        help=unit_help,
        placeholder=t("users.unit_placeholder"),
        key="users_add_unit",
    )
    pw = left.text_input(
        t("users.password", n=auth_accounts.MIN_PASSWORD_CHARS), type="password", key="users_add_pw"
    )
    pw2 = right.text_input(t("users.password_again"), type="password", key="users_add_pw2")
    if st.form_submit_button(t("users.add_submit"), type="primary"):
        submit(
            lambda: account_changes.add_account(
                ctx.db, user, username, role, unit, pw, pw2, display_name
            ),
            t("users.added", username=username.strip(), role=role_name(role)),
            ADD_FORM_EMPTY,
        )

with change:
    picked = st.selectbox(t("users.pick"), names, key="users_change_pick")
    current = by_name[picked]
    with st.form("users_change", enter_to_submit=False):
        left, right = st.columns(2)
        role = left.selectbox(
            t("intake.col.role"),
            auth_accounts.ROLES,
            index=auth_accounts.ROLES.index(current["role"]),
            format_func=role_name,
            key=f"users_change_role_{picked}",
        )
        unit = right.selectbox(
            t("col.unit"),
            unit_options,
            index=unit_options.index(current["unit"]) if current["unit"] in unit_options else None,
            format_func=unit_name,
            help=unit_help,
            placeholder=t("users.unit_placeholder"),
            key=f"users_change_unit_{picked}",
        )
        display_name = left.text_input(
            t("users.col.display_name"),
            current["display_name"],
            key=f"users_change_display_{picked}",
        )
        if st.form_submit_button(t("users.change_submit"), type="primary"):
            submit(
                lambda: account_changes.change_account(
                    ctx.db, user, picked, role, unit, display_name
                ),
                t("users.changed", username=picked),
            )

with password:
    picked = st.selectbox(t("users.pick"), names, key="users_pw_pick")
    with st.form("users_password", clear_on_submit=True, enter_to_submit=False):
        pw = st.text_input(
            t("users.password", n=auth_accounts.MIN_PASSWORD_CHARS), type="password", key="users_pw"
        )
        pw2 = st.text_input(t("users.password_again"), type="password", key="users_pw2")
        if st.form_submit_button(t("users.password_submit"), type="primary"):
            submit(
                lambda: account_changes.reset_password(ctx.db, user, picked, pw, pw2),
                t("users.password_done", username=picked),
            )

with remove:
    st.caption(t("users.remove_rules"))
    picked = st.selectbox(t("users.pick"), names, key="users_remove_pick")
    actions = ["enable" if by_name[picked]["disabled"] else "disable", "delete"]
    with st.form("users_remove", enter_to_submit=False):
        action = st.radio(
            t("users.action"),
            actions,
            format_func=lambda a: t(f"users.action.{a}"),
            key="users_action",
        )
        sure = st.checkbox(t("users.action_confirm", username=picked), key="users_action_ok")
        if st.form_submit_button(t("users.action_submit")):
            if not sure:
                st.error(t("users.confirm_missing"))
            elif action == "delete":
                # The removed name leaves the pickers: show one's own account in them.
                picks = ("users_remove_pick", "users_change_pick", "users_pw_pick")
                submit(
                    lambda: account_changes.delete_account(ctx.db, user, picked),
                    t("users.deleted", username=picked),
                    {"users_action_ok": False} | dict.fromkeys(picks, user.username),
                )
            else:
                disable = action == "disable"
                submit(
                    lambda: account_changes.set_account_disabled(ctx.db, user, picked, disable),
                    t(f"users.{action}d", username=picked),
                    {"users_action_ok": False},
                )

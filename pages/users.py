"""用户管理 / User accounts (admins only): list, add, change role or unit, reset, disable."""

import streamlit as st

from kpi import admin, auth, intake, ui
from kpi.auth_ui import guard

# Before anything is drawn: only administrators get past this line.
user = guard("manage_users", ui.current_lang())
ctx = ui.page_setup()
t, lang = ctx.t, ctx.lang
st.title(t("users.title"))
WRITE_ERRORS = (auth.PermissionDenied, intake.RetryLater, intake.IntakeRefused)
if flash := st.session_state.pop("users_flash", None):
    st.success(flash)
# After a save: empty the form (set before the widgets exist, so the browser shows it too).
for name, value in st.session_state.pop("users_reset", {}).items():
    st.session_state[name] = value

path = auth.users_file()
st.caption(t("users.caption", path=path.name))
accounts = admin.accounts(path)
units = ui.query(ctx.db, "responsible_units", ctx.plan_id) if ctx.plan_id else None
unit_options = [] if units is None else units["unit_zh"].tolist()
names_en = {} if units is None else dict(zip(units["unit_zh"], units["unit_en"], strict=True))

st.subheader(t("users.list"))
st.dataframe(admin.accounts_table(accounts, lang, names_en), hide_index=True)
st.caption(t("users.rules", n=auth.MIN_PASSWORD_CHARS))
if not admin.accounts_editable():
    st.warning(t("users.demo_file"))
    st.stop()


def role_name(role: str) -> str:
    return auth.ROLE_LABELS[role]["en" if lang == "en" else "zh"]


def unit_name(unit: str) -> str:
    return names_en.get(unit, unit) if lang == "en" else unit


def submit(write, message: str, reset: dict | None = None) -> None:
    """Run one write; on success show `message` after a rerun and reset those form fields."""
    try:
        write()
    except WRITE_ERRORS as err:
        st.error(err.message(lang))
    else:
        ui.clear_caches()
        st.session_state["users_flash"] = message
        st.session_state["users_reset"] = reset or {}
        st.rerun()


ADD_FORM_EMPTY = {
    "users_add_name": "",
    "users_add_display": "",
    "users_add_role": auth.ROLES[0],
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

with add, st.form("users_add", clear_on_submit=False):
    left, right = st.columns(2)
    username = left.text_input(t("users.col.username"), key="users_add_name")
    display_name = right.text_input(t("users.col.display_name"), key="users_add_display")
    role = left.selectbox(
        t("intake.col.role"), auth.ROLES, format_func=role_name, key="users_add_role"
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
        t("users.password", n=auth.MIN_PASSWORD_CHARS), type="password", key="users_add_pw"
    )
    pw2 = right.text_input(t("users.password_again"), type="password", key="users_add_pw2")
    if st.form_submit_button(t("users.add_submit"), type="primary"):
        submit(
            lambda: admin.add_account(ctx.db, user, username, role, unit, pw, pw2, display_name),
            t("users.added", username=username.strip(), role=role_name(role)),
            ADD_FORM_EMPTY,
        )

with change:
    picked = st.selectbox(t("users.pick"), names, key="users_change_pick")
    current = by_name[picked]
    with st.form("users_change"):
        left, right = st.columns(2)
        role = left.selectbox(
            t("intake.col.role"),
            auth.ROLES,
            index=auth.ROLES.index(current["role"]),
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
                lambda: admin.change_account(ctx.db, user, picked, role, unit, display_name),
                t("users.changed", username=picked),
            )

with password:
    picked = st.selectbox(t("users.pick"), names, key="users_pw_pick")
    with st.form("users_password", clear_on_submit=True):
        pw = st.text_input(
            t("users.password", n=auth.MIN_PASSWORD_CHARS), type="password", key="users_pw"
        )
        pw2 = st.text_input(t("users.password_again"), type="password", key="users_pw2")
        if st.form_submit_button(t("users.password_submit"), type="primary"):
            submit(
                lambda: admin.reset_password(ctx.db, user, picked, pw, pw2),
                t("users.password_done", username=picked),
            )

with remove:
    st.caption(t("users.remove_rules"))
    picked = st.selectbox(t("users.pick"), names, key="users_remove_pick")
    actions = ["enable" if by_name[picked]["disabled"] else "disable", "delete"]
    with st.form("users_remove"):
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
                    lambda: admin.delete_account(ctx.db, user, picked),
                    t("users.deleted", username=picked),
                    {"users_action_ok": False} | dict.fromkeys(picks, user.username),
                )
            else:
                disable = action == "disable"
                submit(
                    lambda: admin.set_account_disabled(ctx.db, user, picked, disable),
                    t(f"users.{action}d", username=picked),
                    {"users_action_ok": False},
                )

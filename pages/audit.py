"""操作日志 / Audit log (admins only): every write with who, role, when, before and after."""

import streamlit as st

from kpi.outputs import intake_tables
from kpi.web import cache, widgets, writes

# Before anything is drawn: only administrators get past this line.
_, ctx = writes.open_page("manage_users", "audit.title", needs_plan=False)
t, lang = ctx.t, ctx.lang

log = cache.query(ctx.db, "audit_log")
st.caption(t("audit.caption", n=len(log)))
left, right = st.columns(2)
users = left.multiselect(
    t("audit.filter_user"),
    sorted(log["user_name"].unique()),
    placeholder=t("audit.all"),
    key="audit_users",
)
actions = right.multiselect(
    t("audit.filter_action"),
    sorted(log["action"].unique()),
    format_func=lambda a: intake_tables.action_name(a, lang),
    placeholder=t("audit.all"),
    key="audit_actions",
)
entries = intake_tables.filter_audit(log, users, actions)
shown = intake_tables.audit_table(entries, lang)
st.caption(t("audit.shown", shown=len(shown), total=len(log)) + " · " + t("audit.raw_note"))
side_column = st.column_config.TextColumn(width=360)
widgets.data_table(
    ctx,
    shown,
    "audit_log",
    t("audit.title"),
    download=intake_tables.audit_table(entries, lang, raw=True),
    column_config={t("intake.col.before"): side_column, t("intake.col.after"): side_column},
)
st.caption(t("audit.cli"))

if not entries.empty:
    records = {int(r["audit_id"]): r for r in entries.to_dict("records")}
    picked = st.selectbox(
        t("audit.detail"),
        list(records),
        format_func=lambda i: intake_tables.audit_label(records[i], lang),
        key="audit_detail",
    )
    for column, label, field in zip(
        st.columns(2),
        ("intake.col.before", "intake.col.after"),
        ("before_json", "after_json"),
        strict=True,
    ):
        column.markdown(f"**{t(label)}**")
        lines, tables = intake_tables.audit_fields(records[picked][field], lang)
        column.markdown(intake_tables.audit_markdown(lines, lang) or "—")
        for name, table in tables.items():
            column.caption(f"{name} · {t('audit.rows', n=len(table))}")
            column.dataframe(table, hide_index=True, height=min(35 * (len(table) + 1) + 3, 360))

"""报告与下载 / Reports and downloads: the quarterly bulletin (PDF, DOCX), the full data export."""

import functools

import streamlit as st

from kpi.auth import permissions
from kpi.outputs import bulletin, fullexport
from kpi.store import evidence
from kpi.web import cache, context, signin, widgets

ctx = context.page_setup()
context.page_header(ctx, "reports.title")
if ctx.plan_id is None:
    st.stop()
widgets.demo_banner(ctx)

stem = widgets.report_stem(ctx.plan_id, ctx.as_of, ctx.lang)

st.subheader(ctx.t("reports.bulletin"))
st.caption(ctx.t("reports.bulletin_help", as_of=ctx.as_of))
version = cache.db_version(ctx.db)
left, right = st.columns(2, width=420)
for column, fmt in ((left, "pdf"), (right, "docx")):
    widgets.file_button(
        ctx,
        column,
        f"reports.{fmt}",
        functools.partial(
            bulletin.bulletin_file,
            ctx.db,
            ctx.plan_id,
            ctx.as_of,
            ctx.lang,
            fmt,
            version=version,
        ),
        f"bulletin-{stem}.{fmt}",
        f"reports_{fmt}",
    )

st.subheader(ctx.t("reports.export"))
st.caption(ctx.t("reports.export_help"))
user = signin.current_user()
with_audit = permissions.role_allows(user, "manage_users")
with_evidence = evidence.sees_all(user)  # leaders and reviewers see every attachment
if not with_audit:
    st.caption(ctx.t("reports.audit_admin"))
left, right = st.columns(2, width=420)
for column, fmt in ((left, "xlsx"), (right, "zip")):
    widgets.file_button(
        ctx,
        column,
        f"reports.{fmt}",
        functools.partial(
            fullexport.export_file,
            ctx.db,
            ctx.plan_id,
            fmt,
            ctx.lang,
            with_audit=with_audit,
            with_evidence=with_evidence,
        ),
        f"data-{widgets.report_stem(ctx.plan_id)}.{fmt}",
        f"reports_{fmt}",
    )

if with_audit:  # command lines are for whoever runs the server, not for readers
    st.divider()
    st.caption(ctx.t("reports.cli", as_of=ctx.as_of))

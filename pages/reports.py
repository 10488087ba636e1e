"""报告与下载 / Reports and downloads: the quarterly bulletin (PDF, DOCX), the full data export."""

import functools
import re

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

# File names from our own identifiers only (plan id, quarter, language), never from user input.
plan_stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", ctx.plan_id)
stem = f"{plan_stem}-{ctx.as_of}-{ctx.lang}"
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def download(label_key: str, data, file_name: str, fmt: str) -> None:
    """A download button whose file is built only when it is clicked (no rerun)."""
    st.download_button(
        ctx.t(label_key),
        data,
        file_name,
        MIME[fmt],
        key=f"reports_{fmt}",
        icon=":material/download:",
        on_click="ignore",
    )


st.subheader(ctx.t("reports.bulletin"))
st.caption(ctx.t("reports.bulletin_help", as_of=ctx.as_of))
version = cache.db_version(ctx.db)
left, right = st.columns(2, width=420)
for column, fmt in ((left, "pdf"), (right, "docx")):
    with column:
        download(
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
            fmt,
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
    with column:
        download(
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
            f"data-{plan_stem}.{fmt}",
            fmt,
        )

if with_audit:  # command lines are for whoever runs the server, not for readers
    st.divider()
    st.caption(ctx.t("reports.cli", as_of=ctx.as_of))

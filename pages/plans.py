"""规划管理 / Plans (admins only): the plans in the store, the template, a checked import."""

import streamlit as st

from kpi.base import config
from kpi.outputs import plan_template
from kpi.store import db, plan_import, reference, writer
from kpi.web import widgets, writes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Before anything is drawn: only administrators get past this line.
user, ctx = writes.open_page("manage_plans", "plans.nav", needs_plan=False)
t, lang = ctx.t, ctx.lang
st.info(t("plans.intro"), icon=":material/info:")

st.subheader(t("plans.list_heading"))
with db.read(ctx.db) as con:
    plans = plan_import.plan_list(con)
    current = plan_import.stored_tables(con, ctx.plan_id) if ctx.plan_id else None
widgets.data_table(ctx, plan_template.plans_table(plans, lang), "plans", t("plans.list_heading"))
st.caption(t("plans.list_caption"))

st.subheader(t("plans.template_heading"))
left, right = st.columns(2)
left.download_button(
    t("plans.download_template"),
    plan_template.template_workbook(lang=lang),
    file_name=f"{t('plans.template_heading')}.xlsx",
    mime=XLSX,
    key="plans_template",
)
if current:
    right.download_button(
        t("plans.download_plan", plan=ctx.plan_id),
        plan_template.template_workbook(current, lang),
        file_name=f"{ctx.plan_id}.xlsx",
        mime=XLSX,
        key="plans_current",
    )
st.caption(t("plans.template_caption"))

st.subheader(t("plans.upload_heading"))
uploaded = st.file_uploader(
    t("plans.upload_label"),
    type=["xlsx", "zip"],
    key="plans_upload",
    max_upload_size=config.MAX_UPLOAD_MB,
)
# The uploader's own words are Streamlit's English and cannot be set (docs/ARCHITECTURE.md).
st.caption(t("notice.uploader", mb=config.MAX_UPLOAD_MB))
if uploaded is None:
    st.stop()

raw = plan_import.read_upload(uploaded.getvalue(), uploaded.name)
with db.read(ctx.db) as con:
    check = reference.import_plan(con, raw, dry_run=True, by=user)
if not check.ok:
    st.error(t("plans.problems_heading", n=len(check.errors)))
    table = plan_template.problems_table(check.problems, lang)
    widgets.data_table(ctx, table, "plan_problems", t("plans.upload_heading"), wrap=True)
    st.stop()
if check.problems:
    st.warning(t("plans.warnings_heading"))
    widgets.data_table(
        ctx, plan_template.problems_table(check.problems, lang), "plan_warnings", "", wrap=True
    )

st.subheader(t("plans.preview_heading", plan=check.plan_id))
if check.plan_id not in set(plans["plan_id"]):
    st.info(t("plans.preview_new"))
counts = check.counts()
if not counts:
    st.success(t("plans.preview_same"))
    st.stop()
widgets.data_table(ctx, plan_template.changes_table(counts, lang), "plan_changes", "")
with st.expander(t("plans.preview_rows")):
    rows = plan_template.change_rows_table(check.changes, lang)
    widgets.data_table(ctx, rows, "plan_change_rows", t("plans.preview_rows"), wrap=True)

sure = st.checkbox(t("plans.confirm"), key="plans_confirm")
if st.button(t("plans.import_button"), type="primary", key="plans_import"):
    if not sure:
        st.error(t("plans.confirm_missing"))
    else:

        def save() -> reference.PlanImport:
            with writer.writer(ctx.db) as con:
                done = reference.import_plan(con, raw, by=user)
            if not done.ok:  # the store changed since the preview
                raise plan_import.PlanRejected(done.problems, done.source)
            return done

        writes.run(
            save,
            lang,
            success=lambda done: t(
                "plans.imported",
                plan=done.plan_id,
                n=sum(sum(found.values()) for found in done.counts().values()),
            ),
            reset={"plans_confirm": False},
        )

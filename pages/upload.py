"""数据上报 / Report figures: template, upload -> check -> preview -> confirm; history; tracking."""

import functools
import hashlib

import streamlit as st

from kpi.auth import permissions
from kpi.base import config, i18n
from kpi.base.errors import KpiError
from kpi.measure import tracking as measure_tracking
from kpi.outputs import formatting, intake_tables, upload_template
from kpi.store import intake
from kpi.store.ingest import UploadCheck
from kpi.web import cache, submit, widgets, writes

# Before anything is drawn: visitors not allowed to upload see a refusal and a sign-in form only.
user, ctx = writes.open_page("upload", "upload.title")
t, lang = ctx.t, ctx.lang


def unit_template_buttons() -> None:
    """本单位模板: the unit's indicators and breakdowns with basis and last quarter's values."""
    period = measure_tracking.reporting_period(ctx.plan)
    st.subheader(t("template.unit.title" if user.role == "staff" else "template.unit.title_all"))
    for where, fmt in zip(st.columns(2), ("csv", "xlsx"), strict=True):
        # Built when clicked: the page need not wait for workbooks nobody downloads.
        widgets.file_button(
            ctx,
            where,
            f"template.unit.{fmt}",
            functools.partial(
                upload_template.unit_template_file, ctx.db, ctx.plan_id, user, fmt, lang
            ),
            f"template-unit-{period}.{fmt}",
            f"upload_unit_template_{fmt}",
        )
    st.caption(t("template.unit.caption", period=period))


def template_buttons() -> None:
    """The template of every indicator (admins; `etl template` writes the same)."""
    period = measure_tracking.reporting_period(ctx.plan)
    indicators = cache.query(ctx.db, "indicators", ctx.plan_id)
    example = ",".join(upload_template.example_row(indicators, period))
    help_text = t("upload.template_help", period=period, example=example)
    st.subheader(t("upload.template"))
    for where, fmt in zip(st.columns(2), ("csv", "xlsx"), strict=True):
        widgets.file_button(
            ctx,
            where,
            f"upload.template_{fmt}",
            functools.partial(upload_template.template_file, ctx.db, ctx.plan_id, fmt),
            f"template-{period}.{fmt}",
            f"upload_template_{fmt}",
            help_text=help_text,
        )
    st.caption(help_text)


def my_indicators() -> None:
    """Which indicators a staff member's unit may report (admins report all; no line)."""
    if user.role != "staff":
        return
    mine = cache.load_writable_indicators(ctx.db, ctx.plan_id, user)
    indicators = cache.query(ctx.db, "indicators", ctx.plan_id)
    units = formatting.unit_names(cache.query(ctx.db, "responsible_units", ctx.plan_id), lang)
    unit = units.get(user.unit, user.unit)
    if not mine:
        st.warning(t("authority.may_report_none", unit=unit))
    elif len(mine) == len(indicators):
        st.caption(t("authority.may_report_all", unit=unit, n=len(mine)))
    else:
        rows = indicators.set_index("indicator_code").loc[mine].to_dict("records")
        names = i18n.join([i18n.name(r, lang) for r in rows], lang)
        st.caption(t("authority.may_report", unit=unit, indicators=names))


def show_diff(check: UploadCheck) -> None:
    """写入预览: each row of the file as new, changed (old -> new) or unchanged."""
    summary = check.summary()
    st.subheader(t("upload.diff"))
    st.caption(t("upload.diff_caption", **summary))
    if summary["new"] + summary["changed"] == 0:
        st.info(t("upload.no_change"))
    names = {n: cache.query(ctx.db, n, ctx.plan_id) for n in ("indicators", "sectors", "districts")}
    preview = intake_tables.diff_table(check.diff, **names, lang=lang)
    changes = ["new", "changed", "unchanged"]
    shown = st.pills(
        t("upload.diff_filter"),
        changes,
        selection_mode="multi",
        default=changes,
        format_func=lambda c: f"{t(f'change.{c}')} {summary[c]}",
        key="upload_diff_filter",
    )
    wanted = {t(f"change.{c}") for c in shown}
    widgets.data_table(
        ctx,
        preview[preview[t("intake.col.change")].isin(wanted)],
        "upload_preview",
        t("upload.diff"),
    )


def history() -> None:
    st.subheader(t("upload.history"))
    st.caption(t("upload.history_caption"))
    batches = cache.query(ctx.db, "batches", ctx.plan_id)
    if batches.empty:
        st.info(t("common.no_data"))
        return
    widgets.data_table(
        ctx, intake_tables.batch_history_table(batches, lang), "upload_history", t("upload.history")
    )
    rows = {int(r["batch_id"]): r for r in batches.to_dict("records")}
    picked = st.selectbox(
        t("upload.history_pick"),
        list(rows),
        format_func=lambda b: intake_tables.batch_label(rows[b], lang),
        key="upload_history_pick",
    )
    original, problem = None, None
    try:
        original = intake.original_file(ctx.db, picked) if rows[picked]["has_file"] else None
    except KpiError as err:  # the kept file is gone or altered: say so, offer nothing
        problem = err.message(lang)
    if problem:
        st.error(problem)
    elif original is None:
        st.caption(t("upload.no_original"))
    else:  # the stored name is only shown and offered to the browser, never used as a path
        st.download_button(
            t("upload.download_original"),
            original[1],
            intake_tables.download_name(picked, original[0]),
            "application/octet-stream",
            key="upload_download_original",
            icon=":material/download:",
        )
    if not permissions.can(user, "rollback"):
        st.caption(t("upload.rollback_admin"))
    elif not intake_tables.can_roll_back(rows[picked]):
        st.caption(t("upload.not_rollbackable"))
    else:
        sure = st.checkbox(t("upload.rollback_confirm", batch=picked), key="upload_rollback_ok")
        if st.button(t("upload.rollback"), disabled=not sure, key="upload_rollback"):
            writes.run(
                lambda: intake.rollback_batch(ctx.db, user, picked),
                lang,
                success=lambda done: t(
                    "upload.rolled_back",
                    batch=done.batch_id,
                    rollback=done.rollback_batch_id,
                    restored=done.restored,
                    retired=done.retired,
                ),
                forget=["upload_rollback_ok"],
            )


def tracking() -> None:
    """按时 / 逾期 / 未报 / 待报 per unit and indicator for a quarter (default: the due quarter)."""
    st.subheader(t("upload.tracking"))
    choices = measure_tracking.period_choices(ctx.plan)
    period = st.selectbox(t("upload.tracking_period"), choices, key="upload_tracking_period")
    st.caption(intake_tables.due_caption(period, lang))
    status, by_unit = cache.load_reporting_status(ctx.db, ctx.plan_id, period)
    counts = measure_tracking.indicator_counts(status)
    metrics = {
        t("upload.tracking_filed"): counts["reported"],
        t("upload.tracking_missing"): counts["unreported"],
    }
    if counts["demo"]:
        metrics[t("calendar.state.demo")] = counts["demo"]
    for column, (label, value) in zip(st.columns(len(metrics)), metrics.items(), strict=True):
        column.metric(label, value, border=True)
    st.markdown(intake_tables.state_counts_text(status, lang))
    st.caption(t("calendar.rule") + " " + t("upload.tracking_help"))
    if counts["demo"]:
        st.info(t("calendar.demo_note", period=period), icon=":material/info:")
    waiting = status[
        status["review_state"].isin([measure_tracking.PENDING_REVIEW, measure_tracking.RETURNED])
    ]
    if not waiting.empty:
        st.caption(t("calendar.pending_note", n=waiting["indicator_code"].nunique()))
    if counts["reported"] == counts["total"]:
        st.success(t("upload.tracking_all", period=period))
    late = measure_tracking.late_reports(status)
    if not late.empty:
        st.markdown(f"**{t('upload.tracking_units')}**")
        widgets.data_table(
            ctx,
            intake_tables.late_table(late, lang),
            f"upload_missing_units_{period}",
            f"{t('upload.tracking_units')} · {period}",
        )
    st.markdown(f"**{t('calendar.units')}**")
    widgets.data_table(
        ctx,
        intake_tables.unit_summary_table(by_unit, lang),
        f"upload_tracking_units_{period}",
        f"{t('calendar.units')} · {period}",
    )
    st.markdown(f"**{t('calendar.detail')}**")
    widgets.data_table(
        ctx,
        intake_tables.status_table(status, lang),
        f"upload_tracking_{period}",
        f"{t('calendar.detail')} · {period}",
        height=420,
    )


# ------------------------------------------------------------------ the page
st.caption(t("upload.intro_review" if intake.needs_review(user) else "upload.intro"))
if user.role == "staff":
    unit_template_buttons()
else:
    template_buttons()
    unit_template_buttons()
st.info(t("upload.limit", mb=config.MAX_UPLOAD_MB), icon=":material/info:")
my_indicators()
uploaded = st.file_uploader(
    t("upload.file"), type=["csv", "xlsx"], key="upload", max_upload_size=config.MAX_UPLOAD_MB
)
# The uploader's own words are Streamlit's English and cannot be set (docs/ARCHITECTURE.md).
st.caption(t("notice.uploader", mb=config.MAX_UPLOAD_MB))
if uploaded is not None:
    content = uploaded.getvalue()
    # The check holds this user's authority errors: another user signing in checks afresh.
    key = (ctx.db, ctx.plan_id, user.username, uploaded.name, hashlib.sha256(content).hexdigest())
    done = st.session_state.get("upload_done")
    if done and done[0] == key:
        written = "review.submitted" if intake.needs_review(user) else "upload.committed"
        st.success(t(written, batch=done[1]))
    else:
        checked = submit.run_check(ctx, user, "upload", content, uploaded.name)
        submit.show_check(ctx, checked, "upload")
        if not checked.check.checked.errors:
            show_diff(checked.check)
        submit.commit_controls(
            ctx,
            user,
            checked,
            "upload",
            label=t("upload.commit_review" if intake.needs_review(user) else "upload.commit"),
            entry="file",
            state={"upload_done": lambda batch_id: (key, batch_id)},
        )
history()
tracking()

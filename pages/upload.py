"""数据上报 / Report figures: template, upload -> check -> preview -> confirm; history; tracking."""

import hashlib

import streamlit as st

from kpi.auth import permissions
from kpi.base import config, i18n
from kpi.measure import tracking as measure_tracking
from kpi.outputs import formatting, intake_tables, upload_template
from kpi.store import intake
from kpi.store.ingest import UploadCheck
from kpi.web import cache, widgets, writes

# Before anything is drawn: visitors not allowed to upload see a refusal and a sign-in form only.
user, ctx = writes.open_page("upload", "upload.title")
t, lang = ctx.t, ctx.lang


@st.cache_data(show_spinner=False, max_entries=8)
def templates(path: str, version: tuple, plan_id: str) -> dict:
    return upload_template.template_files(path, plan_id)


def template_buttons() -> None:
    files = templates(ctx.db, cache.db_version(ctx.db), ctx.plan_id)
    help_text = t("upload.template_help", period=files["period"], example=files["example"])
    st.subheader(t("upload.template"))
    name = f"template-{files['period']}"
    left, right = st.columns(2)
    left.download_button(
        t("upload.template_csv"),
        files["csv"],
        f"{name}.csv",
        "text/csv",
        help=help_text,
        key="upload_template_csv",
        icon=":material/download:",
    )
    right.download_button(
        t("upload.template_xlsx"),
        files["xlsx"],
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help=help_text,
        key="upload_template_xlsx",
        icon=":material/download:",
    )
    st.caption(help_text)
    st.info(t("upload.limit", mb=config.MAX_UPLOAD_MB), icon=":material/info:")


def my_indicators() -> None:
    """Which indicators a staff member's unit may report (admins report all; no line)."""
    if user.role != "staff":
        return
    mine = intake.read_writable_indicators(ctx.db, ctx.plan_id, user)
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


def checked(key: tuple, content: bytes, file_name: str) -> UploadCheck:
    """The check of this file, run once with a progress bar and kept for the reruns."""
    cached = st.session_state.get("upload_check")
    if cached is not None and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text=t("upload.stage.read"))
    check = intake.check_for(
        ctx.db,
        user,
        content,
        file_name,
        ctx.plan_id,
        progress=lambda done, stage: bar.progress(done, text=t(f"upload.stage.{stage}")),
    )
    bar.progress(1.0, text=t("upload.stage.checked"))
    st.session_state["upload_check"] = (key, check)
    return check


def show_check(check: UploadCheck) -> None:
    summary = check.summary()
    errors, warnings = check.checked.errors, check.checked.warnings
    metrics = {
        "upload.metric.rows": summary["rows_read"],
        "upload.metric.accepted": summary["rows_accepted"],
        "upload.metric.errors": len(errors),
        "upload.metric.warnings": len(warnings),
    }
    for column, (label, value) in zip(st.columns(4), metrics.items(), strict=True):
        column.metric(t(label), value, border=True)
    if errors:
        st.error(t("upload.errors", n=len(errors)))
    elif warnings:
        st.warning(t("upload.warnings", n=len(warnings)))
    if check.checked.problems:
        st.subheader(t("upload.problems"))
        widgets.data_table(
            ctx,
            intake_tables.problems_table(check.checked.problems, lang),
            "upload_problems",
            t("upload.problems"),
            column_config={t("intake.col.message"): st.column_config.TextColumn(width=640)},
        )
    if errors:
        return
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


def commit_controls(key: tuple, check: UploadCheck) -> None:
    errors, warnings = check.checked.errors, check.checked.warnings
    accepted = not warnings
    if warnings and not errors:
        accepted = st.checkbox(t("upload.accept", n=len(warnings)), key="upload_accept")
    blocked = bool(errors) or not accepted
    reason = t("upload.commit_help_errors" if errors else "upload.commit_help_warnings")
    if not st.button(
        t("upload.commit"),
        type="primary",
        disabled=blocked,
        key="upload_commit",
        help=reason if blocked else None,
    ):
        return
    writes.run(
        lambda: intake.commit_upload(ctx.db, user, check, accept_warnings=accepted),
        lang,
        state={"upload_done": lambda batch_id: (key, batch_id)},
        forget=["upload_check"],  # the next run checks the file again
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
    original = intake.original_file(ctx.db, picked) if rows[picked]["has_file"] else None
    if original is None:
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
    st.subheader(t("upload.tracking"))
    choices = measure_tracking.period_choices(ctx.plan)
    default = measure_tracking.reporting_period(ctx.plan)
    period = st.selectbox(
        t("upload.tracking_period"),
        choices,
        index=choices.index(default) if default in choices else 0,
        key="upload_tracking_period",
    )
    table = measure_tracking.read_submission_tracking(ctx.db, ctx.plan_id, period)
    filed = int(table["has_figure"].sum())
    left, right = st.columns(2)
    left.metric(t("upload.tracking_filed"), filed, border=True)
    right.metric(t("upload.tracking_missing"), len(table) - filed, border=True)
    st.caption(t("upload.tracking_help"))
    by_unit = measure_tracking.missing_by_unit(table)
    if by_unit.empty:
        st.success(t("upload.tracking_all", period=period))
    else:
        units = cache.query(ctx.db, "responsible_units", ctx.plan_id)
        unit_names = formatting.unit_names(units, lang)
        st.markdown(f"**{t('upload.tracking_units')}**")
        widgets.data_table(
            ctx,
            intake_tables.missing_units_table(by_unit, lang, unit_names),
            f"upload_missing_units_{period}",
            f"{t('upload.tracking_units')} · {period}",
        )
    widgets.data_table(
        ctx,
        intake_tables.tracking_table(table, lang),
        f"upload_tracking_{period}",
        f"{t('upload.tracking')} · {period}",
    )


# ------------------------------------------------------------------ the page
st.caption(t("upload.intro"))
template_buttons()
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
        st.success(t("upload.committed", batch=done[1]))
    else:
        check = checked(key, content, uploaded.name)
        show_check(check)
        commit_controls(key, check)
history()
tracking()

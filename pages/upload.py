"""数据上报 / Report figures: template, upload -> check -> preview -> confirm; history; tracking."""

import hashlib

import streamlit as st

from kpi import auth, config, i18n, intake, ui
from kpi.auth_ui import guard
from kpi.ingest import UploadCheck

# Before anything is drawn: visitors not allowed to upload see a refusal and a sign-in form only.
user = guard("upload", ui.current_lang())
ctx = ui.page_setup()
t, lang = ctx.t, ctx.lang
st.title(t("upload.title"))
if ctx.plan_id is None:
    st.stop()
st.caption(i18n.name(ctx.plan, lang))
WRITE_ERRORS = (auth.PermissionDenied, intake.RetryLater, intake.IntakeRefused)
if flash := st.session_state.pop("upload_flash", None):
    st.success(flash)


@st.cache_data(show_spinner=False, max_entries=8)
def templates(path: str, version: tuple, plan_id: str) -> dict:
    return intake.template_files(path, plan_id)


def template_buttons() -> None:
    files = templates(ctx.db, ui.db_version(ctx.db), ctx.plan_id)
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


def checked(key: tuple, content: bytes, file_name: str) -> UploadCheck:
    """The check of this file, run once with a progress bar and kept for the reruns."""
    cached = st.session_state.get("upload_check")
    if cached is not None and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text=t("upload.stage.read"))
    check = intake.check_file(
        ctx.db,
        ctx.plan_id,
        content,
        file_name,
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
        ui.data_table(
            ctx,
            intake.problems_table(check.checked.problems, lang),
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
    names = {n: ui.query(ctx.db, n, ctx.plan_id) for n in ("indicators", "sectors", "districts")}
    preview = intake.diff_table(check.diff, **names, lang=lang)
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
    ui.data_table(
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
    try:
        batch_id = intake.commit_upload(ctx.db, user, check, accept_warnings=accepted)
    except intake.PreviewOutdated as err:
        st.session_state.pop("upload_check", None)  # the next run checks the file again
        st.warning(err.message(lang))
    except WRITE_ERRORS as err:
        st.error(err.message(lang))
    else:
        ui.clear_caches()
        st.session_state["upload_done"] = (key, batch_id)
        st.session_state.pop("upload_check", None)
        st.rerun()


def history() -> None:
    st.subheader(t("upload.history"))
    st.caption(t("upload.history_caption"))
    batches = ui.query(ctx.db, "batches", ctx.plan_id)
    if batches.empty:
        st.info(t("common.no_data"))
        return
    ui.data_table(
        ctx, intake.batch_history_table(batches, lang), "upload_history", t("upload.history")
    )
    rows = {int(r["batch_id"]): r for r in batches.to_dict("records")}
    picked = st.selectbox(
        t("upload.history_pick"),
        list(rows),
        format_func=lambda b: intake.batch_label(rows[b], lang),
        key="upload_history_pick",
    )
    original = intake.original_file(ctx.db, picked) if rows[picked]["has_file"] else None
    if original is None:
        st.caption(t("upload.no_original"))
    else:  # the stored name is only shown and offered to the browser, never used as a path
        st.download_button(
            t("upload.download_original"),
            original[1],
            intake.download_name(picked, original[0]),
            "application/octet-stream",
            key="upload_download_original",
            icon=":material/download:",
        )
    if not auth.can(user, "rollback"):
        st.caption(t("upload.rollback_admin"))
    elif not intake.can_roll_back(rows[picked]):
        st.caption(t("upload.not_rollbackable"))
    else:
        sure = st.checkbox(t("upload.rollback_confirm", batch=picked), key="upload_rollback_ok")
        if st.button(t("upload.rollback"), disabled=not sure, key="upload_rollback"):
            try:
                done = intake.rollback_batch(ctx.db, user, picked)
            except WRITE_ERRORS as err:
                st.error(err.message(lang))
            else:
                ui.clear_caches()
                st.session_state["upload_flash"] = t(
                    "upload.rolled_back",
                    batch=done.batch_id,
                    rollback=done.rollback_batch_id,
                    restored=done.restored,
                    retired=done.retired,
                )
                st.session_state.pop("upload_rollback_ok", None)
                st.rerun()


def tracking() -> None:
    st.subheader(t("upload.tracking"))
    choices = intake.period_choices(ctx.plan)
    default = intake.reporting_period()
    period = st.selectbox(
        t("upload.tracking_period"),
        choices,
        index=choices.index(default) if default in choices else 0,
        key="upload_tracking_period",
    )
    table = intake.read_submission_tracking(ctx.db, ctx.plan_id, period)
    filed = int(table["has_figure"].sum())
    left, right = st.columns(2)
    left.metric(t("upload.tracking_filed"), filed, border=True)
    right.metric(t("upload.tracking_missing"), len(table) - filed, border=True)
    st.caption(t("upload.tracking_help"))
    by_unit = intake.missing_by_unit(table)
    if by_unit.empty:
        st.success(t("upload.tracking_all", period=period))
    else:
        units = ui.query(ctx.db, "responsible_units", ctx.plan_id)
        names_en = dict(zip(units["unit_zh"], units["unit_en"], strict=True))
        st.markdown(f"**{t('upload.tracking_units')}**")
        ui.data_table(
            ctx,
            intake.missing_units_table(by_unit, lang, names_en),
            f"upload_missing_units_{period}",
            f"{t('upload.tracking_units')} · {period}",
        )
    ui.data_table(
        ctx,
        intake.tracking_table(table, lang),
        f"upload_tracking_{period}",
        f"{t('upload.tracking')} · {period}",
    )


# ------------------------------------------------------------------ the page
st.caption(t("upload.intro"))
template_buttons()
uploaded = st.file_uploader(t("upload.file"), type=["csv", "xlsx"], key="upload")
if uploaded is not None:
    content = uploaded.getvalue()
    key = (ctx.db, ctx.plan_id, uploaded.name, hashlib.sha256(content).hexdigest())
    done = st.session_state.get("upload_done")
    if done and done[0] == key:
        st.success(t("upload.committed", batch=done[1]))
    else:
        check = checked(key, content, uploaded.name)
        show_check(check)
        commit_controls(key, check)
history()
tracking()

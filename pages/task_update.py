"""任务进展填报 / Update task progress: staff report on their unit's sub-tasks; history is kept."""

import streamlit as st

from kpi import auth, i18n, intake, ui
from kpi import tasks as kt
from kpi.auth_ui import guard

# Before anything is drawn: only staff and admins get past this line.
user = guard("update_task", ui.current_lang())
ctx = ui.page_setup()
t, lang = ctx.t, ctx.lang
st.title(t("task_update.title"))
if ctx.plan_id is None:
    st.stop()
st.caption(i18n.name(ctx.plan, lang))
if flash := st.session_state.pop("task_update_flash", None):
    st.success(flash)


@st.cache_data(show_spinner=False, max_entries=32)
def my_subtasks(path: str, version: tuple, plan_id: str, username: str, as_of: str):
    del version  # part of the cache key only
    return intake.read_staff_subtasks(path, plan_id, auth.lookup_user(username), as_of)


board = my_subtasks(ctx.db, ui.db_version(ctx.db), ctx.plan_id, user.username, ctx.as_of)
units = ui.query(ctx.db, "responsible_units", ctx.plan_id)
names_en = dict(zip(units["unit_zh"], units["unit_en"], strict=True))
if user.role == "staff":
    unit_name = names_en.get(user.unit, user.unit) if lang == "en" else user.unit
    st.caption(t("task_update.scope_staff", unit=unit_name, n=len(board)))
else:
    st.caption(t("task_update.scope_admin", n=len(board)))
if board.empty:
    st.info(t("task_update.none"))
    st.stop()

st.subheader(t("task_update.list"))
st.caption(t("task_update.overdue_caption", as_of=ctx.as_of, n=int(board["overdue"].sum())))
ui.data_table(
    ctx,
    kt.board_table(board, lang),
    "task_update_list",
    t("task_update.list"),
    height=260 if len(board) > 7 else "auto",
)

# ------------------------------------------------------------------ report progress
rows = {f"{r['group_no']}({r['subtask_no']})": r for r in board.to_dict("records")}
picked = st.selectbox(
    t("task_update.pick"),
    list(rows),
    format_func=lambda k: intake.subtask_label(rows[k], lang),
    key="task_update_pick",
)
task = rows[picked]
task_units = task["units_en"] if lang == "en" else task["units"]
st.caption(t("task_update.units", units=("; " if lang == "en" else "、").join(task_units)))
history = intake.read_task_history(ctx.db, ctx.plan_id, task["group_no"], task["subtask_no"])
latest = history.iloc[0] if not history.empty else None
if latest is not None:
    status_now = i18n.task_status_name(latest["status"], lang)
    st.caption(t("task_update.current", status=status_now, period=latest["period"]))

with st.form("task_update_form", clear_on_submit=True):
    st.markdown(f"**{t('task_update.form')}**")
    left, right = st.columns(2)
    status = left.selectbox(
        t("task_update.status"),
        intake.TASK_STATUSES,
        index=intake.TASK_STATUSES.index(latest["status"] if latest is not None else "in_progress"),
        format_func=lambda s: i18n.task_status_name(s, lang),
        key=f"task_update_status_{picked}",  # per sub-task, so it starts at its latest status
    )
    period = right.selectbox(
        t("task_update.period"), intake.period_choices(ctx.plan), key="task_update_period"
    )
    note = st.text_area(
        t("task_update.note"),
        max_chars=intake.MAX_NOTE_CHARS,
        key="task_update_note",
        help=t("task_update.note_help", n=intake.MAX_NOTE_CHARS),
    )
    evidence = st.text_input(
        t("task_update.evidence"),
        max_chars=intake.MAX_EVIDENCE_CHARS,
        key="task_update_evidence",
        help=t("task_update.evidence_help", n=intake.MAX_EVIDENCE_CHARS),
    )
    submitted = st.form_submit_button(t("task_update.submit"), type="primary")
if submitted:
    try:
        update_id = intake.record_task_update(
            ctx.db,
            user,
            ctx.plan_id,
            task["group_no"],
            task["subtask_no"],
            period,
            status,
            note,
            evidence,
        )
    except (auth.PermissionDenied, intake.RetryLater, intake.IntakeRefused) as err:
        st.error(err.message(lang))
    else:
        ui.clear_caches()
        st.session_state["task_update_flash"] = t(
            "task_update.saved",
            id=update_id,
            task=picked,
            period=period,
            status=i18n.task_status_name(status, lang),
        )
        st.rerun()

# ------------------------------------------------------------------ history
st.subheader(t("task_update.history"))
if history.empty:
    st.info(t("task_update.history_none"))
else:
    ui.data_table(
        ctx,
        intake.task_history_table(history, lang, names_en),
        f"task_history_{task['group_no']}_{task['subtask_no']}",
        f"{t('task_update.history')} · {picked}",
    )

"""任务进展填报 / Update task progress: staff report on their unit's sub-tasks; history is kept."""

import streamlit as st

from kpi.auth import accounts
from kpi.base import i18n
from kpi.measure import tasks, tracking
from kpi.outputs import formatting, task_tables
from kpi.store import evidence, intake
from kpi.web import cache, widgets, writes
from kpi.web import evidence as evidence_widgets

# Before anything is drawn: only staff and admins get past this line.
user, ctx = writes.open_page("update_task", "task_update.title")
t, lang = ctx.t, ctx.lang


@st.cache_data(show_spinner=False, max_entries=32)
def my_subtasks(path: str, version: tuple, plan_id: str, username: str, as_of: str):
    del version  # part of the cache key only
    return tasks.read_staff_subtasks(path, plan_id, accounts.lookup_user(username), as_of)


board = my_subtasks(ctx.db, cache.db_version(ctx.db), ctx.plan_id, user.username, ctx.as_of)
unit_names = formatting.unit_names(cache.query(ctx.db, "responsible_units", ctx.plan_id), lang)
if user.role == "staff":
    unit_name = unit_names.get(user.unit, user.unit)
    st.caption(t("task_update.scope_staff", unit=unit_name, n=len(board)))
else:
    st.caption(t("task_update.scope_admin", n=len(board)))
if board.empty:
    st.info(t("task_update.none"))
    st.stop()

st.subheader(t("task_update.list"))
st.caption(t("task_update.overdue_caption", as_of=ctx.as_of, n=int(board["overdue"].sum())))
widgets.data_table(
    ctx,
    task_tables.board_table(board, lang),
    "task_update_list",
    t("task_update.list"),
    height=260 if len(board) > 7 else "auto",
)

# ------------------------------------------------------------------ report progress
rows = {f"{r['group_no']}({r['subtask_no']})": r for r in board.to_dict("records")}
picked = st.selectbox(
    t("task_update.pick"),
    list(rows),
    format_func=lambda k: task_tables.subtask_label(rows[k], lang),
    key="task_update_pick",
)
task = rows[picked]
st.caption(t("task_update.units", units=i18n.join(task[i18n.column("units", lang)], lang)))
history = intake.read_task_history(ctx.db, ctx.plan_id, task["group_no"], task["subtask_no"])
latest = history.iloc[0] if not history.empty else None
if latest is not None:
    status_now = i18n.task_status_name(latest["status"], lang)
    st.caption(t("task_update.current", status=status_now, period=latest["period"]))

with st.form("task_update_form", clear_on_submit=True, enter_to_submit=False):
    st.markdown(f"**{t('task_update.form')}**")
    left, right = st.columns(2)
    status = left.selectbox(
        t("task_update.status"),
        intake.TASK_STATUSES,
        index=intake.TASK_STATUSES.index(latest["status"] if latest is not None else "in_progress"),
        format_func=lambda s: i18n.task_status_name(s, lang),
        key=f"task_update_status_{picked}",  # per sub-task, so it starts at its latest status
    )
    quarters = tracking.period_choices(ctx.plan)  # never a quarter outside the plan
    due = tracking.reporting_period(ctx.plan)
    period = right.selectbox(
        t("task_update.period"),
        quarters,
        index=quarters.index(due) if due in quarters else 0,
        key="task_update_period",
    )
    note = st.text_area(
        t("task_update.note"),
        max_chars=intake.MAX_NOTE_CHARS,
        key="task_update_note",
        help=t("task_update.note_help", n=intake.MAX_NOTE_CHARS),
    )
    evidence_text = st.text_input(
        t("task_update.evidence"),
        max_chars=intake.MAX_EVIDENCE_CHARS,
        key="task_update_evidence",
        help=t("task_update.evidence_help", n=intake.MAX_EVIDENCE_CHARS),
    )
    files, links = evidence_widgets.evidence_inputs(ctx, "task_update_evidence")
    submitted = st.form_submit_button(t("task_update.submit"), type="primary")
if submitted:
    writes.run(
        lambda: intake.record_task_update(
            ctx.db,
            user,
            ctx.plan_id,
            task["group_no"],
            task["subtask_no"],
            period,
            status,
            note,
            evidence_text,
            attachments=evidence.prepare(ctx.db, files, links),  # checked before the write
        ),
        lang,
        success=lambda update_id: t(
            "task_update.saved",
            id=update_id,
            task=picked,
            period=period,
            status=i18n.task_status_name(status, lang),
        ),
    )

# ------------------------------------------------------------------ history
st.subheader(t("task_update.history"))
if history.empty:
    st.info(t("task_update.history_none"))
else:
    widgets.data_table(
        ctx,
        task_tables.task_history_table(history, lang, unit_names),
        f"task_history_{task['group_no']}_{task['subtask_no']}",
        f"{t('task_update.history')} · {picked}",
    )

st.subheader(t("evidence.subtask"))
evidence_widgets.evidence_rows(
    ctx,
    user,
    cache.query(ctx.db, "subtask_attachments", ctx.plan_id, task["group_no"], task["subtask_no"]),
    f"task_evidence_{task['group_no']}_{task['subtask_no']}",
)

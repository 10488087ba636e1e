"""任务分工 / Tasks: 附件1 sub-tasks with units, latest status, overdue flag; unit scorecard."""

import streamlit as st

from kpi.measure import tasks
from kpi.outputs import charts, palette, task_tables
from kpi.web import cache, context, signin, widgets
from kpi.web import evidence as evidence_widgets

ctx = context.page_setup()
context.page_header(ctx, "tasks.title")
if ctx.plan_id is None:
    st.stop()

board = cache.load_task_board(ctx.db, ctx.plan_id, ctx.as_of)
sectors = cache.query(ctx.db, "sectors", ctx.plan_id)
st.caption(ctx.t("tasks.caption", groups=board["group_no"].nunique(), subtasks=len(board)))
demo = widgets.task_demo_banner(ctx, board)

counts = tasks.status_counts(board)
metrics = [(ctx.t("tasks.metric.total"), len(board), None)]
metrics += [(palette.task_label(s, ctx.lang), counts[s], None) for s in tasks.STATUSES[:4]]
metrics.append((ctx.t("tasks.metric.overdue"), counts["overdue"], ctx.t("tasks.overdue_help")))
widgets.metric_row(metrics)

# ------------------------------------------------------------------ filters
unit_names = task_tables.unit_labels(board, ctx.lang)
sector_names = task_tables.sector_options(sectors, ctx.lang)
left, middle, right = st.columns([2, 1, 1])
units = left.multiselect(
    ctx.t("tasks.filter.units"),
    tasks.unit_options(board),
    format_func=unit_names.get,
    placeholder=ctx.t("tasks.filter.all"),
    key="tasks_units",
)
statuses = middle.multiselect(
    ctx.t("tasks.filter.status"),
    list(tasks.STATUSES),
    format_func=lambda s: palette.task_label(s, ctx.lang),
    placeholder=ctx.t("tasks.filter.all"),
    key="tasks_statuses",
)
chosen_sectors = right.multiselect(
    ctx.t("tasks.filter.sectors"),
    list(sector_names),
    format_func=sector_names.get,
    placeholder=ctx.t("tasks.filter.all"),
    key="tasks_sectors",
)
overdue_only = st.toggle(ctx.t("tasks.filter.overdue_only"), key="tasks_overdue_only")
shown = tasks.filter_board(
    board, units=units, statuses=statuses, sectors=chosen_sectors, overdue_only=overdue_only
)

# ------------------------------------------------------------------ task list


def board_section() -> None:
    st.caption(ctx.t("tasks.shown", shown=len(shown), total=len(board)))
    if shown.empty:
        st.info(ctx.t("tasks.none_shown"))
    else:
        widgets.data_table(
            ctx,
            task_tables.board_table(shown, ctx.lang),
            "tasks_board",
            ctx.t("tasks.board"),
            demo=demo,
            column_config={ctx.t("col.overdue"): st.column_config.TextColumn(width="medium")},
        )
    labels = {
        f"{r['group_no']}({r['subtask_no']})": task_tables.subtask_label(r, ctx.lang)
        for r in board.to_dict("records")
    }
    evidence_widgets.task_evidence(ctx, signin.current_user(), labels)


def scorecard_section() -> None:
    st.caption(ctx.t("tasks.scorecard_help"))
    card = tasks.unit_scorecard(shown)
    if card.empty:
        return
    rate_format = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
    widgets.data_table(
        ctx,
        task_tables.scorecard_table(card, ctx.lang),
        "tasks_scorecard",
        ctx.t("tasks.scorecard"),
        demo=demo,
        column_config={
            ctx.t("col.overdue_rate"): st.column_config.ProgressColumn(
                **rate_format, color=palette.task_state("delayed").color
            ),
            ctx.t("col.done_rate"): st.column_config.ProgressColumn(
                **rate_format, color=palette.task_state("done").color
            ),
        },
    )
    widgets.chart(charts.unit_status_bars(card, ctx.lang), "tasks_unit_bars")


# The board and the units' scorecard of the same filtered sub-tasks, one drawn at a time.
widgets.tab_sections(
    {
        "tasks.board": (ctx.t("tasks.board"), board_section),
        "tasks.scorecard": (ctx.t("tasks.scorecard"), scorecard_section),
    },
    "tasks_section",
)

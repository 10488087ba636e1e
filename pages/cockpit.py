"""总览 / Overview: lights by count, one card per indicator, and who is responsible for laggards."""

import streamlit as st

from kpi.base import config
from kpi.measure import progress, series, tasks
from kpi.outputs import palette, review_tables, status_tables, task_tables
from kpi.web import cache, card_grid, context, widgets

OVERDUE_UNITS_SHOWN = 5

ctx = context.page_setup()
context.page_header(ctx, "cockpit.title")
if ctx.plan_id is None:
    st.stop()
demo = widgets.demo_banner(ctx)
# Leaders see approved figures only; say how many submissions still wait for review.
if pending := cache.query(ctx.db, "pending_submissions", ctx.plan_id):
    st.caption(review_tables.pending_caption(pending, ctx.lang))

status = cache.load_status(ctx.db, ctx.plan_id, ctx.as_of)
counts = series.light_counts(status)
# From the plan's last quarter on: 达标 / 未达标 / 无数据 only.
shown = progress.lights_of(status_tables.is_final(status))

# One line of badges, not a tile per light: on a phone the tiles would fill the first screen.
st.markdown(palette.light_counts_markdown({light: counts[light] for light in shown}, ctx.lang))
st.caption(
    status_tables.legend(
        status,
        ctx.lang,
        end=ctx.plan["end_period"],
        yellow=config.YELLOW_FROM_POINTS,
        red=config.RED_ABOVE_POINTS,
    )
)

st.subheader(status_tables.behind_title(status, ctx.lang))
behind, by_unit = cache.load_overview_lists(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang)
if behind.empty:
    st.success(status_tables.behind_title(status, ctx.lang, empty=True))
else:
    # One entry per indicator, every unit in full: it reads on a phone as on a wide screen.
    st.html(task_tables.responsible_html(behind, ctx.lang))
    if table_box := widgets.lazy_expander(ctx.t("cockpit.behind_table"), "cockpit_behind"):
        with table_box:
            widgets.data_table(
                ctx,
                behind,
                "cockpit_laggards",
                status_tables.behind_title(status, ctx.lang),
                demo=demo,
                width="stretch",
            )

# Overdue sub-tasks (no update in the as-of quarter, or 滞后), and the units with the most.
st.subheader(ctx.t("cockpit.overdue"))
board = cache.load_task_board(ctx.db, ctx.plan_id, ctx.as_of)
overdue = tasks.status_counts(board)["overdue"]
count, link = st.columns([1, 3], vertical_alignment="center")
count.metric(
    ctx.t("cockpit.overdue_metric"),
    f"{overdue} / {len(board)}",
    help=ctx.t("tasks.overdue_help"),
    border=True,
)
if link.button(
    ctx.t("cockpit.overdue_open"),
    icon=":material/arrow_forward:",
    key="open_overdue_tasks",
    on_click=lambda: st.session_state.update(tasks_overdue_only=True),
):
    st.switch_page("pages/tasks.py", query_params=context.view_query(ctx))
if board["is_demo"].any():
    link.caption(ctx.t("cockpit.overdue_demo"))
if by_unit.empty:
    st.success(ctx.t("cockpit.overdue_none", as_of=ctx.as_of))
else:
    widgets.data_table(
        ctx,
        task_tables.overdue_units_table(by_unit, ctx.lang, top=OVERDUE_UNITS_SHOWN),
        "cockpit_overdue_units",
        ctx.t("cockpit.overdue_units", n=OVERDUE_UNITS_SHOWN),
        demo=bool(board["is_demo"].any()),
        wrap=True,  # five rows: a plain table, whose cells wrap, draws faster than a grid
    )


grid = cache.load_cockpit_grid(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang)
if code := card_grid.card_grid(grid, key="cockpit_cards"):
    st.session_state[context.INDICATOR_KEY] = code
    query = context.view_query(ctx, **{context.INDICATOR_KEY: code})
    st.switch_page("pages/indicator.py", query_params=query)

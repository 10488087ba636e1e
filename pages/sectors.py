"""行业 / Sectors: 专栏1 sector targets (shaded table, bars), sector sums vs the city, key tasks."""

import functools

import streamlit as st

from kpi.base import i18n
from kpi.measure import tasks
from kpi.outputs import task_tables
from kpi.web import cache, context, widgets

ctx = context.page_setup()
context.page_header(ctx, "sectors.title")
if ctx.plan_id is None:
    st.stop()
demo = widgets.demo_banner(ctx)
sectors = cache.query(ctx.db, "sectors", ctx.plan_id)
if sectors.empty:
    st.info(ctx.t("sectors.none_in_plan"))
    st.stop()

data = cache.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
grid, names, _ = cache.sector_grid(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang)
codes = list(names)
shown, check = cache.load_sector_views(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang)

if not grid.empty:
    st.subheader(ctx.t("sectors.heatmap"))
    view = (ctx.plan_id, ctx.as_of, ctx.lang)

    def matrix() -> None:
        # The reports' table (bulletin.sector_matrix), cells shaded by light: as HTML it costs
        # the browser a tenth of the Plotly heat map it replaced (bench/bench_elements.py).
        st.caption(ctx.t("sectors.heatmap_help"))
        frame, styles = shown
        title = ctx.t("sectors.heatmap")
        widgets.data_table(ctx, frame, "sectors_matrix", title, demo=demo, wrap=True, styles=styles)

    def bars(code: str) -> None:
        st.caption(ctx.t("sectors.bars"))
        chart = cache.figure(ctx.db, "sector_bars", *view, code)
        # Every value is written on the bars: drawn static (no hover, no toolbar), a chart costs
        # the browser about half as much.
        widgets.chart(chart, f"sectors_bars_{code}", config={"staticPlot": True})

    # One view at a time, the table of every indicator first.
    views = {"matrix": (ctx.t("sectors.heatmap_choice"), matrix)}
    views |= {c: (names[c], functools.partial(bars, c)) for c in codes}
    widgets.tab_sections(views, "sectors_bars")

    st.subheader(ctx.t("sectors.sum_check"))
    for message in task_tables.mismatch_messages(check, data.indicators, ctx.lang):
        st.warning(message, icon="⚖️")
    title = ctx.t("sectors.sum_check")
    st.caption(ctx.t("sectors.sum_check_help"))
    # The mismatches are stated above; the two tables behind them are drawn once opened.
    if box := widgets.lazy_expander(ctx.t("sectors.sum_check_tables"), "sectors_sum_tables"):
        with box:
            widgets.data_table(
                ctx,
                task_tables.sector_target_check_table(check, data.indicators, ctx.lang),
                "sectors_target_check",
                f"{title} · {ctx.t('col.target')}",
            )
            widgets.data_table(
                ctx,
                task_tables.sector_actual_check_table(check, data.indicators, ctx.lang),
                "sectors_actual_check",
                f"{title} · {ctx.t('col.actual')}",
                demo=demo,
            )

# ------------------------------------------------------------------ one sector's key tasks
options = task_tables.sector_options(sectors, ctx.lang)
del options[tasks.CROSS_SECTOR]
st.divider()
sector = st.selectbox(
    ctx.t("sectors.select"), list(options), format_func=options.get, key="sectors_sector"
)
board = tasks.sector_tasks(cache.load_task_board(ctx.db, ctx.plan_id, ctx.as_of), sector)
groups = i18n.join([str(g) for g in board["group_no"].unique()], ctx.lang)
title = ctx.t("sectors.tasks", sector=options[sector], groups=groups)
st.subheader(title)
if board.empty:
    st.info(ctx.t("sectors.no_tasks"))
else:
    widgets.data_table(
        ctx,
        task_tables.board_table(board, ctx.lang, with_group=False),
        f"sectors_tasks_{sector}",
        title,
        demo=widgets.task_demo_banner(ctx, board),
        wrap=len(board) <= widgets.SHORT_TABLE_ROWS,
        column_config={ctx.t("col.overdue"): st.column_config.TextColumn(width="medium")},
    )

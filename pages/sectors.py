"""行业 / Sectors: 专栏1 sector targets (heat map, bars), sector sums vs the city, key tasks."""

import streamlit as st

from kpi import charts, i18n, ui
from kpi import tasks as kt

ctx = ui.page_setup()
ui.page_header(ctx, "sectors.title")
if ctx.plan_id is None:
    st.stop()
demo = ui.demo_banner(ctx)

data = ui.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
sector_status = ui.load_sector_status(ctx.db, ctx.plan_id, ctx.as_of)
sectors = ui.query(ctx.db, "sectors", ctx.plan_id)
codes = kt.sector_indicator_codes(data.targets, data.indicators)
grid = kt.sector_grid(sector_status, sectors, codes)
indicators = data.indicators.set_index("indicator_code")
names = {code: i18n.name(indicators.loc[code].to_dict(), ctx.lang) for code in codes}

if not grid.empty:
    st.subheader(ctx.t("sectors.heatmap"))
    st.caption(ctx.t("sectors.heatmap_help"))
    st.plotly_chart(charts.sector_heatmap(grid, names, ctx.lang), key="sectors_heatmap")

    st.subheader(ctx.t("sectors.bars"))
    for tab, code in zip(st.tabs([names[c] for c in codes]), codes, strict=True):
        unit = i18n.unit(indicators.loc[code].to_dict(), ctx.lang)
        tab.plotly_chart(
            charts.sector_bars(grid[grid["indicator_code"] == code], ctx.lang, unit=unit),
            key=f"sectors_bars_{code}",
        )

    st.subheader(ctx.t("sectors.sum_check"))
    status = ui.load_status(ctx.db, ctx.plan_id, ctx.as_of)
    check = kt.sector_sum_check(data.targets, codes, sector_status, status)
    for message in kt.mismatch_messages(check, data.indicators, ctx.lang):
        st.warning(message, icon="⚖️")
    title = ctx.t("sectors.sum_check")
    ui.data_table(
        ctx,
        kt.sector_target_check_table(check, data.indicators, ctx.lang),
        "sectors_target_check",
        f"{title} · {ctx.t('col.target')}",
    )
    ui.data_table(
        ctx,
        kt.sector_actual_check_table(check, data.indicators, ctx.lang),
        "sectors_actual_check",
        f"{title} · {ctx.t('col.actual')}",
        demo=demo,
    )
    st.caption(ctx.t("sectors.sum_check_help"))

# ------------------------------------------------------------------ one sector's key tasks
options = kt.sector_options(sectors, ctx.lang)
del options[kt.CROSS_SECTOR]
st.divider()
sector = st.selectbox(
    ctx.t("sectors.select"), list(options), format_func=options.get, key="sectors_sector"
)
board = kt.sector_tasks(ui.load_task_board(ctx), sector)
groups = "、".join(str(g) for g in board["group_no"].unique())
title = ctx.t("sectors.tasks", sector=options[sector], groups=groups)
st.subheader(title)
if board.empty:
    st.info(ctx.t("sectors.no_tasks"))
else:
    ui.data_table(
        ctx,
        kt.board_table(board, ctx.lang, with_group=False),
        f"sectors_tasks_{sector}",
        title,
        demo=ui.task_demo_banner(ctx, board),
        column_config={ctx.t("col.overdue"): st.column_config.TextColumn(width="medium")},
    )

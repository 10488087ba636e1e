"""指标详情 / Indicator detail: the chart, why the colour, revisions, breakdowns, tasks, targets."""

import streamlit as st

from kpi import charts, config, i18n, ui, views

ctx = ui.page_setup()
ui.page_header(ctx, "indicator.title")
if ctx.plan_id is None:
    st.stop()
demo = ui.demo_banner(ctx)

status = ui.load_status(ctx.db, ctx.plan_id, ctx.as_of).sort_values("sort_order")
data = ui.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
rows = {r["indicator_code"]: r for r in status.to_dict("records")}
codes = list(rows)
if st.session_state.get(ui.INDICATOR_KEY) not in rows:
    st.session_state[ui.INDICATOR_KEY] = views.most_behind(status)
code = st.selectbox(
    ctx.t("indicator.select"),
    codes,
    key=ui.INDICATOR_KEY,
    format_func=lambda c: (
        f"{i18n.light_name(rows[c]['light'], ctx.lang)} · {i18n.name(rows[c], ctx.lang)}"
    ),
)
row = rows[code]

trend = i18n.trend_name(row["trend_label"], ctx.lang)
measure = ctx.t("indicator.semantics", semantics=i18n.semantics_name(row["semantics"], ctx.lang))
st.markdown(f"{ui.light_badge(row['light'], ctx.lang)} :gray[{trend}] · {measure}")
st.plotly_chart(
    charts.indicator_chart(
        **views.chart_inputs(data, row, ctx.lang), title=i18n.name(row, ctx.lang)
    ),
    key="indicator_chart",
)
st.subheader(ctx.t("indicator.why"))
st.info(
    views.explain_status(
        row,
        ctx.lang,
        as_of=ctx.as_of,
        base_period=ctx.plan["base_period"],
        end_period=ctx.plan["end_period"],
        yellow_from=config.YELLOW_FROM_POINTS,
        red_above=config.RED_ABOVE_POINTS,
    )
)

name = i18n.name(row, ctx.lang)
st.subheader(ctx.t("indicator.targets"))
sectors = ui.query(ctx.db, "sectors", ctx.plan_id)
ui.data_table(
    ctx,
    views.targets_table(data.targets, data.indicators, sectors, ctx.lang, code),
    f"indicator_targets_{code}",
    f"{ctx.t('indicator.targets')} · {name}",
)

st.subheader(ctx.t("indicator.tasks"))
latest = ui.query(ctx.db, "latest_task_status", ctx.plan_id, ctx.as_of)
tasks = views.linked_tasks(
    ui.query(ctx.db, "indicator_tasks", ctx.plan_id),
    ui.query(ctx.db, "tasks", ctx.plan_id),
    code,
    ui.query(ctx.db, "responsible_units", ctx.plan_id),
    ctx.lang,
    latest,
)
if tasks.empty:
    st.caption(ctx.t("indicator.no_tasks"))
else:
    title = f"{ctx.t('indicator.tasks')} · {name}"
    ui.data_table(ctx, tasks, f"indicator_tasks_{code}", title, demo=bool(latest["is_demo"].any()))

districts = ui.query(ctx.db, "districts", ctx.plan_id)
all_figures = ui.query(ctx.db, "current_figures", ctx.plan_id, ctx.as_of)  # with districts
shown = False
for by, names, key in (
    ("sector_code", sectors, "indicator.breakdown_sector"),
    ("district_code", districts, "indicator.breakdown_district"),
):
    parts = views.breakdown(data, code, by, names, ctx.lang, all_figures)
    if parts.empty:
        continue
    shown = True
    st.subheader(ctx.t(key))
    left, right = st.columns([3, 2])
    left.plotly_chart(
        charts.breakdown_bar(
            parts,
            **views.chart_scale(row, ctx.lang),
            target_label=ctx.t("col.target"),
        ),
        key=f"breakdown_{by}",
    )
    with right:
        ui.data_table(
            ctx,
            views.breakdown_table(parts, row, by, ctx.lang),
            f"indicator_{by.removesuffix('_code')}s_{code}",
            f"{ctx.t(key)} · {name}",
            demo=demo,
        )
if not shown:
    st.caption(ctx.t("indicator.no_breakdown"))

st.subheader(ctx.t("indicator.figures"))
history = ui.query(ctx.db, "figure_history", ctx.plan_id, code)
ui.data_table(
    ctx,
    views.history_table(history, row, ctx.lang, sectors, districts),
    f"indicator_figures_{code}",
    f"{ctx.t('indicator.figures')} · {name}",
    demo=bool(history["is_demo"].any()),
)

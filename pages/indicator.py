"""指标详情 / Indicator detail: the chart, why the colour, revisions, breakdowns, tasks, targets."""

import streamlit as st

from kpi.base import config, i18n
from kpi.measure import peers, series
from kpi.outputs import (
    charts,
    explain,
    formatting,
    palette,
    peer_tables,
    review_tables,
    status_tables,
)
from kpi.web import cache, context, signin, widgets
from kpi.web import evidence as evidence_widgets

ctx = context.page_setup()
context.page_header(ctx, "indicator.title")
if ctx.plan_id is None:
    st.stop()
demo = widgets.demo_banner(ctx)
# Leaders see approved figures only; say how many submissions still wait for review.
if pending := cache.query(ctx.db, "pending_submissions", ctx.plan_id):
    st.caption(review_tables.pending_caption(pending, ctx.lang))

status = cache.load_status(ctx.db, ctx.plan_id, ctx.as_of).sort_values("sort_order")
rows = {r["indicator_code"]: r for r in status.to_dict("records")}
codes = list(rows)
default = series.most_behind(status)
if st.session_state.get(context.INDICATOR_KEY) not in rows:
    st.session_state[context.INDICATOR_KEY] = default
code = st.selectbox(
    ctx.t("indicator.select"),
    codes,
    key=context.INDICATOR_KEY,
    format_func=lambda c: (
        f"{i18n.light_name(rows[c]['light'], ctx.lang)} · {i18n.name(rows[c], ctx.lang)}"
    ),
)
# A reload or a shared link opens this indicator. The default needs no key of its own (an
# address without one opens it): the first switch to this page stays one entry in the history.
named = code != default or context.INDICATOR_KEY in st.query_params
context.keep_in_url(ctx, **({context.INDICATOR_KEY: code} if named else {}))
row = rows[code]

# After the plan the badge (达标 / 未达标) is the verdict: no trend advice beside it.
trend = "" if row["is_final"] else f":gray[{i18n.trend_name(row['trend_label'], ctx.lang)}] · "
measure = ctx.t("indicator.semantics", semantics=i18n.semantics_name(row["semantics"], ctx.lang))
st.markdown(f"{palette.light_badge(row['light'], ctx.lang)} {trend}{measure}")
widgets.chart(
    cache.figure(ctx.db, "indicator_chart", ctx.plan_id, ctx.as_of, ctx.lang, code),
    "indicator_chart",
)
targets, due = cache.load_indicator_targets(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang, code)
st.subheader(ctx.t("indicator.why"))
st.info(
    explain.explain_status(
        row,
        ctx.lang,
        as_of=ctx.as_of,
        base_period=ctx.plan["base_period"],
        end_period=due,
        yellow_from=config.YELLOW_FROM_POINTS,
        red_above=config.RED_ABOVE_POINTS,
    )
)

name = i18n.name(row, ctx.lang)


def targets_section() -> None:
    widgets.data_table(
        ctx,
        targets,
        f"indicator_targets_{code}",
        f"{ctx.t('indicator.targets')} · {name}",
        wrap=True,  # a few rows: a plain table, whose cells wrap, draws faster than a grid
    )


def peers_section() -> None:
    """The same code in other plans, other cities' cited figures."""
    other_plans = cache.query(ctx.db, "peer_plans", ctx.plan_id, code)
    found = peers.combine(
        code,
        other_plans,
        cache.query(ctx.db, "peer_plan_figures", ctx.plan_id, code, ctx.as_of),
        {p: cache.query(ctx.db, "targets", p) for p in other_plans["plan_id"]},
        cache.query(ctx.db, "peer_figures", code),
    )
    if found.empty:
        st.caption(ctx.t("peers.none"))
        return
    st.caption(ctx.t("peers.caption"))
    title = f"{ctx.t('peers.title')} · {name}"
    table = peer_tables.peers_table(found, row, ctx.lang)
    widgets.data_table(
        ctx, table, f"indicator_peers_{code}", title, demo=bool(found["is_demo"].any())
    )


def tasks_section() -> None:
    latest = cache.query(ctx.db, "latest_task_status", ctx.plan_id, ctx.as_of)
    tasks = status_tables.linked_tasks(
        cache.query(ctx.db, "indicator_tasks", ctx.plan_id),
        cache.query(ctx.db, "tasks", ctx.plan_id),
        code,
        cache.query(ctx.db, "responsible_units", ctx.plan_id),
        ctx.lang,
        latest,
    )
    if tasks.empty:
        st.caption(ctx.t("indicator.no_tasks"))
        return
    title = f"{ctx.t('indicator.tasks')} · {name}"
    widgets.data_table(
        ctx, tasks, f"indicator_tasks_{code}", title, demo=bool(latest["is_demo"].any())
    )


def breakdowns_section() -> None:
    data = cache.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
    sectors = cache.query(ctx.db, "sectors", ctx.plan_id)
    districts = cache.query(ctx.db, "districts", ctx.plan_id)
    all_figures = cache.query(ctx.db, "current_figures", ctx.plan_id, ctx.as_of)  # districts too
    shown = False
    for by, names, key in (
        ("sector_code", sectors, "indicator.breakdown_sector"),
        ("district_code", districts, "indicator.breakdown_district"),
    ):
        parts = series.breakdown(data, code, by, names, ctx.lang, all_figures)
        if parts.empty:
            continue
        shown = True
        st.subheader(ctx.t(key))
        left, right = st.columns([3, 2])
        widgets.chart(
            charts.breakdown_bar(
                parts,
                **formatting.chart_scale(row, ctx.lang),
                target_label=ctx.t("col.target"),
            ),
            f"breakdown_{by}",
            box=left,
        )
        with right:
            widgets.data_table(
                ctx,
                status_tables.breakdown_table(parts, row, by, ctx.lang),
                f"indicator_{by.removesuffix('_code')}s_{code}",
                f"{ctx.t(key)} · {name}",
                demo=demo,
            )
    if not shown:
        st.caption(ctx.t("indicator.no_breakdown"))


def figures_section() -> None:
    history = cache.query(ctx.db, "figure_history", ctx.plan_id, code)
    widgets.data_table(
        ctx,
        status_tables.history_table(
            history,
            row,
            ctx.lang,
            cache.query(ctx.db, "sectors", ctx.plan_id),
            cache.query(ctx.db, "districts", ctx.plan_id),
        ),
        f"indicator_figures_{code}",
        f"{ctx.t('indicator.figures')} · {name}",
        demo=bool(history["is_demo"].any()),
    )
    evidence_widgets.indicator_evidence(ctx, signin.current_user(), code)


# One section at a time: the others' charts and tables are drawn only when their tab is chosen.
# The same tabs for every indicator, so that the chosen one stays when the indicator changes.
sections = {
    "indicator.targets": targets_section,
    "peers.title": peers_section,
    "indicator.tasks": tasks_section,
    "indicator.breakdowns": breakdowns_section,
    "indicator.figures": figures_section,
}
widgets.tab_sections({k: (ctx.t(k), draw) for k, draw in sections.items()}, "indicator_section")

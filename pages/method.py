"""方法与来源 / Method and sources: how lights are graded, the documents, where they disagree."""

import streamlit as st

from kpi import config, ui, views

ctx = ui.page_setup()
ui.page_header(ctx, "method.title")
if ctx.plan_id is None:
    st.stop()
demo_count = ui.query(ctx.db, "demo_figures_in_force", ctx.plan_id, ctx.as_of)
ui.demo_banner(ctx)
data = ui.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
sectors = ui.query(ctx.db, "sectors", ctx.plan_id)

st.subheader(ctx.t("method.grading"))
st.markdown(ctx.t("method.intro"))
st.markdown(
    ctx.t(
        "method.formulas",
        base=ctx.plan["base_period"],
        end=ctx.plan["end_period"],
        yellow=f"{config.YELLOW_FROM_POINTS:g}",
        red=f"{config.RED_ABOVE_POINTS:g}",
    )
)
st.subheader(ctx.t("method.semantics"))
ui.data_table(
    ctx,
    views.semantics_table(data.indicators, ctx.lang),
    "method_semantics",
    ctx.t("method.semantics"),
)

st.subheader(ctx.t("method.sources"))
st.caption(ctx.t("method.sources_intro"))
sources = ui.query(ctx.db, "sources", ctx.plan_id)
ui.data_table(
    ctx,
    views.sources_table(sources, data.targets, data.milestones, ctx.lang),
    "method_sources",
    ctx.t("method.sources"),
)
with st.expander(ctx.t("method.targets")):
    ui.data_table(
        ctx,
        views.targets_table(data.targets, data.indicators, sectors, ctx.lang),
        "method_targets",
        ctx.t("method.targets"),
    )
with st.expander(ctx.t("method.milestones")):
    ui.data_table(
        ctx,
        views.milestones_table(data.milestones, data.indicators, ctx.lang),
        "method_milestones",
        ctx.t("method.milestones"),
    )

st.subheader(ctx.t("method.discrepancies"))
st.markdown(f"**{ctx.t('method.multi_targets')}**")
multi = data.targets[
    data.targets["indicator_code"].isin(views.multi_target_indicators(data.targets))
]
ui.data_table(
    ctx,
    views.targets_table(multi[multi["sector_code"].isna()], data.indicators, sectors, ctx.lang),
    "method_multi_targets",
    ctx.t("method.multi_targets"),
)
st.markdown(f"**{ctx.t('method.sector_sum')}**")
ui.data_table(
    ctx,
    views.sector_sum_table(data.targets, data.indicators, ctx.lang),
    "method_sector_sum",
    ctx.t("method.sector_sum"),
)
st.caption(ctx.t("method.sector_sum_note"))

st.subheader(ctx.t("method.demo"))
st.markdown(ctx.t("method.demo_text", n=demo_count) if demo_count else ctx.t("method.no_demo"))

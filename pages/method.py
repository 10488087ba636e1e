"""方法与来源 / Method and sources: how lights are graded, the documents, where they disagree."""

import streamlit as st

from kpi.base import config
from kpi.outputs import palette
from kpi.web import cache, context, widgets

ctx = context.page_setup()
context.page_header(ctx, "method.title")
if ctx.plan_id is None:
    st.stop()
demo_count = cache.query(ctx.db, "demo_figures_in_force", ctx.plan_id, ctx.as_of)
widgets.demo_banner(ctx)
tables = cache.load_method_tables(ctx.db, ctx.plan_id, ctx.as_of, ctx.lang)

formulas = ctx.t(
    "method.formulas",
    base=ctx.plan["base_period"],
    end=ctx.plan["end_period"],
    yellow=f"{config.YELLOW_FROM_POINTS:g}",
    red=f"{config.RED_ABOVE_POINTS:g}",
)
widgets.heading_with_text(ctx.t("method.grading"), ctx.t("method.intro"), formulas)
st.subheader(ctx.t("method.palette"))
widgets.data_table(
    ctx,
    palette.legend_table(ctx.lang),
    "method_palette",
    ctx.t("method.palette"),
    wrap=True,
    styles=palette.legend_styles(ctx.lang),  # each row's colour painted in its cell
)
st.caption(palette.legend_caption(ctx.lang))
st.subheader(ctx.t("method.semantics"))
widgets.data_table(
    ctx,
    tables["semantics"],
    "method_semantics",
    ctx.t("method.semantics"),
    wrap=True,
)

st.subheader(ctx.t("method.sources"))
st.caption(ctx.t("method.sources_intro"))
widgets.data_table(
    ctx,
    tables["sources"],
    "method_sources",
    ctx.t("method.sources"),
    wrap=True,
)
for name in ("targets", "milestones"):
    if box := widgets.lazy_expander(ctx.t(f"method.{name}"), f"method_{name}"):
        with box:
            widgets.data_table(
                ctx,
                tables[name],
                f"method_{name}",
                ctx.t(f"method.{name}"),
            )

widgets.heading_with_text(ctx.t("method.discrepancies"), f"**{ctx.t('method.multi_targets')}**")
widgets.data_table(
    ctx,
    tables["multi_targets"],
    "method_multi_targets",
    ctx.t("method.multi_targets"),
    wrap=True,
)
st.markdown(f"**{ctx.t('method.sector_sum')}**")
widgets.data_table(
    ctx,
    tables["sector_sum"],
    "method_sector_sum",
    ctx.t("method.sector_sum"),
    wrap=True,
)
st.caption(ctx.t("sectors.sum_check_help"))

demo_text = ctx.t("method.demo_text", n=demo_count) if demo_count else ctx.t("method.no_demo")
widgets.heading_with_text(ctx.t("method.demo"), demo_text)

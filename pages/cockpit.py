"""总览 / Overview: lights by count, one card per indicator, and who is responsible for laggards."""

import streamlit as st

from kpi import charts, config, i18n, ui, views

ctx = ui.page_setup()
ui.page_header(ctx, "cockpit.title")
if ctx.plan_id is None:
    st.stop()
ui.demo_banner(ctx)

status = ui.load_status(ctx.db, ctx.plan_id, ctx.as_of)
data = ui.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
counts = views.light_counts(status)

for col, (light, n) in zip(st.columns(len(counts)), counts.items(), strict=True):
    col.metric(
        i18n.light_name(light, ctx.lang),
        n,
        help=i18n.t(f"light_desc.{light}", ctx.lang),
        border=True,
    )
st.caption(
    ctx.t("cockpit.legend", yellow=f"{config.YELLOW_FROM_POINTS:g}", red=f"{config.RED_ABOVE_POINTS:g}")
)

st.subheader(ctx.t("cockpit.laggards"))
behind = views.laggards(
    status,
    ui.query(ctx.db, "indicator_tasks", ctx.plan_id),
    ui.query(ctx.db, "tasks", ctx.plan_id),
    ui.query(ctx.db, "responsible_units", ctx.plan_id),
    ctx.lang,
)
if behind.empty:
    st.success(ctx.t("cockpit.laggards_none"))
else:
    st.dataframe(behind, hide_index=True, width="stretch")


def open_indicator(code: str) -> None:
    st.session_state[ui.INDICATOR_KEY] = code


cards = views.cockpit_cards(status, data, ctx.lang)
for category, group in cards.groupby("category", sort=False):
    st.subheader(category)
    columns = st.columns(4)
    for i, card in enumerate(group.to_dict("records")):
        with columns[i % 4].container(border=True, key=f"card_{card['indicator_code']}"):
            st.markdown(f"{card['badge']} :gray[{card['trend']}]")
            st.markdown(f"**{card['name']}**")
            st.markdown(f"#### {card['actual_vs_target']}")
            st.progress(card["progress"], text=f"{card['completion']} · {card['expected']}")
            spark = views.measure_frame(data, card["indicator_code"])
            if not spark.empty:
                st.plotly_chart(
                    charts.sparkline(spark, card["light"]),
                    config={"displayModeBar": False, "staticPlot": True},
                    key=f"spark_{card['indicator_code']}",
                )
            if card["margin"]:
                st.markdown(f"**{card['margin']}**")
            st.caption(" · ".join(x for x in (card["change"], card["source"]) if x))
            if st.button(ctx.t("common.details"), key=f"open_{card['indicator_code']}",
                         on_click=open_indicator, args=(card["indicator_code"],)):
                st.switch_page("pages/indicator.py")

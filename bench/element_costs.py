"""The app of bench/bench_elements.py: a bare page, and one page per kind of element with 20 of it.

The kinds are those the dashboard draws (its sidebar's too: the language radio, the page links,
the sign-in popover), and the cheaper ways to draw the same: a plain table as st.table and as
HTML, tabs and a segmented control, a plotly chart, a data grid, a button for the radio.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

COUNT = 20
TABLE = pd.DataFrame(
    {"责任单位": [f"单位{i}" for i in range(5)], "逾期": range(5), "序号": ["1(2)、3(4)"] * 5}
)
SECTIONS = ["目标与来源", "同类比较", "相关任务", "分行业", "数据"]


def element(kind: str, i: int) -> None:
    if kind == "markdown":
        st.markdown(f"**名称 {i}** 完成率：80.0%（4 / 5 个）· 与目标相比：差 1 个")
    elif kind == "caption":
        st.caption(f"说明 {i} 数据期 2025Q4 · 演示数据")
    elif kind == "download_button":
        st.download_button("CSV", b"a,b\n", "x.csv", key=f"d{i}", on_click="ignore")
    elif kind == "st.table (5 rows)":
        st.table(TABLE, hide_index=True, border="horizontal")
    elif kind == "html table (5 rows)":
        st.html(TABLE.to_html(index=False))
    elif kind == "st.dataframe (5 rows)":
        st.dataframe(TABLE, hide_index=True)
    elif kind == "plotly chart":
        st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[i, 2, 3])), key=f"p{i}")
    elif kind == "plotly chart, static":
        chart = go.Figure(go.Scatter(x=[1, 2, 3], y=[i, 2, 3]))
        st.plotly_chart(chart, key=f"p{i}", config={"staticPlot": True})
    elif kind == "st.tabs (5 tabs)":
        st.tabs(SECTIONS)[0].markdown("x")
    elif kind == "segmented control (5)":
        st.segmented_control("部分", SECTIONS, default=SECTIONS[0], key=f"s{i}")
    elif kind == "expander (closed)":
        st.expander(f"展开 {i}").markdown("内容")
    elif kind == "metric":
        st.metric(f"指标 {i}", f"{i} / 71", border=True)
    elif kind == "selectbox":
        st.selectbox("季度", ["2025Q4", "2025Q3"], key=f"q{i}")
    elif kind == "multiselect":
        st.multiselect("责任单位", SECTIONS, key=f"m{i}", placeholder="全部")
    elif kind == "radio, horizontal (5)":
        st.radio("部分", SECTIONS, key=f"r{i}", horizontal=True, label_visibility="collapsed")
    elif kind == "pills (5)":
        st.pills("部分", SECTIONS, default=SECTIONS[0], key=f"l{i}", label_visibility="collapsed")
    elif kind == "radio, horizontal (2)":
        st.radio("语言", ["中文", "English"], key=f"r2{i}", horizontal=True)
    elif kind == "button":
        st.button("English", key=f"b{i}")
    elif kind == "page_link":
        st.page_link(BASE_PAGE, label=f"总览 {i}", icon=":material/dashboard:")
    elif kind == "popover (closed)":
        st.popover("登录", icon=":material/login:").markdown("内容")
    elif kind == "info":
        st.info(f"说明 {i}：数据期 2025Q4")


KINDS = [
    "markdown",
    "caption",
    "download_button",
    "st.table (5 rows)",
    "html table (5 rows)",
    "st.dataframe (5 rows)",
    "plotly chart",
    "plotly chart, static",
    "st.tabs (5 tabs)",
    "segmented control (5)",
    "expander (closed)",
    "metric",
    "selectbox",
    "multiselect",
    "radio, horizontal (5)",
    "pills (5)",
    "info",
    "radio, horizontal (2)",
    "button",
    "page_link",
    "popover (closed)",
]


def page(kind: str):
    def draw() -> None:
        st.title(f"page:{kind}")
        for i in range(COUNT):
            element(kind, i)

    return draw


def base() -> None:
    st.title("page:base")


def url_path(kind: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in kind)


if __name__ == "__main__":  # as streamlit runs it; bench_elements.py imports KINDS
    BASE_PAGE = st.Page(base, title="base", url_path="base", default=True)  # page_link's target
    st.navigation(
        [BASE_PAGE] + [st.Page(page(k), title=k, url_path=url_path(k)) for k in KINDS],
        expanded=True,
    ).run()

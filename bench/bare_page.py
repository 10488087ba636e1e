"""The baseline of bench/bench_pages.py: a bare Streamlit app of two pages, each with 5 metrics and
a 26-row table, and a quarter chosen in the sidebar.

No data from the store: this is what Streamlit itself costs to draw a page of about the
overview's size. Three reruns are timed against it: a switch to the other page (the baseline of a
page switch), a change of quarter that changes every figure shown (of a quarter change), and a
button that reruns with nothing changed (the floor).
"""

import pandas as pd
import streamlit as st

st.set_page_config(layout="wide")
st.session_state.setdefault("reruns", 0)
quarter = st.sidebar.selectbox("quarter", ["2025Q4", "2025Q3"])


def bare_page(shift: int) -> None:
    if st.button("rerun", key="rerun"):
        st.session_state["reruns"] += 1
    offset = shift + (quarter == "2025Q3")
    st.title(f"Bare page {shift}")
    for column, n in zip(st.columns(5), range(5), strict=True):
        column.metric(f"metric {n}", n * 7 + offset, delta=n - offset)
    st.dataframe(
        pd.DataFrame(
            {
                "row": range(26),
                "value": [i * 1.5 + offset for i in range(26)],
                "name": [f"x{offset}"] * 26,
            }
        ),
        width="stretch",
    )
    st.caption(f"reruns: {st.session_state['reruns']} · {quarter} · page {shift}")


st.navigation(
    [
        st.Page(lambda: bare_page(0), title="first", url_path="first", default=True),
        st.Page(lambda: bare_page(1), title="second", url_path="second"),
    ]
).run()

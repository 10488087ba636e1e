"""The baseline of bench/bench_pages.py: a bare Streamlit page with 5 metrics and a 26-row table.

A button reruns it (the baseline of a page switch or quarter change). No data from the store:
this is what Streamlit itself costs to draw a page of about the overview's size.
"""

import pandas as pd
import streamlit as st

st.set_page_config(layout="wide")
st.session_state.setdefault("reruns", 0)
if st.button("rerun", key="rerun"):
    st.session_state["reruns"] += 1
st.title("Bare page")
for column, n in zip(st.columns(5), range(5), strict=True):
    column.metric(f"metric {n}", n * 7, delta=n)
st.dataframe(
    pd.DataFrame({"row": range(26), "value": [i * 1.5 for i in range(26)], "name": ["x"] * 26}),
    width="stretch",
)
st.caption(f"reruns: {st.session_state['reruns']}")

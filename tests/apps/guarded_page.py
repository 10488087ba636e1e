"""AppTest page: guard() at the top, then a marker that must only show when allowed."""

import streamlit as st

from kpi.web.signin import guard, sign_out_button

action = st.session_state.get("test_action", "upload")
lang = st.session_state.get("test_lang", "zh")
sign_out_button(lang)
guard(action, lang)
st.write("WRITE-CONTROLS")

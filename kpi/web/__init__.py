"""Streamlit-only helpers for the pages: page context and sidebar, cached reads, widgets, sign-in
and the write helper. The only part of kpi that imports Streamlit."""

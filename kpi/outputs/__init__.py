"""Presentation without Streamlit: formatting, every table as shown, charts, the bulletin, exports
and the upload template. May import every floor below it, never kpi.web."""

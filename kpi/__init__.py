"""Digital-transformation KPI dashboard: the core package (no Streamlit outside ui modules)."""

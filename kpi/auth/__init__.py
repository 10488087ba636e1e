"""Accounts in a YAML file, sign-in with a rate limit, and who may do what. No Streamlit.

May import kpi.base only; the store records account changes (kpi.store.account_changes).
"""

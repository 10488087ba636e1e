"""The core of the dashboard, in floors; each floor imports only from the floors below it.

    base      settings, quarters, the translation lookup, domain errors, cell values
    auth      accounts, sign-in, permissions                                 (base)
    store     schema, connections, reference data, validation, loads, writes (base, auth)
    measure   progress maths, status, tasks, alerts, tracking: numbers       (+ store)
    outputs   formatting, tables as shown, charts, bulletin, exports         (+ measure)
    web       Streamlit-only: page context, cached reads, widgets, sign-in   (+ outputs)

Only kpi.web imports Streamlit. tests/test_layout.py checks the floors and that there are no
import cycles.
"""

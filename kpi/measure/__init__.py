"""Numbers, no presentation: progress maths, status per indicator, series, key tasks, the warning
list and submission tracking. May import kpi.base, kpi.auth and kpi.store."""

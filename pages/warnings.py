"""预警督办清单 / Warning list: per unit, red and yellow indicators and overdue sub-tasks, and the
units that have not reported a quarter past its due date."""

from datetime import date

import pandas as pd
import streamlit as st

from kpi.base import config
from kpi.measure import alerts, tracking
from kpi.outputs import alert_tables, formatting, intake_tables, status_tables
from kpi.web import cache, context, widgets


@st.cache_data(show_spinner=False, max_entries=16)
def calendar(path: str, version: int, plan_id: str, today: date):
    del version  # part of the cache key only
    return tracking.read_calendar(path, plan_id, today)


ctx = context.page_setup()
context.page_header(ctx, "warnings.title")
if ctx.plan_id is None:
    st.stop()
data = cache.load_plan_data(ctx.db, ctx.plan_id, ctx.as_of)
warning_rows = cache.load_warning_list(ctx.db, ctx.plan_id, ctx.as_of)
widgets.demo_banner(ctx)
widgets.task_demo_banner(ctx, warning_rows[warning_rows["kind"] == alerts.TASK])
st.caption(ctx.t("warnings.caption", red_from=config.RED_NOTICE_FROM_QUARTERS))

today = date.today()
late, demo_quarters = calendar(ctx.db, cache.db_version(ctx.db), ctx.plan_id, today)
counts, units_in_full = cache.load_warning_counts(ctx.db, ctx.plan_id, ctx.as_of)
metrics = [
    (ctx.t("warnings.metric.units"), "warning_units", ctx.t("counts.warning_units_help")),
    *[
        (alert_tables.notices_badge(level, ctx.lang), level, ctx.t("warnings.metric.help"))
        for level in alerts.ESCALATIONS
    ],
    (ctx.t("calendar.late.metric"), "late_units", ctx.t("calendar.late.metric_help")),
]
counts["late_units"] = int(late["unit_zh"].nunique())
widgets.metric_row([(label, counts[key], help_text) for label, key, help_text in metrics])
is_final = status_tables.is_final(cache.load_status(ctx.db, ctx.plan_id, ctx.as_of))
st.markdown(alert_tables.warning_summary(counts, is_final, ctx.lang))


def notices() -> None:
    """The notices: per-unit summary and the list, filtered by unit and escalation."""
    if warning_rows.empty:
        st.success(ctx.t("warnings.none"))
        return
    unit_names = formatting.unit_names(warning_rows, ctx.lang)
    left, right = st.columns([3, 1])
    units = left.multiselect(
        ctx.t("tasks.filter.units"),
        alerts.unit_options(warning_rows),
        format_func=unit_names.get,
        placeholder=ctx.t("tasks.filter.all"),
        key="warnings_units",
    )
    levels = right.multiselect(
        ctx.t("warnings.filter.escalation"),
        list(alerts.ESCALATIONS),
        format_func=lambda level: alert_tables.escalation_text(level, ctx.lang),
        placeholder=ctx.t("tasks.filter.all"),
        key="warnings_levels",
    )
    shown = alerts.filter_list(warning_rows, units=units, escalations=levels)
    if shown.empty:
        st.info(ctx.t("warnings.none_shown"))
        return
    demo = bool(shown["is_demo"].any())
    widgets.tab_sections(
        {
            "warnings.units": (
                ctx.t("warnings.units"),
                lambda: unit_summary(
                    alerts.unit_summary(shown) if units or levels else units_in_full, demo
                ),
            ),
            "warnings.list": (ctx.t("warnings.list"), lambda: warning_details(shown, demo)),
        },
        "warnings_section",
    )


def unit_summary(summary: pd.DataFrame, demo: bool) -> None:
    """Per responsible unit (alerts.unit_summary): its red and yellow notices and overdue
    sub-tasks."""
    widgets.data_table(
        ctx,
        alert_tables.unit_summary_table(summary, ctx.lang),
        "warnings_units",
        ctx.t("warnings.units"),
        demo=demo,
    )


def warning_details(shown: pd.DataFrame, demo: bool) -> None:
    """The notices one row each, the escalation pinned left."""
    widgets.data_table(
        ctx,
        alert_tables.warning_table(shown, data.indicators, ctx.lang),
        "warnings_list",
        ctx.t("warnings.list"),
        demo=demo,
        height=560,
        column_config={
            ctx.t("col.escalation"): st.column_config.MultiselectColumn(
                width=110, pinned=True, **alert_tables.escalation_pills(ctx.lang)
            ),
            ctx.t("col.unit"): st.column_config.TextColumn(width="medium"),
            ctx.t("col.item"): st.column_config.TextColumn(width="large"),
        },
    )


def late_reports() -> None:
    """逾期未报: units that have not reported a quarter past its due date (as of today)."""
    st.subheader(ctx.t("calendar.late.title"))
    st.caption(intake_tables.late_caption(ctx.lang, today))
    if demo_quarters:
        st.info(intake_tables.demo_note(demo_quarters, ctx.lang), icon=":material/info:")
    if late.empty:
        st.success(ctx.t("calendar.late.none"))
        return
    widgets.data_table(
        ctx,
        intake_tables.late_table(late, ctx.lang),
        "warnings_late_reports",
        ctx.t("calendar.late.title"),
        column_config={ctx.t("col.unit"): st.column_config.TextColumn(width="medium")},
    )


notices()
late_reports()

"""The warning list as shown: escalation names and colours, state trails, the tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n, periods
from kpi.measure import tasks
from kpi.measure.alerts import ESCALATIONS, INDICATOR, RED_NOTICE, WARNING_LIGHTS, YELLOW_NOTICE
from kpi.outputs import formatting, palette

# Pill colours in the table (no emoji: fonts on government desktops often lack them) and the
# Streamlit badge colours of the metric labels.
ESCALATION_COLORS = {
    RED_NOTICE: palette.LIGHTS["red"].color,
    YELLOW_NOTICE: palette.LIGHTS["yellow"].color,
}
ESCALATION_BADGES = {RED_NOTICE: "red", YELLOW_NOTICE: "orange"}


def warning_summary(counts: Mapping[str, int], final: bool, lang: str) -> str:
    """What the warning list holds, in words: indicators behind (or missed, once the plan has
    ended), sub-tasks, units and notices, each as `series.counts` counts them."""
    key = "counts.warning_summary_final" if final else "counts.warning_summary"
    return i18n.t(key, lang, **counts)


def escalation_text(level: str, lang: str) -> str:
    """红色督办 / 黄色提示 (or the English)."""
    return i18n.t(f"escalation.{level}", lang)


def notices_badge(level: str, lang: str) -> str:
    """Markdown for a coloured badge naming the notices of a level: ':red-badge[Red notices]'."""
    key = "col.red_notices" if level == RED_NOTICE else "col.yellow_notices"
    return f":{ESCALATION_BADGES[level]}-badge[{i18n.t(key, lang)}]"


def escalation_pills(lang: str) -> dict[str, Any]:
    """Keyword arguments of st.column_config.MultiselectColumn that colour the level texts."""
    return {
        "options": [escalation_text(level, lang) for level in ESCALATIONS],
        "color": [ESCALATION_COLORS[level] for level in ESCALATIONS],
    }


def state_name(state: str, lang: str) -> str:
    """红灯 / 黄灯 for an indicator's light, 滞后 / 本季未填报 for a sub-task's reason."""
    if state in WARNING_LIGHTS:
        return i18n.light_name(state, lang)
    return i18n.t(f"tasks.overdue.{state}", lang)


def trail_text(trail: tuple[str, ...], since: str, lang: str) -> str:
    """Runs of the same state with their quarters: '2024Q2–2024Q4 红灯；2025Q1 黄灯'."""
    runs: list[tuple[str, str, str]] = []
    for offset, state in enumerate(trail):
        quarter = periods.add_quarters(since, offset)
        if runs and runs[-1][2] == state:
            runs[-1] = (runs[-1][0], quarter, state)
        else:
            runs.append((quarter, quarter, state))
    parts = [
        f"{start}–{end} {state_name(state, lang)}"
        if start != end
        else f"{start} {state_name(state, lang)}"
        for start, end, state in runs
    ]
    return i18n.t("format.clause_separator", lang).join(parts)


_TABLE_KEYS = (
    "col.escalation",
    "col.unit",
    "col.kind",
    "col.item",
    "col.state",
    "col.since",
    "col.quarters",
    "col.actual",
    "col.target",
    "col.completion",
    "col.expected",
    "col.gap",
    "col.last_period",
    "col.linked_tasks",
    "col.trail",
)


def _indicator_cells(r: Mapping[str, Any], ind: Mapping[str, Any], lang: str) -> dict[str, str]:
    return {
        "col.item": i18n.name(ind, lang),
        "col.state": state_name(r["state"], lang),
        "col.actual": formatting.format_value(r["actual"], ind, lang),
        "col.target": formatting.format_value(r["target"], ind, lang),
        "col.completion": formatting.format_pct(r["completion"]),
        "col.expected": formatting.format_pct(r["expected_completion"]),
        "col.gap": formatting.format_points(r["gap_points"]),
        "col.last_period": r["data_period"] or "—",
    }


def _task_cells(r: Mapping[str, Any], lang: str) -> dict[str, str]:
    state = state_name(r["state"], lang)
    if r["state"] != tasks.REASON_DELAYED and r["task_status"] not in (tasks.NO_UPDATE, None):
        status = i18n.task_status_name(r["task_status"], lang)
        state = i18n.t("format.with_note", lang, text=state, note=status)
    return {
        "col.item": f"{r['ref']} {r[i18n.column('name', lang)]}",
        "col.state": state,
        "col.last_period": r["last_period"] or "—",
    }


def warning_table(warnings: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list as shown: escalation, unit, item, state, since, the numbers behind it, history.

    Indicator values are in their display units and `最近填报` is their latest data quarter;
    sub-tasks show why they are overdue, their latest status and the quarter of their last update.
    """
    meta = indicators.set_index("indicator_code")
    rows = []
    for r in warnings.to_dict("records"):
        cells = dict.fromkeys(_TABLE_KEYS, "")
        cells |= {
            "col.escalation": escalation_text(r["escalation"], lang),
            "col.unit": r[i18n.column("unit", lang)],
            "col.kind": i18n.t(f"warnings.kind.{r['kind']}", lang),
            "col.since": r["since"],
            "col.quarters": int(r["quarters"]),
            "col.linked_tasks": i18n.join(list(r["linked_tasks"]), lang),
            "col.trail": trail_text(r["trail"], r["since"], lang),
        }
        if r["kind"] == INDICATOR:
            cells |= _indicator_cells(r, meta.loc[r["ref"]].to_dict(), lang)
        else:
            cells |= _task_cells(r, lang)
        rows.append([cells[k] for k in _TABLE_KEYS])
    return pd.DataFrame(rows, columns=[i18n.t(k, lang) for k in _TABLE_KEYS])


def unit_summary_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """unit_summary with translated headers."""
    columns = {
        "col.unit": summary[i18n.column("unit", lang)],
        "col.red_notices": summary[RED_NOTICE],
        "col.yellow_notices": summary[YELLOW_NOTICE],
        "col.n_indicators": summary["indicators"],
        "col.n_overdue_tasks": summary["tasks"],
        "col.longest": summary["longest"],
        "col.since": summary["since"],
    }
    return formatting.translated_frame(columns, lang)

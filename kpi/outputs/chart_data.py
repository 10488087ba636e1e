"""What the indicator chart is drawn from: measure, expected path, milestones, targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n, periods
from kpi.base.values import is_missing
from kpi.measure import progress
from kpi.measure.assessment import PlanData, indicator_input
from kpi.measure.series import city_rows, measure_frame
from kpi.outputs.formatting import chart_scale, doc_label, format_value, is_edited


def target_lines(targets: pd.DataFrame, code: str, row: Mapping[str, Any], lang: str):
    """City-wide target rows of one indicator for the chart: period, value, label (with its
    document, for the legend), short (without it, for the label on the line), is_default."""
    rows = targets[(targets["indicator_code"] == code) & targets["sector_code"].isna()]
    docs = [doc_label(r, lang) for r in rows.to_dict("records")]
    out = []
    for r, doc in zip(rows.to_dict("records"), docs, strict=True):
        # Several rows from the same document are told apart by their clause.
        where = f"{doc} {r['source_ref']}" if docs.count(doc) > 1 else doc
        year = periods.year_of(r["period"])
        label = f"{i18n.t('chart.target', lang, year=year)} {format_value(r['value'], row, lang)}"
        if is_edited(r):
            label += f" ({i18n.t('targets.edited_mark', lang)})"
        out.append(
            {
                "period": r["period"],
                "value": float(r["value"]),
                "label": f"{label} · {where}",
                "short": label,
                "is_default": bool(r["is_default"]),
            }
        )
    return pd.DataFrame(out, columns=["period", "value", "label", "short", "is_default"])


def milestone_points(milestones: pd.DataFrame, code: str, row: Mapping[str, Any], lang: str):
    """City-wide milestones of one indicator: period, value, label (value · document, for the
    hover) and short (the value, for the label beside the marker)."""
    rows = milestones[(milestones["indicator_code"] == code) & milestones["sector_code"].isna()]
    out = []
    for r in rows.to_dict("records"):
        short = format_value(r["value"], row, lang)
        if is_edited(r):
            short += f" ({i18n.t('targets.edited_mark', lang)})"
        out.append(
            {
                "period": r["period"],
                "value": float(r["value"]),
                "label": f"{short} · {doc_label(r, lang)}",
                "short": short,
            }
        )
    return pd.DataFrame(out, columns=["period", "value", "label", "short"])


def chart_inputs(data: PlanData, row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Keyword arguments for charts.indicator_chart for one status row."""
    code = row["indicator_code"]
    expected = pd.DataFrame(columns=["period", "value"])
    if not is_missing(row.get("baseline")):
        series = city_rows(data.figures)
        series = series[series["indicator_code"] == code]
        ind = indicator_input(data, code, series, float(row["target"]))
        expected = pd.DataFrame(
            progress.expected_path(ind, float(row["baseline"])), columns=["period", "value"]
        )
    projection = None
    if not is_missing(row.get("projected")) and not row.get("is_final"):
        projection = {
            "from_period": row["data_period"],
            "from_value": row["actual"],
            "period": data.due_period(code),
            "value": row["projected"],
            "low": row["projected_low"],
            "high": row["projected_high"],
        }
    return {
        "measure": measure_frame(data, code),
        "expected": expected,
        "milestones": milestone_points(data.milestones, code, row, lang),
        "targets": target_lines(data.targets, code, row, lang),
        "projection": projection,
        **chart_scale(row, lang),
        "lang": lang,
    }

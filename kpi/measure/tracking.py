"""Submission tracking: which indicators have a figure for a quarter, and whom to chase."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from kpi.base import i18n, periods
from kpi.base.values import as_list
from kpi.store import db, queries
from kpi.store.queries import Con

TRACKING_COLUMNS = [
    "indicator_code",
    "name_zh",
    "name_en",
    "has_figure",
    "figures",
    "city_figure",
    "units",
]


def submission_tracking(con: Con, plan_id: str, period: str) -> pd.DataFrame:
    """Per indicator: whether a figure is in force for `period`, and its responsible units.

    `figures` counts every figure in force for the quarter (city-wide and breakdowns);
    `units` lists the units of the task groups linked to the indicator (queries.indicator_tasks),
    so the units to chase for a missing figure are those of the rows with has_figure false.
    """
    indicators = queries.indicators(con, plan_id)
    figures = queries.current_figures(con, plan_id, period)
    figures = figures[figures["period"] == period]
    counts = figures.groupby("indicator_code").size()
    city = figures[figures["sector_code"].isna() & figures["district_code"].isna()]
    group_units = (
        queries.tasks(con, plan_id)
        .drop_duplicates("group_no")
        .set_index("group_no")["units"]
        .map(as_list)
    )
    links = queries.indicator_tasks(con, plan_id)
    units_of: dict[str, list[str]] = {}
    for code, group_no in zip(links["indicator_code"], links["group_no"], strict=True):
        listed = units_of.setdefault(code, [])
        for unit in group_units.get(group_no, []):
            if unit not in listed:
                listed.append(unit)
    out = pd.DataFrame(
        {
            "indicator_code": indicators["indicator_code"],
            "name_zh": indicators["name_zh"],
            "name_en": indicators["name_en"],
        }
    )
    out["figures"] = out["indicator_code"].map(counts).fillna(0).astype(int)
    out["has_figure"] = out["figures"] > 0
    out["city_figure"] = out["indicator_code"].isin(set(city["indicator_code"]))
    out["units"] = out["indicator_code"].map(lambda code: units_of.get(code, []))
    return out[TRACKING_COLUMNS]


def missing_by_unit(tracking: pd.DataFrame) -> pd.DataFrame:
    """Per responsible unit: the indicators without a figure that it is linked to; most first."""
    missing = tracking[~tracking["has_figure"]]
    pairs = missing[["indicator_code", "name_zh", "name_en", "units"]].explode("units")
    pairs = pairs.dropna(subset=["units"]).rename(columns={"units": "unit_zh"})
    columns = ["unit_zh", "missing", "indicators_zh", "indicators_en"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        pairs.groupby("unit_zh", sort=False)
        .agg(
            missing=("indicator_code", "nunique"),
            indicators_zh=("name_zh", lambda names: i18n.join(list(dict.fromkeys(names)), "zh")),
            indicators_en=("name_en", lambda names: i18n.join(list(dict.fromkeys(names)), "en")),
        )
        .reset_index()
    )
    grouped = grouped.sort_values("missing", ascending=False, kind="stable")
    return grouped[columns].reset_index(drop=True)


def reporting_period(plan: Mapping | None = None, today: date | None = None) -> str:
    """The quarter staff report on now: the last complete one, or the plan's last quarter once
    the plan has ended (figures after it are refused)."""
    last_complete = periods.add_quarters(periods.current_period(today), -1)
    end = plan.get("end_period") if plan else None
    return min(last_complete, end) if end else last_complete


def period_choices(plan: Mapping, today: date | None = None) -> list[str]:
    """Quarters from the plan's first to the current one (or the plan's last), newest first."""
    first = str(plan.get("start_period") or reporting_period(plan, today))
    last = min(periods.current_period(today), plan.get("end_period") or "9999Q4")
    return periods.period_range(first, last)[::-1]


def read_submission_tracking(path: Path | str | None, plan_id: str, period: str) -> pd.DataFrame:
    """`submission_tracking` on a short-lived connection."""
    with db.read(path) as con:
        return submission_tracking(con, plan_id, period)

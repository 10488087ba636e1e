"""Quarterly series and counts behind the pages: measures, breakdowns, sector sums, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.base import i18n
from kpi.measure import alerts, progress, tasks
from kpi.measure.assessment import PlanData


def light_counts(status: pd.DataFrame) -> dict[str, int]:
    """Number of indicators per light, in progress.LIGHTS order (zeros included)."""
    counts = status["light"].value_counts()
    return {light: int(counts.get(light, 0)) for light in progress.LIGHTS}


def most_behind(status: pd.DataFrame) -> str:
    """The indicator to open first: the furthest behind among the worst light."""
    rank = status["light"].map({**progress.BEHIND_RANK, "green": 2, "grey": 3, "achieved": 4})
    ordered = status.assign(rank=rank, behind=status["gap_points"].fillna(-1e9))
    ordered = ordered.sort_values(["rank", "behind", "sort_order"], ascending=[True, False, True])
    return str(ordered["indicator_code"].iloc[0])


def city_rows(figures: pd.DataFrame) -> pd.DataFrame:
    return figures[figures["sector_code"].isna() & figures["district_code"].isna()]


def measure_frame(data: PlanData, code: str, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quarterly actual (period, value, is_demo) of one indicator, city-wide by default."""
    rows = city_rows(data.figures) if figures is None else figures
    rows = rows[rows["indicator_code"] == code]
    semantics = data.indicators.loc[data.indicators["indicator_code"] == code, "semantics"].iloc[0]
    series = progress.measure_series(
        semantics,
        dict(zip(rows["period"], rows["value"].astype(float), strict=True)),
        data.plan["base_period"],
    )
    demo = dict(zip(rows["period"], rows["is_demo"].astype(bool), strict=True))
    return pd.DataFrame(
        {
            "period": list(series),
            "value": list(series.values()),
            "is_demo": [demo.get(p, False) for p in series],
        },
        columns=["period", "value", "is_demo"],
    )


def measure_frames(data: PlanData) -> dict[str, pd.DataFrame]:
    """measure_frame of every indicator, city-wide, grouped in one pass (for the sparklines)."""
    groups = dict(tuple(city_rows(data.figures).groupby("indicator_code")))
    return {
        code: measure_frame(data, code, groups[code])
        if code in groups
        else measure_frame(data, code, data.figures.iloc[0:0])
        for code in data.indicators["indicator_code"]
    }


def breakdown(
    data: PlanData,
    code: str,
    by: str,
    names: pd.DataFrame,
    lang: str,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The actual per sector or district (`by` = 'sector_code' / 'district_code').

    `figures` defaults to data.figures, which has no district rows: pass
    queries.current_figures for districts. Returns label, value (latest measure up to as-of),
    period, target (sector default target).
    """
    other = "district_code" if by == "sector_code" else "sector_code"
    figures = data.figures if figures is None else figures
    rows = figures[
        (figures["indicator_code"] == code) & figures[by].notna() & figures[other].isna()
    ]
    label_of = {r[by]: i18n.name(r, lang) for r in names.to_dict("records")}
    order = {c: i for i, c in enumerate(names[by])}
    out = []
    for key, group in rows.groupby(by):
        measure = measure_frame(data, code, group)
        if measure.empty:
            continue
        target = data.default_target(code, key) if by == "sector_code" else None
        out.append(
            {
                "code": key,
                "label": label_of.get(key, key),
                "value": float(measure["value"].iloc[-1]),
                "period": measure["period"].iloc[-1],
                "target": target,
            }
        )
    frame = pd.DataFrame(out, columns=["code", "label", "value", "period", "target"])
    return frame.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)


def multi_target_indicators(targets: pd.DataFrame) -> list[str]:
    """Indicators with more than one city-wide target row (the sources disagree or repeat)."""
    city = targets[targets["sector_code"].isna()]
    rows_per_code = city.groupby("indicator_code").size()
    return sorted(rows_per_code[rows_per_code > 1].index)


# Targets are transcribed numbers, so sector sums either add up exactly or they do not: the
# tolerance only absorbs float noise (1380.0000000001). One tolerance for targets and actuals.
SUM_TOLERANCE = 1e-9

SECTOR_SUM_COLUMNS = [
    "indicator_code",
    "n_sectors",
    "sector_target_sum",
    "city_target",
    "target_difference",
    "targets_match",
    "sector_source",
    "city_sources",
    "sector_actual_sum",
    "city_actual",
    "actual_difference",
]


def sums_match(city: float, sector_sum: float) -> bool:
    """Whether a city-wide value equals the sum of its sectors, up to float noise."""
    return abs(city - sector_sum) <= SUM_TOLERANCE * max(1.0, abs(city))


def _source_refs(rows: pd.DataFrame) -> str:
    return tasks.SOURCE_REF_SEPARATOR.join(dict.fromkeys(rows["source_ref"].astype(str)))


def _sector_source(rows: pd.DataFrame) -> str:
    """The common document part of the sector rows' source refs (e.g. '专栏1')."""
    parts = (ref.split(" ")[0] for ref in rows["source_ref"].astype(str))
    return tasks.SOURCE_REF_SEPARATOR.join(dict.fromkeys(parts))


def sector_sum_check(
    targets: pd.DataFrame,
    indicator_codes: list[str],
    sector_status: pd.DataFrame | None = None,
    city_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per indicator: the sum of its sector default targets against its city-wide default target.

    The one definition every surface uses (分行业, 方法与来源, the bulletin). Differences are
    city minus the sum of the sectors, for targets and actuals alike: +220 台 means the city-wide
    target is 220 台 more than the sectors add up to. `targets_match` allows float noise only
    (SUM_TOLERANCE). `city_sources` lists every city-wide row with the default value (default
    first), so a total stated twice in the plan shows both places. With status frames, the sum of
    the sector actuals against the city-wide actual too.
    """
    rows = []
    for code in indicator_codes:
        of_code = targets[targets["indicator_code"] == code]
        sector_rows = of_code[of_code["sector_code"].notna() & of_code["is_default"]]
        city_rows = of_code[of_code["sector_code"].isna()]
        default = city_rows[city_rows["is_default"]]
        city_target = float(default["value"].iloc[0]) if not default.empty else np.nan
        same_value = city_rows[
            [sums_match(city_target, float(v)) for v in city_rows["value"]]
        ].sort_values("is_default", ascending=False, kind="stable")
        sector_sum = float(sector_rows["value"].sum())
        row = {
            "indicator_code": code,
            "n_sectors": int(sector_rows["sector_code"].nunique()),
            "sector_target_sum": sector_sum,
            "city_target": city_target,
            "target_difference": city_target - sector_sum,
            "targets_match": sums_match(city_target, sector_sum),
            "sector_source": _sector_source(sector_rows),
            "city_sources": _source_refs(same_value),
            "sector_actual_sum": np.nan,
            "city_actual": np.nan,
            "actual_difference": np.nan,
        }
        if sector_status is not None and city_status is not None:
            actuals = sector_status.loc[sector_status["indicator_code"] == code, "actual"]
            city = city_status.loc[city_status["indicator_code"] == code, "actual"]
            row["sector_actual_sum"] = float(actuals.astype(float).sum(min_count=1))
            row["city_actual"] = (
                float(city.iloc[0]) if not city.empty and pd.notna(city.iloc[0]) else np.nan
            )
            row["actual_difference"] = row["city_actual"] - row["sector_actual_sum"]
        rows.append(row)
    return pd.DataFrame(rows, columns=SECTOR_SUM_COLUMNS)


def counts(status: pd.DataFrame, board: pd.DataFrame, warnings: pd.DataFrame) -> dict[str, int]:
    """Every count a page, the bulletin or an export states, each defined once.

    - indicators, and one count per light (light_counts): city-wide indicators;
    - subtasks, one count per task status, and overdue (tasks.status_counts): sub-tasks;
    - warning_units, indicator_units, task_units, notices, red_notice, yellow_notice
      (alerts.notice_counts): responsible units, and rows of the warning list (unit × warning).
    """
    return {
        "indicators": len(status),
        **light_counts(status),
        "subtasks": len(board),
        **tasks.status_counts(board),
        **alerts.notice_counts(warnings),
    }

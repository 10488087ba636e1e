"""Quarterly series and counts behind the pages: measures, breakdowns, lights by count."""

from __future__ import annotations

import pandas as pd

from kpi.base import i18n
from kpi.measure import progress
from kpi.measure.assessment import PlanData


def light_counts(status: pd.DataFrame) -> dict[str, int]:
    """Number of indicators per light, in progress.LIGHTS order (zeros included)."""
    counts = status["light"].value_counts()
    return {light: int(counts.get(light, 0)) for light in progress.LIGHTS}


def most_behind(status: pd.DataFrame) -> str:
    """The indicator to open first: the furthest behind among the worst light."""
    rank = status["light"].map({"red": 0, "yellow": 1, "green": 2, "grey": 3, "achieved": 4})
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
    counts = city.groupby("indicator_code").size()
    return sorted(counts[counts > 1].index)


def sector_sum_check(targets: pd.DataFrame) -> pd.DataFrame:
    """Sum of the sector default targets against the city default target, per indicator.

    Returns indicator_code, city_target, sector_sum, n_sectors, difference (sum - city),
    consistent (difference is zero up to float noise).
    """
    defaults = targets[targets["is_default"].astype(bool)]
    sectors = defaults[defaults["sector_code"].notna()]
    city = defaults[defaults["sector_code"].isna()].set_index("indicator_code")["value"]
    rows = []
    for code, group in sectors.groupby("indicator_code"):
        total = float(group["value"].sum())
        city_target = float(city[code]) if code in city.index else float("nan")
        difference = total - city_target
        rows.append(
            {
                "indicator_code": code,
                "city_target": city_target,
                "sector_sum": total,
                "n_sectors": len(group),
                "difference": difference,
                "consistent": abs(difference) <= 1e-9 * max(1.0, abs(city_target)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator_code",
            "city_target",
            "sector_sum",
            "n_sectors",
            "difference",
            "consistent",
        ],
    )

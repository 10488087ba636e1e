"""From the store to a status per indicator: the numbers the CLI, pages and bulletin show."""

from dataclasses import dataclass, fields
from functools import cached_property

import pandas as pd

from kpi.base import config, periods
from kpi.measure import progress
from kpi.store import queries
from kpi.store.queries import Con

STATUS_COLUMNS = [
    "indicator_code",
    "actual",
    "target",
    "baseline",
    "completion",
    "expected_completion",
    "gap_points",
    "light",
    "projected",
    "projected_completion",
    "trend_label",
    "required_per_quarter",
]


def thresholds() -> progress.Thresholds:
    """The configured 序时进度 thresholds."""
    return progress.Thresholds(config.YELLOW_FROM_POINTS, config.RED_ABOVE_POINTS)


@dataclass(frozen=True)
class PlanData:
    """Everything about one plan that the status maths needs, read in one go."""

    plan: dict
    indicators: pd.DataFrame
    targets: pd.DataFrame
    milestones: pd.DataFrame
    figures: pd.DataFrame  # current city-wide and sector figures, periods <= as_of

    @cached_property
    def _defaults(self) -> dict[tuple[str, str | None], tuple[float, str]]:
        """(indicator, sector or None) -> the default target's value and the quarter it is due."""
        rows = self.targets[self.targets["is_default"]]
        return {
            (code, None if pd.isna(sector) else sector): (float(value), period)
            for code, sector, value, period in zip(
                rows["indicator_code"],
                rows["sector_code"],
                rows["value"],
                rows["period"],
                strict=True,
            )
        }

    @cached_property
    def _milestones(self) -> dict[tuple[str, str | None], dict[str, float]]:
        grouped: dict[tuple[str, str | None], dict[str, float]] = {}
        for code, sector, period, value in zip(
            self.milestones["indicator_code"],
            self.milestones["sector_code"],
            self.milestones["period"],
            self.milestones["value"],
            strict=True,
        ):
            grouped.setdefault((code, None if pd.isna(sector) else sector), {})[period] = float(
                value
            )
        return grouped

    @cached_property
    def semantics(self) -> dict[str, str]:
        return dict(
            zip(self.indicators["indicator_code"], self.indicators["semantics"], strict=True)
        )

    def default_target(self, code: str, sector: str | None = None) -> float | None:
        found = self._defaults.get((code, sector))
        return found[0] if found else None

    def due_period(self, code: str, sector: str | None = None) -> str:
        """The quarter the target falls due: its own period (a plan may set some targets for an
        earlier year than its end, e.g. Guangzhou's 2023 targets), never after the plan's end."""
        end = self.plan["end_period"]
        found = self._defaults.get((code, sector)) or self._defaults.get((code, None))
        return min(found[1], end) if found else end

    def milestones_of(self, code: str, sector: str | None = None) -> dict[str, float]:
        return dict(self._milestones.get((code, sector), {}))


def read_plan_data(con: Con, plan_id: str, as_of: str) -> PlanData:
    """Reference rows and figures in force up to `as_of` for one plan."""
    return PlanData(
        plan=queries.plan(con, plan_id),
        indicators=queries.indicators(con, plan_id),
        targets=queries.targets(con, plan_id),
        milestones=queries.milestones(con, plan_id),
        figures=queries.status_figures(con, plan_id, as_of),
    )


def default_as_of(con: Con, plan_id: str) -> str:
    """The latest quarter with data, never later than the current quarter."""
    latest = queries.latest_period(con, plan_id)
    current = periods.current_period()
    return min(latest, current) if latest else current


def indicator_input(
    data: PlanData, code: str, series: pd.DataFrame, target: float, sector: str | None = None
) -> progress.IndicatorInput:
    return progress.IndicatorInput(
        semantics=data.semantics[code],
        base_period=data.plan["base_period"],
        end_period=data.due_period(code, sector),
        target=target,
        milestones=data.milestones_of(code, sector),
        figures=dict(
            zip(series["period"].tolist(), series["value"].astype(float).tolist(), strict=True)
        ),
    )


def _city_rows(figures: pd.DataFrame) -> pd.DataFrame:
    return figures[figures["sector_code"].isna() & figures["district_code"].isna()]


def status_table(data: PlanData, as_of: str) -> pd.DataFrame:
    """One row per indicator (city-wide): the status numbers plus labels for display."""
    city = _city_rows(data.figures)
    by_code = dict(tuple(city.groupby("indicator_code")))
    empty = city.iloc[0:0]
    rows = []
    for ind in data.indicators.to_dict("records"):
        code = ind["indicator_code"]
        series = by_code.get(code, empty)
        target = data.default_target(code)
        status = progress.assess(indicator_input(data, code, series, target), as_of, thresholds())
        rows.append(
            {
                **status.as_dict(),
                "indicator_code": code,
                "is_demo": bool(series["is_demo"].any()) if not series.empty else False,
                "n_figures": len(series),
                **{
                    k: ind[k]
                    for k in (
                        "name_zh",
                        "name_en",
                        "category_zh",
                        "category_en",
                        "unit",
                        "unit_en",
                        "display_unit",
                        "display_unit_en",
                        "display_factor",
                        "semantics",
                        "sort_order",
                    )
                },
            }
        )
    frame = pd.DataFrame(rows)
    return frame[STATUS_COLUMNS + [c for c in frame.columns if c not in STATUS_COLUMNS]]


def sector_status_table(data: PlanData, as_of: str) -> pd.DataFrame:
    """One row per indicator x sector that has a sector target."""
    sector_targets = data.targets[data.targets["sector_code"].notna() & data.targets["is_default"]]
    figures = data.figures[
        data.figures["sector_code"].notna() & data.figures["district_code"].isna()
    ]
    grouped = dict(tuple(figures.groupby(["indicator_code", "sector_code"])))
    empty = figures.iloc[0:0]
    rows = []
    for target in sector_targets.to_dict("records"):
        key = (target["indicator_code"], target["sector_code"])
        series = grouped.get(key, empty)
        status = progress.assess(
            indicator_input(data, key[0], series, float(target["value"]), key[1]),
            as_of,
            thresholds(),
        )
        rows.append(
            {
                "indicator_code": key[0],
                "sector_code": key[1],
                "is_demo": bool(series["is_demo"].any()) if not series.empty else False,
                **status.as_dict(),
            }
        )
    # Typed columns also for a plan without sector targets (Guangzhou's), so pages can filter it.
    columns = [f.name for f in fields(progress.Status)]
    return pd.DataFrame(rows, columns=["indicator_code", "sector_code", "is_demo", *columns])


def indicator_status(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """The status table for a plan at a quarter, straight from the store."""
    return status_table(read_plan_data(con, plan_id, as_of), as_of)

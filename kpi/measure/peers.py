"""Peers of an indicator: the same code in the other loaded plans, and other cities' cited figures.

Numbers only, in the indicator's canonical unit: kpi.outputs.peer_tables shows them.
"""

import pandas as pd

from kpi.measure import progress
from kpi.store import queries
from kpi.store.queries import Con

OTHER_PLAN = "other_plan"
OTHER_CITY = "other_city"
PEER_COLUMNS = [
    "kind",
    "plan_id",
    "name_zh",
    "name_en",
    "start_period",
    "end_period",
    "target",
    "value",
    "period",
    "is_demo",
    "as_of",
    "value_as_written",
    "unit_as_written",
    "doc_no",
    "source_title_zh",
    "source_title_en",
    "source_ref",
    "note",
]


def peers(con: Con, plan_id: str, indicator_code: str, as_of: str) -> pd.DataFrame:
    """One row per other plan with this indicator, then one per cited figure of another city.

    A plan row has the plan's window, its default city-wide target (edits applied) and its
    measure at the latest quarter up to `as_of` (`value`, `period`), counted the plan's way from
    the figures in force for it (the same series; a different baseline for new_since_base). A
    city row has the figure as cited: `value` in the canonical unit, its date (`as_of`) and its
    document; `name_zh` / `name_en` are the city's name.
    """
    plans = queries.peer_plans(con, plan_id, indicator_code)
    return combine(
        indicator_code,
        plans,
        queries.peer_plan_figures(con, plan_id, indicator_code, as_of),
        {other: queries.targets(con, other) for other in plans["plan_id"]},
        queries.peer_figures(con, indicator_code),
    )


def combine(
    indicator_code: str,
    plans: pd.DataFrame,
    plan_figures: pd.DataFrame,
    targets: dict[str, pd.DataFrame],
    city_figures: pd.DataFrame,
) -> pd.DataFrame:
    """`peers` from the frames its queries return (the pages read them through their cache)."""
    rows = [
        _plan_row(
            plan,
            targets[plan["plan_id"]],
            indicator_code,
            plan_figures[plan_figures["plan_id"] == plan["plan_id"]],
        )
        for plan in plans.to_dict("records")
    ]
    # Two plans citing the same figure (a plan copied from another) show it once.
    cited = city_figures.drop_duplicates(["city_zh", "as_of", "value", "source_ref"])
    for figure in cited.to_dict("records"):
        rows.append(
            {
                **{k: figure.get(k) for k in PEER_COLUMNS if k in figure},
                "kind": OTHER_CITY,
                "name_zh": figure["city_zh"],
                "name_en": figure["city_en"],
                "as_of": pd.Timestamp(figure["as_of"]).date(),  # a day, not a moment
                "is_demo": False,
            }
        )
    return pd.DataFrame(rows, columns=PEER_COLUMNS)


def _plan_row(
    plan: dict, targets: pd.DataFrame, indicator_code: str, figures: pd.DataFrame
) -> dict:
    default = targets[
        (targets["indicator_code"] == indicator_code)
        & targets["sector_code"].isna()
        & targets["is_default"]
    ]
    measure = progress.measure_series(
        plan["semantics"],
        dict(zip(figures["period"], figures["value"].astype(float), strict=True)),
        plan["base_period"],
    )
    period = next(reversed(measure), None)
    return {
        "kind": OTHER_PLAN,
        **{k: plan[k] for k in ("plan_id", "name_zh", "name_en", "start_period", "end_period")},
        "target": float(default["value"].iloc[0]) if not default.empty else None,
        "value": measure[period] if period is not None else None,
        "period": period,
        "is_demo": bool(figures["is_demo"].any()),
    }

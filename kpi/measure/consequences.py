"""What a checked submission would change: cumulative, completion and light, before -> after.

The numbers are the status table's (assessment.status_table / sector_status_table), computed on
the figures in force and again with the submitted rows laid over them, as of each row's quarter.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.base.values import is_missing
from kpi.measure import assessment
from kpi.store import basis, db, queries
from kpi.store.queries import Con

# The preview lists at most this many rows (the check itself covers every row).
MAX_ROWS = 1000
KEY = ["indicator_code", "period", "sector_code", "district_code"]
COLUMNS = [
    "source_row",
    "indicator_code",
    "period",
    "sector_code",
    "district_code",
    "scope",  # 'indicator' (city-wide), 'sector' (a sector with its own target), 'breakdown'
    "value",
    "entered_basis",
    "quarter_value",
    "cumulative_value",
    "actual_before",
    "actual_after",
    "target",
    "completion_before",
    "completion_after",
    "light_before",
    "light_after",
]


def _keys(frame: pd.DataFrame) -> pd.Series:
    """One text per figure key (a missing sector or district is '')."""
    parts = [frame[c].where(frame[c].notna(), "").astype(str) for c in KEY]
    return parts[0].str.cat(parts[1:], sep="|")


def overlaid(data: assessment.PlanData, rows: pd.DataFrame, as_of: str) -> assessment.PlanData:
    """`data` with the city-wide and sector rows up to `as_of` in force instead of the stored
    figures of the same keys (district rows do not enter the status)."""
    new = rows[(rows["period"] <= as_of) & rows["district_code"].isna()]
    if new.empty:
        return data
    new = new[KEY + ["value"]].assign(is_demo=False, batch_id=np.nan, file_name=None)
    kept = data.figures[~_keys(data.figures).isin(set(_keys(new)))]
    figures = pd.concat([kept, new.astype({"value": float})], ignore_index=True)
    return dataclasses.replace(data, figures=figures)


def _only(data: assessment.PlanData, codes: set[str]) -> assessment.PlanData:
    """`data` reduced to the indicators `codes` (the status maths runs per indicator)."""
    return dataclasses.replace(
        data,
        indicators=data.indicators[data.indicators["indicator_code"].isin(codes)],
        targets=data.targets[data.targets["indicator_code"].isin(codes)],
    )


def _status(data: assessment.PlanData, as_of: str) -> dict[tuple, dict]:
    """(indicator, sector or None) -> status row, city-wide and per sector with a target."""
    found = {
        (r["indicator_code"], None): r
        for r in assessment.status_table(data, as_of).to_dict("records")
    }
    sectors = assessment.sector_status_table(data, as_of)
    found |= {(r["indicator_code"], r["sector_code"]): r for r in sectors.to_dict("records")}
    return found


def consequences(con: Con, plan_id: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Per checked row (the first MAX_ROWS): the value entered and what it changes.

    `rows` are a check's rows (kpi.store.ingest: value as stored; with kpi.store.basis the
    entered basis, quarter_value, cumulative_value and cumulative_before). A city-wide row shows
    the indicator's status before -> after, a sector row with a sector target the sector's; any
    other breakdown row shows its cumulative only (it moves no light).
    """
    rows = rows.copy()
    for column in ("sector_code", "district_code"):  # '' and None both mean city-wide
        rows[column] = rows[column].where(rows[column].notna() & (rows[column] != ""), None)
    shown = rows.head(MAX_ROWS)
    shown = shown.assign(_key=_keys(shown))
    stored = _stored_cumulatives(con, plan_id, shown)
    indicators = queries.indicators(con, plan_id)
    levels = set(indicators.loc[indicators["semantics"] == "level", "indicator_code"])
    out = []
    for as_of in sorted(shown["period"].unique()):
        at = shown[shown["period"] == as_of]
        data = _only(assessment.read_plan_data(con, plan_id, as_of), set(at["indicator_code"]))
        before = _status(data, as_of)
        after = _status(overlaid(data, rows, as_of), as_of)
        for row in at.to_dict("records"):
            out.append(_consequence(row, before, after, stored, levels))
    frame = pd.DataFrame(out, columns=COLUMNS)
    order = shown["source_row"].tolist()
    return frame.set_index("source_row").loc[order].reset_index()[COLUMNS]


def _stored_cumulatives(con: Con, plan_id: str, rows: pd.DataFrame) -> dict[str, float]:
    """Figure key -> the cumulative in force at that quarter (kpi.store.basis), for the rows
    that replace a stored figure: a breakdown's 'before' includes the figure it replaces."""
    if rows.empty:
        return {}
    plan = queries.plan(con, plan_id)
    figures = queries.current_figures(con, plan_id, rows["period"].max())
    figures = figures[figures["indicator_code"].isin(set(rows["indicator_code"]))]
    known = basis.with_cumulative(figures, queries.indicators(con, plan_id), plan["base_period"])
    return dict(zip(_keys(known), known["cumulative_value"], strict=True))


def _consequence(
    row: dict, before: dict, after: dict, stored: dict[str, float], levels: set[str]
) -> dict:
    sector, district = row["sector_code"], row["district_code"]
    key = (row["indicator_code"], sector if district is None else "-")
    scope = "breakdown"
    if district is None and key in before:
        scope = "indicator" if sector is None else "sector"
    out = {c: row.get(c, np.nan) for c in COLUMNS if c in row or c in KEY}
    out |= {"source_row": row["source_row"], "scope": scope}
    out.setdefault("entered_basis", "declared")
    if scope == "breakdown":
        out["actual_before"] = stored.get(row["_key"], row.get("cumulative_before", np.nan))
        after_value = row.get("cumulative_value", np.nan)
        if is_missing(after_value) and row["indicator_code"] in levels:
            after_value = row["value"]  # a level's figure is its cumulative
        out["actual_after"] = after_value
        return out
    old, new = before[key], after[key]
    out |= {
        "actual_before": old["actual"],
        "actual_after": new["actual"],
        "target": new["target"],
        "completion_before": old["completion"],
        "completion_after": new["completion"],
        "light_before": old["light"],
        "light_after": new["light"],
    }
    return out


def moved_lights(frame: pd.DataFrame) -> int:
    """How many rows change a light."""
    lit = frame["light_before"].notna() & frame["light_after"].notna()
    return int((lit & (frame["light_before"] != frame["light_after"])).sum())


def read_consequences(path: Path | str | None, plan_id: str, rows: pd.DataFrame) -> pd.DataFrame:
    """`consequences` on a short-lived read connection."""
    with db.read(path) as con:
        return consequences(con, plan_id, rows)

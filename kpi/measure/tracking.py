"""The reporting calendar and submission tracking: when a quarter is due, who has reported it
(按时 / 逾期 / 未报 / 待报, or only demo figures) and whom to chase."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from kpi.base import config, i18n, periods
from kpi.store import db, intake, queries
from kpi.store.queries import Con

# ------------------------------------------------------------------ the reporting calendar

# Per unit and indicator for a quarter, worst first: nothing submitted after the due date,
# submitted after it, not due yet, only demo figures (no real submission time), on time.
MISSING, LATE, NOT_DUE, DEMO, ON_TIME = "missing", "late", "not_due", "demo", "on_time"
STATES = (MISSING, LATE, NOT_DUE, DEMO, ON_TIME)
REPORTED = (LATE, DEMO, ON_TIME)  # somebody submitted (or demo figures stand in)
SHOWN_ORDER = (ON_TIME, LATE, MISSING, NOT_DUE, DEMO)  # as tables and counts list them
PENDING_REVIEW, RETURNED, APPROVED = "pending", "returned", "approved"

STATUS_COLUMNS = [
    "unit_zh",
    "unit_en",
    "indicator_code",
    "name_zh",
    "name_en",
    "period",
    "due_date",
    "state",
    "days_overdue",
    "submitted_at",
    "submitted_by",
    "submitted_unit",
    "review_state",
    "figures",
]
SUMMARY_COLUMNS = [
    "unit_zh",
    "unit_en",
    *STATES,
    "reported",
    "worst",
    "unreported_zh",
    "unreported_en",
]
LATE_COLUMNS = [
    "unit_zh",
    "unit_en",
    "period",
    "due_date",
    "days_overdue",
    "missing",
    "indicator_codes",
    "indicators_zh",
    "indicators_en",
]


def due_date(period: str) -> date:
    """The day a quarter's figures are due: config.REPORT_DUE_DAYS days after it ends."""
    return periods.quarter_end(period) + timedelta(days=config.REPORT_DUE_DAYS)


def plan_bounds(plan: Mapping) -> tuple[str, str | None]:
    """The plan's first quarter (start_period, else the one after its base) and its last."""
    start = plan.get("start_period")
    first = start if isinstance(start, str) and start else None
    if first is None:
        first = periods.add_quarters(str(plan["base_period"]), 1)
    end = plan.get("end_period")
    return first, end if isinstance(end, str) and end else None


def due_quarter(plan: Mapping | None = None, today: date | None = None) -> str:
    """The quarter staff report on at `today`: the last quarter that has ended, never before the
    plan's first quarter nor after its last (figures outside the plan are not assessed)."""
    quarter = periods.add_quarters(periods.current_period(today), -1)
    if not plan:
        return quarter
    first, last = plan_bounds(plan)
    return max(first, min(quarter, last or quarter))


def reporting_period(plan: Mapping | None = None, today: date | None = None) -> str:
    """The due quarter (the default quarter of every form and template)."""
    return due_quarter(plan, today)


def period_choices(plan: Mapping, today: date | None = None) -> list[str]:
    """The plan's quarters up to the due quarter, newest (the due quarter) first.

    The running quarter is not offered: it is reported after it ends, when it becomes due.
    """
    first, _last = plan_bounds(plan)
    return periods.period_range(first, due_quarter(plan, today))[::-1]


def responsible_pairs(con: Con, plan_id: str) -> pd.DataFrame:
    """unit_zh, unit_en, indicator_code: each indicator under each unit of its task groups, the
    collective county unit expanded to every county; an indicator without one under None."""
    owners = intake.indicator_units(con, plan_id)
    counties = intake.county_units(con, plan_id)
    units = queries.responsible_units(con, plan_id)
    english = dict(zip(units["unit_zh"], units["unit_en"], strict=True))
    rows = [
        (unit, english.get(unit) or unit, code)
        for code in queries.indicators(con, plan_id)["indicator_code"]
        for unit in intake.expand_units(owners.get(code, []), counties) or [None]
    ]
    return pd.DataFrame(rows, columns=["unit_zh", "unit_en", "indicator_code"])


def _first_submissions(submissions: pd.DataFrame, quarters: list[str]) -> pd.DataFrame:
    """Per quarter and indicator: its first real submission (or, with none, its first demo
    one), whether all are demo, the latest one's review state and the most figures written."""
    keys = ["period", "indicator_code"]
    rows = submissions[submissions["period"].isin(quarters)].sort_values(
        [*keys, "is_demo", "loaded_at", "batch_id"], kind="stable"
    )
    columns = ["loaded_at", "user_name", "unit_zh", "is_demo", "review_state", "figures"]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, *columns]).set_index(keys)
    grouped = rows.groupby(keys, sort=False)
    first = grouped.head(1).set_index(keys)  # real before demo: is_demo sorts last
    latest = rows.sort_values(["loaded_at", "batch_id"], kind="stable").groupby(keys)
    first["review_state"] = latest["review_state"].last()
    first["figures"] = grouped["figures"].max()
    return first[columns]


def reporting_status(
    pairs: pd.DataFrame,
    indicators: pd.DataFrame,
    submissions: pd.DataFrame,
    period: str | list[str],
    today: date | None = None,
) -> pd.DataFrame:
    """One row per responsible unit and indicator for `period` (STATUS_COLUMNS); for a list of
    quarters, theirs one after the other.

    An indicator counts as reported for all its units once anyone submitted a figure for it
    (the unit, another responsible unit or the bureau): 按时 when the first real submission was
    on or before the due date, 逾期 after it; demo batches are no submission time (演示数据);
    with none, 未报 once the due date has passed, else 待报.
    """
    today = today or date.today()
    quarters = [period] if isinstance(period, str) else list(period)
    if not quarters:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    first = _first_submissions(submissions, quarters)
    named = pairs.merge(
        indicators[["indicator_code", "name_zh", "name_en", "sort_order"]], on="indicator_code"
    )
    out = pd.concat(
        [named.assign(period=q, _quarter=n) for n, q in enumerate(quarters)], ignore_index=True
    )
    found = first.reindex(pd.MultiIndex.from_frame(out[["period", "indicator_code"]]))
    submitted = found["loaded_at"].notna().to_numpy()
    demo = found["is_demo"].fillna(False).astype(bool).to_numpy()
    due = {q: due_date(q) for q in quarters}
    # On time: any time of the due date itself.
    deadline = out["period"].map({q: pd.Timestamp(d + timedelta(days=1)) for q, d in due.items()})
    on_or_before = (pd.to_datetime(found["loaded_at"]).to_numpy() < deadline.to_numpy()).tolist()
    overdue = out["period"].map({q: max((today - d).days, 0) for q, d in due.items()}).tolist()
    state = [
        (DEMO if is_demo else ON_TIME if in_time else LATE)
        if was_submitted
        else (MISSING if days else NOT_DUE)
        for was_submitted, is_demo, in_time, days in zip(
            submitted, demo, on_or_before, overdue, strict=True
        )
    ]
    out = out.assign(
        due_date=out["period"].map(due),
        state=state,
        days_overdue=[days if s == MISSING else 0 for s, days in zip(state, overdue, strict=True)],
        submitted_at=found["loaded_at"].to_numpy(),
        submitted_by=found["user_name"].to_numpy(),
        submitted_unit=found["unit_zh"].to_numpy(),
        review_state=found["review_state"].to_numpy(),
        figures=found["figures"].fillna(0).astype(int).to_numpy(),
    )
    rank = out["state"].map({s: i for i, s in enumerate(STATES)})
    out = out.assign(_rank=rank).sort_values(
        ["_quarter", "_rank", "unit_zh", "sort_order"], kind="stable"
    )
    return out[STATUS_COLUMNS].reset_index(drop=True)


def indicator_counts(status: pd.DataFrame) -> dict[str, int]:
    """Indicators of a quarter's status: total, reported for real (on time or late), with demo
    figures only (neither), unreported (nobody has submitted, due or not)."""
    states = status.groupby("indicator_code")["state"].first()
    reported = int(states.isin([ON_TIME, LATE]).sum())
    demo = int((states == DEMO).sum())
    total = len(states)
    return {
        "total": total,
        "reported": reported,
        "demo": demo,
        "unreported": total - reported - demo,
    }


def unit_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Per unit: indicators in each state, how many are reported, the worst state and the
    indicators not yet reported (未报 and 待报); worst units first."""
    if status.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    named = status[status["unit_zh"].notna()]
    counts = pd.crosstab(named["unit_zh"], named["state"]).reindex(
        columns=list(STATES), fill_value=0
    )
    out = counts.rename_axis(columns=None).reset_index()
    out["unit_en"] = out["unit_zh"].map(dict(zip(named["unit_zh"], named["unit_en"], strict=True)))
    out["reported"] = out[list(REPORTED)].sum(axis=1)
    out["worst"] = [next(s for s in STATES if row[s]) for row in out.to_dict("records")]
    open_rows = named[named["state"].isin([MISSING, NOT_DUE])].groupby("unit_zh", sort=False)
    for lang in i18n.LANGS:
        names = open_rows[f"name_{lang}"].agg(lambda n, lang=lang: i18n.join(list(n), lang))
        out[f"unreported_{lang}"] = [names.get(unit, "") for unit in out["unit_zh"]]
    rank = out["worst"].map({s: i for i, s in enumerate(STATES)})
    out = out.assign(_rank=rank, _open=out[MISSING] + out[LATE] + out[NOT_DUE])
    out = out.sort_values(["_rank", "_open", "unit_zh"], ascending=[True, False, True])
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


def tracking_quarters(plan: Mapping, today: date | None = None) -> list[str]:
    """The plan's quarters up to the due quarter whose due date has passed at `today`."""
    today = today or date.today()
    first, _last = plan_bounds(plan)
    return [q for q in periods.period_range(first, due_quarter(plan, today)) if due_date(q) < today]


def late_reports(status: pd.DataFrame) -> pd.DataFrame:
    """Per unit and quarter of `status` (reporting_status rows of one or more quarters): the
    indicators nobody has reported by their due date (LATE_COLUMNS), longest overdue first.
    Demo figures count as reported: they are no evidence of lateness."""
    rows = status[(status["state"] == MISSING) & status["unit_zh"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=LATE_COLUMNS)
    out = (
        rows.groupby(["unit_zh", "period"], sort=False)
        .agg(
            unit_en=("unit_en", "first"),
            due_date=("due_date", "first"),
            days_overdue=("days_overdue", "max"),
            missing=("indicator_code", "size"),
            indicator_codes=("indicator_code", tuple),
            indicators_zh=("name_zh", lambda n: i18n.join(list(n), "zh")),
            indicators_en=("name_en", lambda n: i18n.join(list(n), "en")),
        )
        .reset_index()
    )
    out = out.sort_values(
        ["days_overdue", "missing", "unit_zh"], ascending=[False, False, True], kind="stable"
    )
    return out[LATE_COLUMNS].reset_index(drop=True)


def read_reporting_status(
    path: Path | str | None, plan_id: str, period: str, today: date | None = None
) -> pd.DataFrame:
    """`reporting_status` of a quarter on a short-lived connection."""
    with db.read(path) as con:
        return reporting_status(
            responsible_pairs(con, plan_id),
            queries.indicators(con, plan_id),
            queries.figure_submissions(con, plan_id),
            period,
            today,
        )


def calendar_status(con: Con, plan_id: str, today: date | None = None) -> pd.DataFrame:
    """reporting_status of every quarter of the plan past its due date at `today`, in one frame."""
    pairs = responsible_pairs(con, plan_id)
    indicators = queries.indicators(con, plan_id)
    submissions = queries.figure_submissions(con, plan_id)
    quarters = tracking_quarters(queries.plan(con, plan_id), today)
    return reporting_status(pairs, indicators, submissions, quarters, today)


def late_reports_from_store(con: Con, plan_id: str, today: date | None = None) -> pd.DataFrame:
    """`late_reports` of every quarter of the plan past its due date at `today`."""
    return late_reports(calendar_status(con, plan_id, today))


def demo_quarters(status: pd.DataFrame) -> list[str]:
    """The quarters of `status` with an indicator whose figures all come from demo batches."""
    return sorted(set(status.loc[status["state"] == DEMO, "period"]))


def read_calendar(
    path: Path | str | None, plan_id: str, today: date | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """On a short-lived connection: the late reports at `today`, and the quarters past their due
    date with demo figures (neither on time nor late)."""
    with db.read(path) as con:
        status = calendar_status(con, plan_id, today)
    return late_reports(status), demo_quarters(status)

"""预警督办清单 / Warning list: per responsible unit, its red and yellow indicators and its overdue
or delayed (滞后) sub-tasks, since when each has been on the list and how far it is escalated.

Pure pandas over frames from kpi.store.queries, kpi.measure.assessment and kpi.measure.tasks.

- An indicator is on the list at a quarter when its city-wide light is red or yellow there; it is
  listed under every unit responsible for a sub-task linked to it (indicator_tasks).
- A sub-task is on the list when the task board flags it overdue (delayed, or not reported in the
  quarter and not done; see kpi.measure.tasks), under each of its units.
- A warning persists while it stays on the list quarter after quarter, walking back from the as-of
  quarter no further than the plan's first quarter (for sub-tasks, nor before the first task
  update). Moving between red and yellow, or between delayed and not reported, does not restart
  it; `trail` keeps the state of every quarter of the run.
- Escalation: a red notice (红色督办) once it has persisted config.RED_NOTICE_FROM_QUARTERS
  quarters, else a yellow notice (黄色提示). Notices are counted per unit and warning.
- Late reports (逾期未报) are their own section, kept apart from the notices: per unit and quarter
  past its due date, the indicators nobody has reported (kpi.measure.tracking.late_reports).
  They depend on the date, not on the as-of quarter.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from kpi.base import config, i18n, periods
from kpi.base.values import as_list
from kpi.measure import assessment, progress, tracking
from kpi.measure import tasks as measure_tasks
from kpi.measure.assessment import PlanData
from kpi.store import queries
from kpi.store.queries import Con

INDICATOR, TASK, LATE_REPORT = "indicator", "task", "report"
RED_NOTICE, YELLOW_NOTICE = "red_notice", "yellow_notice"
ESCALATIONS = (RED_NOTICE, YELLOW_NOTICE)
WARNING_LIGHTS = tuple(progress.BEHIND_RANK)  # red and yellow; missed once the plan has ended

# Most serious first: red light, yellow light, delayed, not reported.
_STATE_RANK = {
    progress.RED: 0,
    progress.MISSED: 0,
    progress.YELLOW: 1,
    measure_tasks.REASON_DELAYED: 2,
    measure_tasks.REASON_NOT_REPORTED: 3,
}
WARNING_COLUMNS = [
    "unit_zh",
    "unit_en",
    "escalation",
    "kind",
    "ref",
    "name_zh",
    "name_en",
    "state",
    "since",
    "quarters",
    "trail",
    "actual",
    "target",
    "completion",
    "expected_completion",
    "gap_points",
    "value_unit",
    "data_period",
    "linked_tasks",
    "task_status",
    "last_period",
    "is_demo",
]
SUMMARY_COLUMNS = [
    "unit_zh",
    "unit_en",
    RED_NOTICE,
    YELLOW_NOTICE,
    "indicators",
    "tasks",
    "longest",
    "since",
]


def escalation(quarters: int, red_from: int | None = None) -> str:
    """RED_NOTICE once a warning has persisted `red_from` quarters (config default), else yellow."""
    threshold = config.RED_NOTICE_FROM_QUARTERS if red_from is None else red_from
    return RED_NOTICE if quarters >= threshold else YELLOW_NOTICE


def first_quarter(plan: Mapping[str, Any]) -> str:
    """The plan's first quarter: start_period, else the quarter after the base period."""
    start = plan.get("start_period")
    if isinstance(start, str) and start:
        return start
    return periods.add_quarters(plan["base_period"], 1)


def walk_back(state_at: Callable[[str], str | None], as_of: str, first: str) -> list[str]:
    """States of the unbroken run of warning quarters ending at `as_of`, oldest first.

    `state_at(q)` is the warning state at quarter q, or None when there is no warning. The walk
    stops at the first quarter without one, or after `first`. Empty when there is none at as_of.
    """
    trail: list[str] = []
    quarter = as_of
    while (state := state_at(quarter)) is not None:
        trail.append(state)
        if quarter <= first:
            break
        quarter = periods.add_quarters(quarter, -1)
    return trail[::-1]


def indicator_trails(data: PlanData, status: pd.DataFrame, as_of: str) -> dict[str, list[str]]:
    """Each red or yellow indicator at `as_of`: its lights over its run of warning quarters.

    Earlier quarters are assessed with the figures in force now (progress.assess ignores figures
    after the quarter it assesses), so each light equals `python -m etl status --as-of` there.
    """
    first = first_quarter(data.plan)
    figures = data.figures
    city = figures[figures["sector_code"].isna() & figures["district_code"].isna()]
    groups = dict(tuple(city.groupby("indicator_code")))
    thresholds = assessment.thresholds()
    trails = {}
    for row in status[status["light"].isin(WARNING_LIGHTS)].to_dict("records"):
        code = row["indicator_code"]
        series = groups.get(code, city.iloc[0:0])
        ind = assessment.indicator_input(data, code, series, data.default_target(code))

        def light_at(quarter: str, ind=ind, now=row["light"]) -> str | None:
            light = now if quarter == as_of else progress.assess(ind, quarter, thresholds).light
            return light if light in WARNING_LIGHTS else None

        trails[code] = walk_back(light_at, as_of, first)
    return trails


def latest_updates(updates: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Each sub-task's latest update up to `as_of`, as queries.latest_task_status gives it."""
    keys = ["group_no", "subtask_no"]
    rows = updates[updates["period"] <= as_of]
    rows = rows.sort_values([*keys, "period", "update_id"], kind="stable")
    latest = rows.groupby(keys, sort=True).tail(1)
    return latest.rename(columns={"period": "last_period"}).reset_index(drop=True)


def overdue_reason(status: str | None, last_period: str | None, quarter: str) -> str | None:
    """Why a sub-task is overdue at `quarter` given its latest update then, or None.

    The rule of kpi.measure.tasks.build_board (tests check that they agree): delayed when the latest
    status is delayed; not reported when there is no update in the quarter and it is not done.
    """
    if status == measure_tasks.DELAYED:
        return measure_tasks.REASON_DELAYED
    if last_period != quarter and status != measure_tasks.DONE:
        return measure_tasks.REASON_NOT_REPORTED
    return None


def task_trails(
    updates: pd.DataFrame, board: pd.DataFrame, as_of: str, first: str
) -> dict[str, list[str]]:
    """Each overdue sub-task of `board` (at `as_of`): its overdue reasons over its run.

    `updates` is the status history (queries.task_updates). The walk stops at `first` and never
    goes before the first task update: before reporting began nobody could be late with it.
    """
    # No update at all: nobody has reported yet, so only the as-of quarter counts.
    reporting_began = str(updates["period"].min()) if not updates.empty else as_of
    first = max(first, min(reporting_began, as_of))
    ordered = updates.sort_values(["group_no", "subtask_no", "period", "update_id"], kind="stable")
    history: dict[str, tuple[list[str], list[str]]] = {}
    for group, sub, period, status in zip(
        ordered["group_no"],
        ordered["subtask_no"],
        ordered["period"],
        ordered["status"],
        strict=True,
    ):
        quarters, statuses = history.setdefault(f"{group}({sub})", ([], []))
        quarters.append(str(period))
        statuses.append(str(status))

    def reason_at(ref: str, quarter: str) -> str | None:
        quarters, statuses = history.get(ref, ([], []))
        latest = bisect.bisect_right(quarters, quarter) - 1
        if latest < 0:
            return overdue_reason(None, None, quarter)
        return overdue_reason(statuses[latest], quarters[latest], quarter)

    overdue = board[board["overdue"].astype(bool)]
    return {
        ref: walk_back(
            lambda q, ref=ref, now=now: now if q == as_of else reason_at(ref, q), as_of, first
        )
        for ref, now in zip(overdue["task_ref"], overdue["overdue_reason"], strict=True)
    }


def _linked_units(
    indicator_tasks: pd.DataFrame, tasks: pd.DataFrame
) -> dict[str, dict[str, list[str]]]:
    """indicator_code -> {unit_zh: [task refs linking the indicator to that unit]}, in order."""
    links = indicator_tasks.merge(
        tasks[["group_no", "subtask_no", "units"]], on=["group_no", "subtask_no"], how="left"
    )
    out: dict[str, dict[str, list[str]]] = {}
    for code, group, sub, units in zip(
        links["indicator_code"], links["group_no"], links["subtask_no"], links["units"], strict=True
    ):
        by_unit = out.setdefault(code, {})
        for unit in as_list(units):
            by_unit.setdefault(unit, []).append(f"{group}({sub})")
    return out


def _no_unit() -> tuple[str, str]:
    return i18n.t("warnings.no_unit", "zh"), i18n.t("warnings.no_unit", "en")


def _trail_fields(trail: list[str], as_of: str) -> dict[str, Any]:
    quarters = len(trail)
    return {
        "since": periods.add_quarters(as_of, 1 - quarters),
        "quarters": quarters,
        "trail": tuple(trail),
        "escalation": escalation(quarters),
        "state": trail[-1],
    }


def _indicator_rows(
    status: pd.DataFrame,
    trails: dict[str, list[str]],
    linked: dict[str, dict[str, list[str]]],
    unit_en: dict[str, str],
    as_of: str,
) -> list[dict]:
    rows = []
    for row in status[status["light"].isin(WARNING_LIGHTS)].to_dict("records"):
        code = row["indicator_code"]
        units = linked.get(code) or {_no_unit()[0]: []}
        for unit, refs in units.items():
            rows.append(
                {
                    "unit_zh": unit,
                    "unit_en": unit_en.get(unit, unit),
                    "kind": INDICATOR,
                    "ref": code,
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    **_trail_fields(trails[code], as_of),
                    **{k: row[k] for k in ("actual", "target", "completion", "gap_points")},
                    "expected_completion": row["expected_completion"],
                    "value_unit": row["unit"],
                    "data_period": row.get("data_period"),
                    "linked_tasks": tuple(dict.fromkeys(refs)),
                    "task_status": None,
                    "last_period": None,
                    "is_demo": bool(row["is_demo"]),
                    "_order": row["sort_order"],
                }
            )
    return rows


def _task_rows(board: pd.DataFrame, trails: dict[str, list[str]], as_of: str) -> list[dict]:
    rows = []
    for row in board[board["overdue"].astype(bool)].to_dict("records"):
        pairs = list(zip(row["units"], row["units_en"], strict=True)) or [_no_unit()]
        for unit, unit_en in pairs:
            rows.append(
                {
                    "unit_zh": unit,
                    "unit_en": unit_en,
                    "kind": TASK,
                    "ref": row["task_ref"],
                    "name_zh": row["text_zh"],
                    "name_en": row["text_en"],
                    **_trail_fields(trails[row["task_ref"]], as_of),
                    "linked_tasks": (),
                    "task_status": row["status"],
                    "last_period": row["last_period"],
                    "is_demo": bool(row["is_demo"]),
                    "_order": int(row["group_no"]) * 1000 + int(row["subtask_no"]),
                }
            )
    return rows


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Most serious units first (red notices, then all notices, then the longest), then within a
    unit red notices, longest first, indicators before sub-tasks, worst state, most behind."""
    red = frame["escalation"] == RED_NOTICE
    per_unit = frame.assign(red=red).groupby("unit_zh")
    frame = frame.assign(
        _unit_red=per_unit["red"].transform("sum"),
        _unit_total=per_unit["ref"].transform("size"),
        _unit_longest=per_unit["quarters"].transform("max"),
        _red=red,
        _kind=(frame["kind"] == TASK).astype(int),
        _state=frame["state"].map(_STATE_RANK),
        _gap=frame["gap_points"].astype(float).fillna(float("-inf")),
    )
    frame = frame.sort_values(
        [
            "_unit_red",
            "_unit_total",
            "_unit_longest",
            "unit_zh",
            "_red",
            "quarters",
            "_kind",
            "_state",
            "_gap",
            "_order",
        ],
        ascending=[False, False, False, True, False, False, True, True, False, True],
        kind="stable",
    )
    return frame[WARNING_COLUMNS].reset_index(drop=True)


def warning_list(
    data: PlanData,
    tasks: pd.DataFrame,
    task_updates: pd.DataFrame,
    indicator_tasks: pd.DataFrame,
    responsible_units: pd.DataFrame,
    as_of: str,
    *,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per responsible unit and warning, most serious unit first (WARNING_COLUMNS).

    Args:
        data: assessment.read_plan_data at `as_of`.
        tasks: queries.tasks(); task_updates: queries.task_updates() up to `as_of`.
        indicator_tasks, responsible_units: the reference tables of the plan.
        status: assessment.status_table(data, as_of) when the caller already has it.
    Numbers (actual, target, completion, expected_completion, gap_points) are the status
    table's; `trail` holds the state of each quarter of the run, oldest first.
    """
    status = assessment.status_table(data, as_of) if status is None else status
    unit_en = dict(zip(responsible_units["unit_zh"], responsible_units["unit_en"], strict=True))
    unit_en.setdefault(*_no_unit())
    board = measure_tasks.build_board(tasks, latest_updates(task_updates, as_of), as_of, unit_en)
    rows = _indicator_rows(
        status,
        indicator_trails(data, status, as_of),
        _linked_units(indicator_tasks, tasks),
        unit_en,
        as_of,
    )
    trails = task_trails(task_updates, board, as_of, first_quarter(data.plan))
    rows += _task_rows(board, trails, as_of)
    if not rows:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return _sorted(pd.DataFrame(rows).reindex(columns=[*WARNING_COLUMNS, "_order"]))


def warning_list_from_store(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """The warning list of a plan at a quarter, straight from the store."""
    return warning_list(
        assessment.read_plan_data(con, plan_id, as_of),
        queries.tasks(con, plan_id),
        queries.task_updates(con, plan_id, as_of),
        queries.indicator_tasks(con, plan_id),
        queries.responsible_units(con, plan_id),
        as_of,
    )


def export_frame(warnings: pd.DataFrame, late: pd.DataFrame | None = None) -> pd.DataFrame:
    """The list for `python -m etl export warnings`: trail and linked tasks as plain text; the
    late reports (tracking.LATE_COLUMNS), when given, follow as rows of kind LATE_REPORT with
    the quarter as `ref`, the missing indicators' names and codes, due date and days overdue."""
    out = warnings.copy()
    out["trail"] = out["trail"].map(">".join)
    out["linked_tasks"] = out["linked_tasks"].map(",".join)
    if late is None:
        return out
    reports = pd.DataFrame(
        {
            "unit_zh": late["unit_zh"],
            "unit_en": late["unit_en"],
            "kind": LATE_REPORT,
            "ref": late["period"],
            "name_zh": late["indicators_zh"],
            "name_en": late["indicators_en"],
            "state": tracking.MISSING,
            "since": late["period"],
            "linked_tasks": "",
            "is_demo": False,
            "due_date": late["due_date"].astype(str),
            "days_overdue": late["days_overdue"],
            "missing": late["missing"],
            "indicator_codes": late["indicator_codes"].map(",".join),
        }
    )
    frames = [frame for frame in (out, reports) if not frame.empty]
    columns = [*out.columns, "due_date", "days_overdue", "missing", "indicator_codes"]
    combined = pd.concat(frames, ignore_index=True) if frames else out
    # Whole numbers stay whole beside the blanks of the other kind's rows.
    whole = [c for c in out.columns if pd.api.types.is_integer_dtype(out[c])]
    return combined.reindex(columns=columns).astype(
        dict.fromkeys([*whole, "days_overdue", "missing"], "Int64")
    )


def export_from_store(
    con: Con, plan_id: str, as_of: str, today: date | None = None
) -> pd.DataFrame:
    """`export_frame` of the warning list at `as_of` and the late reports at `today`."""
    return export_frame(
        warning_list_from_store(con, plan_id, as_of),
        tracking.late_reports_from_store(con, plan_id, today),
    )


def notice_counts(warnings: pd.DataFrame) -> dict[str, int]:
    """The counts only the warning list knows (series.counts adds the indicator and task counts).

    warning_units: units with any warning, each once (the placeholder of an indicator without a
    linked unit is not a unit); indicator_units / task_units: units with a red or yellow
    indicator / with an overdue sub-task; warned_indicators / warned_tasks: distinct indicators and
    sub-tasks on the list; notices, red_notice, yellow_notice: rows of the list, one per unit and
    warning (an indicator linked to five units makes five notices).
    """
    units = warnings[warnings["unit_zh"] != _no_unit()[0]]
    return {
        "warned_indicators": int(warnings.loc[warnings["kind"] == INDICATOR, "ref"].nunique()),
        "warned_tasks": int(warnings.loc[warnings["kind"] == TASK, "ref"].nunique()),
        "warning_units": int(units["unit_zh"].nunique()),
        "indicator_units": int(units.loc[units["kind"] == INDICATOR, "unit_zh"].nunique()),
        "task_units": int(units.loc[units["kind"] == TASK, "unit_zh"].nunique()),
        "notices": len(warnings),
        RED_NOTICE: int((warnings["escalation"] == RED_NOTICE).sum()),
        YELLOW_NOTICE: int((warnings["escalation"] == YELLOW_NOTICE).sum()),
    }


def unit_summary(warnings: pd.DataFrame) -> pd.DataFrame:
    """Per unit, in the list's order: notices by escalation, indicators, sub-tasks, longest run."""
    if warnings.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = warnings.assign(
        **{e: warnings["escalation"] == e for e in ESCALATIONS},
        indicators=warnings["kind"] == INDICATOR,
        tasks=warnings["kind"] == TASK,
    ).groupby("unit_zh", sort=False)
    summary = grouped.agg(
        unit_en=("unit_en", "first"),
        **{e: (e, "sum") for e in ESCALATIONS},
        indicators=("indicators", "sum"),
        tasks=("tasks", "sum"),
        longest=("quarters", "max"),
        since=("since", "min"),
    ).reset_index()
    for column in (*ESCALATIONS, "indicators", "tasks", "longest"):
        summary[column] = summary[column].astype(int)
    return summary[SUMMARY_COLUMNS]


def unit_options(warnings: pd.DataFrame) -> list[str]:
    """Units (Chinese names) in the list's order, most serious first."""
    return list(dict.fromkeys(warnings["unit_zh"]))


def filter_list(
    warnings: pd.DataFrame,
    *,
    units: list[str] | None = None,
    escalations: list[str] | None = None,
) -> pd.DataFrame:
    """Rows of the given units and escalation levels; an empty selection does not filter."""
    shown = warnings
    if units:
        shown = shown[shown["unit_zh"].isin(list(units))]
    if escalations:
        shown = shown[shown["escalation"].isin(list(escalations))]
    return shown

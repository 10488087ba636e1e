"""kpi.measure.alerts (预警督办清单): persistence, escalation and units on a hand-built plan, then
the demo database checked against `etl status` and the task board quarter by quarter."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.cli import main as etl_main
from kpi.base import i18n, periods
from kpi.measure import alerts, assessment
from kpi.measure import tasks as measure_tasks
from kpi.measure.assessment import PlanData
from kpi.outputs import alert_tables, exports
from kpi.store import db, queries

AS_OF = "2025Q1"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLAN = {
    "plan_id": "p",
    "name_zh": "测试规划",
    "name_en": "Test plan",
    "base_period": "2022Q4",
    "start_period": "2023Q1",
    "end_period": "2025Q4",
}
QUARTERS = periods.period_range("2022Q4", AS_OF)
# Level indicators, baseline 0 and target 100 at 2025Q4: the expected completion k quarters after
# the base is k/12 (8.3 %, 16.7 %, ... 75 % at 2025Q1). Yellow from 10 points behind, red above 30.
ON_PATH = [round(k * 100 / 12, 1) for k in range(len(QUARTERS))]
FIGURES = {
    # green up to 2024Q1, red 2024Q2-2024Q4 (35, 38.3, 36.7 points behind), yellow 2025Q1 (20)
    "alpha": ON_PATH[:6] + [15, 20, 30, 55],
    "beta": ON_PATH,  # always on the path: never listed
    "gamma": ON_PATH[:-1] + [60],  # yellow at 2025Q1 only (15 behind); linked to no task
}
UNIT_EN = {"单位甲": "Unit A", "单位乙": "Unit B", "单位丙": "Unit C"}
TASK_UNITS = {
    (1, 1): ["单位甲", "单位乙"],
    (1, 2): ["单位甲", "单位乙"],
    (2, 1): ["单位乙"],
    (2, 2): ["单位乙"],
    (3, 1): ["单位丙"],
}
REPORTED = periods.period_range("2023Q2", "2024Q4")
# (group, sub-task) -> {quarter: status}; reporting begins in 2023Q2.
UPDATES = {
    # delayed since 2024Q2; no update in 2024Q4, but its latest status is still delayed
    (1, 1): {q: "in_progress" for q in REPORTED if q < "2024Q2"}
    | {"2024Q2": "delayed", "2024Q3": "delayed", "2025Q1": "delayed"},
    (1, 2): dict.fromkeys(REPORTED, "in_progress"),  # not reported in 2025Q1 only
    (2, 1): {"2023Q2": "in_progress", "2024Q3": "done"},  # done: never overdue after
    (2, 2): {"2023Q2": "in_progress", "2023Q3": "in_progress"},  # silent since 2023Q4
    # (3, 1) is never updated: not reported since reporting began (2023Q2)
}


def _indicators() -> pd.DataFrame:
    rows = []
    for order, code in enumerate(FIGURES, start=1):
        rows.append(
            {
                "indicator_code": code,
                "name_zh": f"指标{code}",
                "name_en": f"Indicator {code}",
                "category_zh": "类",
                "category_en": "Category",
                "unit": "个",
                "unit_en": "items",
                "display_unit": "个",
                "display_unit_en": "items",
                "display_factor": 1.0,
                "semantics": "level",
                "sort_order": order,
            }
        )
    return pd.DataFrame(rows)


def _plan_data(as_of: str = AS_OF) -> PlanData:
    figures = pd.DataFrame(
        [
            {
                "indicator_code": code,
                "period": q,
                "sector_code": None,
                "district_code": None,
                "value": float(v),
                "is_demo": False,
            }
            for code, values in FIGURES.items()
            for q, v in zip(QUARTERS, values, strict=True)
            if q <= as_of
        ]
    )
    targets = pd.DataFrame(
        [
            {
                "indicator_code": c,
                "sector_code": None,
                "period": "2025Q4",
                "value": 100.0,
                "is_default": True,
            }
            for c in FIGURES
        ]
    )
    milestones = pd.DataFrame(columns=["indicator_code", "sector_code", "period", "value"])
    return PlanData(PLAN, _indicators(), targets, milestones, figures)


def _tasks() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "group_no": g,
                "group_name_zh": f"组{g}",
                "group_name_en": f"Group {g}",
                "sector_code": None,
                "subtask_no": s,
                "text_zh": f"任务{g}.{s}",
                "text_en": f"Task {g}.{s}",
                "units": np.array(units, dtype=object),
                "units_as_written": "、".join(units),
                "source_ref": f"附件1 序号{g}",
            }
            for (g, s), units in TASK_UNITS.items()
        ]
    )


def _updates(as_of: str = AS_OF) -> pd.DataFrame:
    rows = [
        {"group_no": g, "subtask_no": s, "period": q, "status": status, "is_demo": False}
        for (g, s), history in UPDATES.items()
        for q, status in history.items()
        if q <= as_of
    ]
    frame = pd.DataFrame(rows).sort_values(["period", "group_no", "subtask_no"])
    frame["update_id"] = range(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def _links() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator_code": "alpha", "group_no": 1, "subtask_no": 1, "note": ""},
            {"indicator_code": "alpha", "group_no": 2, "subtask_no": 1, "note": ""},
            {"indicator_code": "beta", "group_no": 3, "subtask_no": 1, "note": ""},
        ]
    )


def _units() -> pd.DataFrame:
    return pd.DataFrame(
        [{"unit_zh": zh, "unit_en": en, "kind": "municipal"} for zh, en in UNIT_EN.items()]
    )


def _list(as_of: str = AS_OF, tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    tasks = _tasks() if tasks is None else tasks
    return alerts.warning_list(_plan_data(as_of), tasks, _updates(as_of), _links(), _units(), as_of)


def _row(frame: pd.DataFrame, unit: str, ref: str) -> dict:
    rows = frame[(frame["unit_zh"] == unit) & (frame["ref"] == ref)]
    assert len(rows) == 1, (unit, ref, frame[["unit_zh", "ref"]])
    return rows.iloc[0].to_dict()


# ------------------------------------------------------------------ persistence and escalation


@pytest.mark.parametrize(
    "states, first, expected",
    [
        ({"2025Q1": "red"}, "2023Q1", ["red"]),
        (
            {"2024Q3": "red", "2024Q4": "red", "2025Q1": "yellow"},
            "2023Q1",
            ["red", "red", "yellow"],
        ),
        # a gap ends the run even when the item was in warning before it
        ({"2024Q2": "red", "2024Q4": "yellow", "2025Q1": "yellow"}, "2023Q1", ["yellow"] * 2),
        ({}, "2023Q1", []),
        # the walk stops at the first quarter of the plan
        ({q: "red" for q in periods.period_range("2022Q1", AS_OF)}, "2024Q3", ["red"] * 3),
    ],
)
def test_walk_back_returns_unbroken_run_when_states_persist(states, first, expected) -> None:
    assert alerts.walk_back(states.get, AS_OF, first) == expected


def test_walk_back_counts_only_the_as_of_quarter_when_it_is_before_the_plan() -> None:
    assert alerts.walk_back({"2022Q4": "red", "2022Q3": "red"}.get, "2022Q4", "2023Q1") == ["red"]


@pytest.mark.parametrize(
    "quarters, red_from, expected",
    [
        (1, None, alerts.YELLOW_NOTICE),
        (2, None, alerts.RED_NOTICE),
        (7, None, alerts.RED_NOTICE),
        (2, 3, alerts.YELLOW_NOTICE),
        (3, 3, alerts.RED_NOTICE),
        (1, 1, alerts.RED_NOTICE),
    ],
)
def test_escalation_follows_quarters_persisted(quarters, red_from, expected) -> None:
    assert alerts.escalation(quarters, red_from) == expected


def test_indicator_red_three_quarters_then_yellow_persists_four_quarters() -> None:
    row = _row(_list(), "单位甲", "alpha")
    assert row["state"] == "yellow"
    assert row["trail"] == ("red", "red", "red", "yellow")
    assert (row["since"], row["quarters"], row["escalation"]) == ("2024Q2", 4, alerts.RED_NOTICE)
    assert (
        alert_tables.trail_text(row["trail"], row["since"], "zh")
        == "2024Q2–2024Q4 红灯；2025Q1 黄灯"
    )
    assert (
        alert_tables.trail_text(row["trail"], row["since"], "en")
        == "2024Q2–2024Q4 Red; 2025Q1 Yellow"
    )


def test_indicator_starts_its_run_at_the_first_red_quarter_when_assessed_earlier() -> None:
    row = _row(_list("2024Q3"), "单位甲", "alpha")
    assert (row["state"], row["since"], row["quarters"]) == ("red", "2024Q2", 2)


def test_new_warning_is_a_yellow_notice_when_it_appears_this_quarter() -> None:
    listed = _list()
    gamma = listed[listed["ref"] == "gamma"].iloc[0]
    assert (gamma["since"], gamma["quarters"], gamma["escalation"]) == (
        "2025Q1",
        1,
        "yellow_notice",
    )
    assert "beta" not in set(listed["ref"])


def test_task_delayed_since_2024q2_when_its_history_says_so() -> None:
    row = _row(_list(), "单位甲", "1(1)")
    assert (row["kind"], row["state"], row["task_status"]) == ("task", "delayed", "delayed")
    assert row["trail"] == ("delayed",) * 4
    assert (row["since"], row["quarters"], row["escalation"]) == ("2024Q2", 4, alerts.RED_NOTICE)
    assert row["last_period"] == "2025Q1"


@pytest.mark.parametrize(
    "ref, unit, since, quarters, state, status",
    [
        ("1(2)", "单位甲", "2025Q1", 1, "not_reported", "in_progress"),
        ("2(2)", "单位乙", "2023Q4", 6, "not_reported", "in_progress"),
        # never updated: counted from the first quarter anybody reported (2023Q2), not 2023Q1
        ("3(1)", "单位丙", "2023Q2", 8, "not_reported", "no_update"),
    ],
)
def test_task_not_reported_counts_from_its_last_silence(
    ref, unit, since, quarters, state, status
) -> None:
    row = _row(_list(), unit, ref)
    assert (row["since"], row["quarters"], row["state"], row["task_status"]) == (
        since,
        quarters,
        state,
        status,
    )


def test_done_task_is_not_listed_when_it_was_finished() -> None:
    assert "2(1)" not in set(_list()["ref"])


# ------------------------------------------------------------------ units


def test_indicator_appears_under_each_linked_unit_with_its_tasks() -> None:
    listed = _list()
    alpha = listed[listed["ref"] == "alpha"].set_index("unit_zh")
    assert set(alpha.index) == {"单位甲", "单位乙"}
    assert alpha.loc["单位甲", "linked_tasks"] == ("1(1)",)
    assert alpha.loc["单位乙", "linked_tasks"] == ("1(1)", "2(1)")
    assert alpha.loc["单位乙", "unit_en"] == "Unit B"


def test_unlinked_indicator_is_listed_under_no_unit_when_no_task_moves_it() -> None:
    listed = _list()
    gamma = listed[listed["ref"] == "gamma"].iloc[0]
    assert gamma["unit_zh"] == i18n.t("warnings.no_unit", "zh")
    assert gamma["unit_en"] == i18n.t("warnings.no_unit", "en")


def test_units_come_most_serious_first_and_red_notices_first_within() -> None:
    listed = _list()
    assert alerts.unit_options(listed) == [
        "单位乙",  # 3 red notices
        "单位甲",  # 2 red, 1 yellow
        "单位丙",  # 1 red
        i18n.t("warnings.no_unit", "zh"),  # 1 yellow
    ]
    unit_b = listed[listed["unit_zh"] == "单位乙"]
    assert unit_b["ref"].tolist() == ["2(2)", "alpha", "1(1)", "1(2)"]
    summary = alerts.unit_summary(listed).set_index("unit_zh")
    assert summary.loc[
        "单位乙", ["red_notice", "yellow_notice", "indicators", "tasks"]
    ].tolist() == [
        3,
        1,
        1,
        3,
    ]
    assert summary.loc["单位乙", "longest"] == 6 and summary.loc["单位乙", "since"] == "2023Q4"
    assert alerts.notice_counts(listed) == {
        "warned_indicators": 2,  # alpha, gamma
        "warned_tasks": 4,
        "warning_units": 3,  # the placeholder of the unlinked gamma is not a unit
        "indicator_units": 2,
        "task_units": 3,
        "notices": 9,  # unit × warning
        "red_notice": 6,
        "yellow_notice": 3,
    }


def test_filters_keep_chosen_units_and_levels_when_set() -> None:
    listed = _list()
    assert alerts.filter_list(listed).equals(listed)
    shown = alerts.filter_list(listed, units=["单位甲"], escalations=[alerts.YELLOW_NOTICE])
    assert shown["ref"].tolist() == ["1(2)"]


def test_list_is_empty_when_nothing_is_behind() -> None:
    listed = _list("2024Q1", tasks=_tasks().iloc[0:0])
    assert listed.empty and list(listed.columns) == alerts.WARNING_COLUMNS
    assert set(alerts.notice_counts(listed).values()) == {0}
    assert alerts.unit_summary(listed).empty
    table = alert_tables.warning_table(listed, _indicators(), "en")
    assert table.empty and "Escalation" in table.columns


def test_list_has_only_tasks_when_every_indicator_is_on_track() -> None:
    listed = _list("2024Q1")
    assert set(listed["kind"]) == {alerts.TASK}
    assert listed["gap_points"].isna().all()
    row = _row(listed, "单位乙", "2(2)")
    assert (row["since"], row["quarters"]) == ("2023Q4", 2)
    assert alert_tables.warning_table(listed, _indicators(), "zh")["实际"].eq("").all()


def test_numbers_equal_the_status_table_when_listed() -> None:
    status = assessment.status_table(_plan_data(), AS_OF).set_index("indicator_code")
    row = _row(_list(), "单位乙", "alpha")
    for column in ("actual", "target", "completion", "expected_completion", "gap_points"):
        assert row[column] == status.loc["alpha", column]
    assert row["gap_points"] == pytest.approx(20.0)


# ------------------------------------------------------------------ display


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warning_table_shows_numbers_and_labels_in_the_language(lang: str) -> None:
    listed = _list()
    table = alert_tables.warning_table(listed, _indicators(), lang)
    assert len(table) == len(listed)
    first = table.iloc[0].to_dict()
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    assert first[t("col.escalation")] == alert_tables.escalation_text(alerts.RED_NOTICE, lang)
    assert first[t("col.item")].startswith("2(2) ")
    alpha = table[table[t("col.item")] == ("指标alpha" if lang == "zh" else "Indicator alpha")]
    numbers = alpha.iloc[0]
    assert numbers[t("col.actual")] == ("55 个" if lang == "zh" else "55 items")
    assert (numbers[t("col.completion")], numbers[t("col.expected")]) == ("55.0%", "75.0%")
    assert numbers[t("col.gap")] == "20.0"
    if lang == "en":
        assert not any(CJK.search(str(c)) for c in table.columns)
        assert first[t("col.state")] == "Not reported this quarter (In progress)"
    else:
        assert first[t("col.state")] == "本季未填报（推进中）"


def test_warning_table_exports_neutralise_formulas_when_a_name_starts_with_equals() -> None:
    tasks = _tasks()
    tasks.at[tasks.index[tasks["group_no"] == 3][0], "units"] = ["=cmd|' /c calc'!A1"]
    table = alert_tables.warning_table(_list(tasks=tasks), _indicators(), "zh")
    assert "=cmd|' /c calc'!A1" in set(table["责任单位"])
    csv = exports.to_csv_bytes(table).decode("utf-8-sig")
    assert "'=cmd|' /c calc'!A1" in csv and ",=cmd" not in csv


# ------------------------------------------------------------------ demo database


@pytest.fixture
def demo(demo_db: Path):
    with db.connect(demo_db) as con:
        yield con, queries.plans(con)["plan_id"].iloc[0]


@pytest.mark.parametrize("as_of", ["2025Q4", "2024Q2"])
def test_indicator_runs_match_etl_status_at_every_quarter(demo, as_of: str) -> None:
    con, plan_id = demo
    listed = alerts.warning_list_from_store(con, plan_id, as_of)
    status = assessment.indicator_status(con, plan_id, as_of).set_index("indicator_code")
    lights = {}
    indicators = listed[listed["kind"] == alerts.INDICATOR].drop_duplicates("ref")
    warned = status["light"].isin(alerts.WARNING_LIGHTS)  # red, yellow; missed after the plan
    assert set(indicators["ref"]) == set(status.index[warned])
    for row in indicators.to_dict("records"):
        for column in ("actual", "target", "completion", "gap_points"):
            assert row[column] == status.loc[row["ref"], column]
        quarters = periods.period_range(row["since"], as_of)
        before = periods.add_quarters(row["since"], -1)
        for quarter in [*quarters, before]:
            if quarter not in lights and quarter >= "2023Q1":
                frame = assessment.indicator_status(con, plan_id, quarter)
                lights[quarter] = dict(zip(frame["indicator_code"], frame["light"], strict=True))
        assert tuple(lights[q][row["ref"]] for q in quarters) == row["trail"]
        if row["since"] > "2023Q1":
            assert lights[before][row["ref"]] not in alerts.WARNING_LIGHTS


@pytest.mark.parametrize("as_of", ["2025Q4", "2024Q3"])
def test_task_runs_match_the_task_board_at_every_quarter(demo, as_of: str) -> None:
    con, plan_id = demo
    listed = alerts.warning_list_from_store(con, plan_id, as_of)
    board = measure_tasks.task_board(con, plan_id, as_of)
    tasks = listed[listed["kind"] == alerts.TASK].drop_duplicates("ref")
    assert set(tasks["ref"]) == set(board.loc[board["overdue"], "task_ref"])
    boards = {}
    first_update = str(queries.task_updates(con, plan_id, as_of)["period"].min())
    for row in tasks.to_dict("records"):
        quarters = periods.period_range(row["since"], as_of)
        before = periods.add_quarters(row["since"], -1)
        for quarter in [*quarters, before]:
            if quarter not in boards:
                past = measure_tasks.task_board(con, plan_id, quarter)
                boards[quarter] = dict(zip(past["task_ref"], past["overdue_reason"], strict=True))
        assert tuple(boards[q][row["ref"]] for q in quarters) == row["trail"]
        if row["since"] > first_update:
            assert boards[before][row["ref"]] is None


def test_overdue_reason_agrees_with_build_board_for_every_status() -> None:
    latest = pd.DataFrame(
        [
            {"group_no": 1, "subtask_no": s, "last_period": period, "status": status}
            for s, (period, status) in enumerate(
                [(p, st) for p in ("2024Q1", "2024Q2") for st in measure_tasks.STATUSES[:4]],
                start=1,
            )
        ]
    )
    tasks = pd.concat([_tasks().iloc[:1]] * (len(latest) + 1), ignore_index=True)
    tasks["subtask_no"] = range(1, len(tasks) + 1)  # the last one is never updated
    board = measure_tasks.build_board(tasks, latest, "2024Q2")
    merged = board.merge(latest, on=["group_no", "subtask_no"], how="left", suffixes=("", "_x"))
    for row in merged.to_dict("records"):
        status = row["status_x"] if isinstance(row["status_x"], str) else None
        period = row["last_period_x"] if isinstance(row["last_period_x"], str) else None
        assert alerts.overdue_reason(status, period, "2024Q2") == row["overdue_reason"]


def test_demo_list_has_every_unit_of_an_overdue_task(demo) -> None:
    con, plan_id = demo
    listed = alerts.warning_list_from_store(con, plan_id, "2025Q4")
    by_unit = measure_tasks.overdue_by_unit(measure_tasks.task_board(con, plan_id, "2025Q4"))
    tasks = listed[listed["kind"] == alerts.TASK]
    counts = tasks.groupby("unit_zh")["ref"].nunique().to_dict()
    assert counts == dict(zip(by_unit["unit_zh"], by_unit["overdue"], strict=True))


def test_etl_export_warnings_prints_the_list_when_asked(demo_db: Path, capsys) -> None:
    assert etl_main(["export", "warnings", "--db", str(demo_db), "--as-of", "2024Q2"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("unit_zh,unit_en,escalation,kind,ref")
    with db.connect(demo_db) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        expected = alerts.warning_list_from_store(con, plan_id, "2024Q2")
    assert len(csv) == len(expected) + 1
    assert etl_main(["export", "warnings", "--db", str(demo_db), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["escalation"] for r in records} <= set(alerts.ESCALATIONS)
    assert all(">" in r["trail"] or r["quarters"] == 1 for r in records)

"""Unit tests for kpi.measure.tasks on hand-built frames, plus one integration test on a demo
database."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi.base import i18n
from kpi.measure import assessment, series, tasks
from kpi.outputs import charts, palette, task_tables
from kpi.store import db, queries

AS_OF = "2024Q2"
UNIT_EN = {"工信局": "MIIT bureau", "发改局": "NDRC bureau", "甲区": "District A"}


def _tasks() -> pd.DataFrame:
    """Five sub-tasks: two sector groups and one cross-sector group."""
    rows = [
        (1, 1, "steel", ["工信局", "发改局"]),
        (1, 2, "steel", ["工信局", "发改局"]),
        (2, 1, "paper", ["工信局", "甲区"]),
        (3, 1, None, ["工信局"]),
        (3, 2, None, ["工信局"]),
    ]
    return pd.DataFrame(
        [
            {
                "group_no": g,
                "group_name_zh": f"组{g}",
                "group_name_en": f"Group {g}",
                "sector_code": sector,
                "subtask_no": s,
                "text_zh": f"任务{g}.{s}",
                "text_en": f"Task {g}.{s}",
                "units": np.array(units, dtype=object),
                "units_as_written": "、".join(units) + "等",
                "source_ref": f"附件1 序号{g}",
            }
            for g, s, sector, units in rows
        ]
    )


def _latest(rows: list[tuple]) -> pd.DataFrame:
    """Latest updates as (group, sub-task, period, status)."""
    columns = ["group_no", "subtask_no", "last_period", "status", "note", "evidence"]
    columns += ["user_name", "unit_zh", "updated_at", "is_demo"]
    return pd.DataFrame(
        [
            {
                "group_no": g,
                "subtask_no": s,
                "last_period": period,
                "status": status,
                "note": f"note {g}.{s}",
                "evidence": "file.pdf" if status == "done" else None,
                "user_name": "someone",
                "unit_zh": "工信局",
                "updated_at": pd.Timestamp("2024-07-01"),
                "is_demo": True,
            }
            for g, s, period, status in rows
        ],
        columns=columns,
    )


# 1.1 done long ago, 1.2 delayed now, 2.1 in progress but silent this quarter,
# 3.1 in progress now, 3.2 never updated.
LATEST = [
    (1, 1, "2023Q4", "done"),
    (1, 2, AS_OF, "delayed"),
    (2, 1, "2024Q1", "in_progress"),
    (3, 1, AS_OF, "in_progress"),
]


@pytest.fixture
def board() -> pd.DataFrame:
    return tasks.build_board(_tasks(), _latest(LATEST), AS_OF, UNIT_EN)


def _row(board: pd.DataFrame, ref: str) -> dict:
    return board.set_index("task_ref").loc[ref].to_dict()


@pytest.mark.parametrize(
    ("ref", "status", "overdue", "reason"),
    [
        ("1(1)", "done", False, None),
        ("1(2)", "delayed", True, tasks.REASON_DELAYED),
        ("2(1)", "in_progress", True, tasks.REASON_NOT_REPORTED),
        ("3(1)", "in_progress", False, None),
        ("3(2)", tasks.NO_UPDATE, True, tasks.REASON_NOT_REPORTED),
    ],
)
def test_build_board_flags_overdue_when_delayed_or_silent_and_not_done(
    board: pd.DataFrame, ref: str, status: str, overdue: bool, reason: str | None
) -> None:
    row = _row(board, ref)
    assert (row["status"], row["overdue"], row["overdue_reason"]) == (status, overdue, reason)


def test_build_board_keeps_every_subtask_in_document_order(board: pd.DataFrame) -> None:
    assert list(board["task_ref"]) == ["1(1)", "1(2)", "2(1)", "3(1)", "3(2)"]
    assert list(board.columns) == tasks.BOARD_COLUMNS


def test_build_board_leaves_never_updated_subtask_without_period_or_demo_flag(
    board: pd.DataFrame,
) -> None:
    row = _row(board, "3(2)")
    assert row["last_period"] is None and row["note"] is None and row["is_demo"] is False


def test_build_board_translates_units_and_keeps_unknown_names() -> None:
    board = tasks.build_board(_tasks(), _latest(LATEST), AS_OF, {"工信局": "MIIT bureau"})
    assert board["units"].iloc[0] == ["工信局", "发改局"]
    assert board["units_en"].iloc[0] == ["MIIT bureau", "发改局"]


def test_build_board_marks_all_not_done_overdue_when_no_updates_yet() -> None:
    board = tasks.build_board(_tasks(), _latest([]), AS_OF)
    assert board["overdue"].all() and (board["status"] == tasks.NO_UPDATE).all()


def test_build_board_done_subtask_is_not_overdue_even_when_silent_for_a_year() -> None:
    board = tasks.build_board(_tasks(), _latest([(1, 1, "2023Q1", "done")]), "2024Q4")
    assert not _row(board, "1(1)")["overdue"]


@pytest.mark.parametrize(
    ("kwargs", "refs"),
    [
        ({}, ["1(1)", "1(2)", "2(1)", "3(1)", "3(2)"]),
        ({"units": ["甲区"]}, ["2(1)"]),
        ({"units": ["发改局", "甲区"]}, ["1(1)", "1(2)", "2(1)"]),
        ({"statuses": ["in_progress"]}, ["2(1)", "3(1)"]),
        ({"statuses": [tasks.NO_UPDATE, "done"]}, ["1(1)", "3(2)"]),
        ({"sectors": ["steel"]}, ["1(1)", "1(2)"]),
        ({"sectors": [tasks.CROSS_SECTOR]}, ["3(1)", "3(2)"]),
        ({"sectors": ["paper", tasks.CROSS_SECTOR]}, ["2(1)", "3(1)", "3(2)"]),
        ({"units": ["工信局"], "statuses": ["in_progress"], "sectors": ["paper"]}, ["2(1)"]),
        ({"overdue_only": True}, ["1(2)", "2(1)", "3(2)"]),
        ({"units": ["nobody"]}, []),
    ],
)
def test_filter_board_keeps_rows_matching_every_filter(
    board: pd.DataFrame, kwargs: dict, refs: list[str]
) -> None:
    assert list(tasks.filter_board(board, **kwargs)["task_ref"]) == refs


def test_unit_options_lists_units_in_order_of_first_appearance(board: pd.DataFrame) -> None:
    assert tasks.unit_options(board) == ["工信局", "发改局", "甲区"]


def test_unit_scorecard_counts_each_unit_and_sorts_worst_first(board: pd.DataFrame) -> None:
    card = tasks.unit_scorecard(board).set_index("unit_zh")
    assert list(card.index) == ["甲区", "工信局", "发改局"]
    assert card.loc["工信局", "n_subtasks"] == 5
    counts = ["done", "in_progress", "delayed", "no_update", "overdue"]
    assert card.loc["工信局", counts].tolist() == [1, 2, 1, 1, 3]
    assert card.loc["工信局", "completion_rate"] == pytest.approx(0.2)
    assert card.loc["甲区", "overdue_rate"] == 1.0
    assert card.loc["发改局", "overdue_rate"] == pytest.approx(0.5)
    assert card.loc["发改局", "unit_en"] == "NDRC bureau"
    assert list(card.columns) == tasks.SCORECARD_COLUMNS[1:]


def test_unit_scorecard_breaks_ties_on_completion_rate() -> None:
    latest = _latest([(1, 1, AS_OF, "done"), (1, 2, AS_OF, "done"), (2, 1, AS_OF, "in_progress")])
    card = tasks.unit_scorecard(tasks.build_board(_tasks().iloc[:3], latest, AS_OF))
    # nobody is overdue; 甲区 has 0 % done, 工信局 67 %, 发改局 100 %
    assert list(card["unit_zh"]) == ["甲区", "工信局", "发改局"]


def test_unit_scorecard_is_empty_frame_with_columns_when_board_empty(board: pd.DataFrame) -> None:
    card = tasks.unit_scorecard(board.iloc[0:0])
    assert card.empty and list(card.columns) == tasks.SCORECARD_COLUMNS


def test_overdue_by_unit_lists_overdue_refs_per_unit_most_first(board: pd.DataFrame) -> None:
    frame = tasks.overdue_by_unit(board)
    assert list(frame.columns) == ["unit_zh", "unit_en", "overdue", "task_refs"]
    assert list(frame.itertuples(index=False, name=None)) == [
        ("工信局", "MIIT bureau", 3, ["1(2)", "2(1)", "3(2)"]),
        ("发改局", "NDRC bureau", 1, ["1(2)"]),
        ("甲区", "District A", 1, ["2(1)"]),
    ]


@pytest.mark.parametrize(
    ("lang", "unit", "refs"),
    [("zh", "工信局", "1(2)、2(1)、3(2)"), ("en", "MIIT bureau", "1(2), 2(1), 3(2)")],
)
def test_overdue_units_table_joins_task_refs_in_the_readers_language(
    board: pd.DataFrame, lang: str, unit: str, refs: str
) -> None:
    table = task_tables.overdue_units_table(tasks.overdue_by_unit(board), lang)
    assert table.iloc[0].tolist() == [unit, 3, refs]


def test_overdue_by_unit_matches_scorecard_overdue_column(board: pd.DataFrame) -> None:
    card = tasks.unit_scorecard(board).set_index("unit_zh")["overdue"]
    overdue = tasks.overdue_by_unit(board).set_index("unit_zh")["overdue"]
    assert card[card > 0].sort_index().to_dict() == overdue.sort_index().to_dict()


def test_overdue_by_unit_is_empty_when_nothing_overdue() -> None:
    latest = _latest([(g, s, AS_OF, "done") for g, s in [(1, 1), (1, 2), (2, 1), (3, 1), (3, 2)]])
    assert tasks.overdue_by_unit(tasks.build_board(_tasks(), latest, AS_OF)).empty


def test_status_counts_include_every_status_and_overdue(board: pd.DataFrame) -> None:
    assert tasks.status_counts(board) == {
        "not_started": 0,
        "in_progress": 2,
        "done": 1,
        "delayed": 1,
        "no_update": 1,
        "overdue": 3,
    }


# ------------------------------------------------------------------ sectors


def _targets() -> pd.DataFrame:
    rows = [
        ("scen", None, 5, "表1 场景", True),
        ("scen", "a", 2, "专栏1 A", True),
        ("scen", "b", 3, "专栏1 B", True),
        ("equip", None, 100, "正文 L280", True),
        ("equip", None, 100, "附件1 12(4)", False),
        ("equip", None, 90, "专栏1 合计", False),
        ("equip", "a", 40, "专栏1 A", True),
        ("equip", "b", 50, "专栏1 B", True),
        ("other", None, 7, "表1", True),
    ]
    return pd.DataFrame(
        rows, columns=["indicator_code", "sector_code", "value", "source_ref", "is_default"]
    )


def _indicators() -> pd.DataFrame:
    return pd.DataFrame({"indicator_code": ["other", "scen", "equip"]})


def test_sector_indicator_codes_keeps_indicators_with_sector_targets_in_display_order() -> None:
    assert tasks.sector_indicator_codes(_targets(), _indicators()) == ["scen", "equip"]


def test_sector_sum_check_compares_sector_target_sum_with_city_target_and_sources() -> None:
    check = series.sector_sum_check(_targets(), ["scen", "equip"]).set_index("indicator_code")
    targets = ["sector_target_sum", "city_target", "target_difference"]
    assert check.loc["scen", targets].tolist() == [5.0, 5.0, 0.0]
    assert bool(check.loc["scen", "targets_match"])
    equip = check.loc["equip"]
    assert (equip["sector_target_sum"], equip["city_target"], equip["target_difference"]) == (
        90.0,
        100.0,
        10.0,
    )
    assert not bool(equip["targets_match"])
    assert equip["sector_source"] == "专栏1"
    assert equip["city_sources"] == "正文 L280；附件1 12(4)"
    assert equip["n_sectors"] == 2
    assert np.isnan(equip["sector_actual_sum"])


def test_sector_sum_check_compares_actual_sums_when_statuses_given() -> None:
    sector_status = pd.DataFrame(
        {
            "indicator_code": ["scen", "scen", "equip", "equip"],
            "sector_code": ["a", "b", "a", "b"],
            "actual": [1.0, 2.0, 30.0, None],
        }
    )
    city_status = pd.DataFrame({"indicator_code": ["scen", "equip"], "actual": [4.0, None]})
    check = series.sector_sum_check(_targets(), ["scen", "equip"], sector_status, city_status)
    check = check.set_index("indicator_code")
    actuals = ["sector_actual_sum", "city_actual", "actual_difference"]
    assert check.loc["scen", actuals].tolist() == [3.0, 4.0, 1.0]
    assert check.loc["equip", "sector_actual_sum"] == 30.0
    assert np.isnan(check.loc["equip", "city_actual"])


def test_sector_grid_orders_sectors_by_document_order_and_drops_missing() -> None:
    sectors = pd.DataFrame(
        {
            "sector_code": ["b", "a", "c"],
            "name_zh": ["乙", "甲", "丙"],
            "name_en": ["B", "A", "C"],
            "sort_order": [1, 2, 3],
        }
    )
    status = pd.DataFrame(
        {
            "indicator_code": ["equip", "scen", "scen", "equip", "other"],
            "sector_code": ["a", "a", "b", "b", "c"],
            "actual": [1.0, 2.0, 3.0, 4.0, 5.0],
            "target": [10.0] * 5,
            "completion": [10.0, 20.0, 30.0, 40.0, 50.0],
            "light": ["red"] * 5,
            "is_demo": [True] * 5,
        }
    )
    grid = tasks.sector_grid(status, sectors, ["scen", "equip"])
    assert list(zip(grid["sector_code"], grid["indicator_code"], strict=True)) == [
        ("b", "scen"),
        ("b", "equip"),
        ("a", "scen"),
        ("a", "equip"),
    ]


def test_sector_tasks_returns_only_that_sectors_group(board: pd.DataFrame) -> None:
    assert list(tasks.sector_tasks(board, "paper")["task_ref"]) == ["2(1)"]


# ------------------------------------------------------------------ integration


def test_task_board_on_demo_database_has_all_71_subtasks_and_consistent_counts(
    demo_db: Path,
) -> None:
    with db.connect(demo_db) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        board = tasks.task_board(con, plan_id, "2025Q4")
        early = tasks.task_board(con, plan_id, "2023Q1")
        data = assessment.read_plan_data(con, plan_id, "2025Q4")
        sectors = queries.sectors(con, plan_id)
    assert len(board) == 71 and board["group_no"].nunique() == 23
    assert set(board["status"]) <= set(tasks.STATUSES)
    assert board["is_demo"].all()
    silent = (board["last_period"] != "2025Q4") & (board["status"] != "done")
    assert board["overdue"].sum() == (silent | (board["status"] == "delayed")).sum() > 0
    assert all(isinstance(units, list) and units for units in board["units"])
    card = tasks.unit_scorecard(board)
    assert card.loc[card["unit_zh"] == "市工业和信息化局", "n_subtasks"].item() == 71
    counts = card[list(tasks.STATUSES)].sum(axis=1)
    assert (counts == card["n_subtasks"]).all()
    # before any update every sub-task is overdue and shown as never updated
    assert (early["status"] == tasks.NO_UPDATE).all() and early["overdue"].all()
    # the sector sums of 专栏1
    codes = tasks.sector_indicator_codes(data.targets, data.indicators)
    check = series.sector_sum_check(data.targets, codes).set_index("indicator_code")
    assert check["sector_target_sum"].to_dict() == {
        "smart_scenarios": 80.0,
        "smart_factories": 20.0,
        "smart_equipment": 1380.0,
    }
    assert check.loc["smart_equipment", "target_difference"] == 220.0
    assert "附件1 12(4)" in check.loc["smart_equipment", "city_sources"]
    assert (check["n_sectors"] == 11).all()
    for sector in sectors.to_dict("records"):
        assert set(tasks.sector_tasks(board, sector["sector_code"])["group_no"]) == {
            sector["task_group_no"]
        }


# ------------------------------------------------------------------ display tables


@pytest.mark.parametrize(
    ("lang", "headers", "status", "overdue", "units"),
    [
        ("zh", ["序号", "任务组", "进展", "逾期/滞后"], "■ 滞后", "⚠ 滞后", "工信局、发改局"),
        ("en", ["No.", "Task group", "Status", "Overdue"], "■ Delayed", "⚠ Delayed", None),
    ],
)
def test_board_table_translates_headers_statuses_and_units(
    board: pd.DataFrame, lang: str, headers: list[str], status: str, overdue: str, units
) -> None:
    table = task_tables.board_table(board, lang)
    assert list(table.columns[:4]) == headers
    row = table.iloc[1]
    assert (row.iloc[2], row.iloc[3]) == (status, overdue)
    assert row[i18n.t("col.units", lang)] == (units or "MIIT bureau; NDRC bureau")
    assert table.iloc[4, 2] == "▲ " + i18n.t("task_status.no_update", lang)
    assert table.iloc[4, 4] == "—"  # never updated: no last period


def test_board_table_without_group_drops_that_column(board: pd.DataFrame) -> None:
    assert "任务组" not in task_tables.board_table(board, "zh", with_group=False).columns


def test_scorecard_table_keeps_rates_as_fractions_and_translates(board: pd.DataFrame) -> None:
    table = task_tables.scorecard_table(tasks.unit_scorecard(board), "en")
    assert list(table.columns[:5]) == [
        "Responsible unit",
        "Sub-tasks",
        "Overdue",
        "Share overdue",
        "Share done",
    ]
    assert table.iloc[0].tolist()[:5] == ["District A", 1, 1, 1.0, 0.0]


@pytest.mark.parametrize(
    ("refs", "lang", "expected"),
    [
        ("正文 L280；附件1 12(4)", "zh", "正文 L280；附件1 12(4)"),
        ("正文 L280；附件1 12(4)", "en", "Main text L280; Annex 1 12(4)"),
        ("专栏1", "en", "Box 1"),
        ("表1 数字化转型", "en", "Table 1 数字化转型"),
    ],
)
def test_source_ref_text_names_document_parts_in_english(
    refs: str, lang: str, expected: str
) -> None:
    assert task_tables.source_ref_text(refs, lang) == expected


def _indicator_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_code": ["scen", "equip"],
            "name_zh": ["场景", "智能装备"],
            "name_en": ["Scenarios", "Smart equipment"],
            "unit": ["个", "台"],
            "display_unit": ["个", "台"],
            "display_unit_en": ["scenarios", "machines"],
            "display_factor": [1.0, 1.0],
        }
    )


def test_sector_check_tables_and_mismatch_message_show_numbers_with_sources() -> None:
    check = series.sector_sum_check(_targets(), ["scen", "equip"])
    targets = task_tables.sector_target_check_table(check, _indicator_rows(), "zh")
    assert targets.iloc[1].tolist() == [
        "智能装备",
        "90 台",
        "100 台",
        "10 台",
        "否",
        "专栏1 2 个行业合计",
        "正文 L280；附件1 12(4)",
    ]
    actuals = task_tables.sector_actual_check_table(check, _indicator_rows(), "en")
    assert list(actuals.columns) == [
        "Indicator",
        "Sum of sector actuals",
        "City-wide actual",
        "Actual difference",
    ]
    assert task_tables.mismatch_messages(check, _indicator_rows(), "en") == [
        "Smart equipment: Box 1, sum of 2 sectors = 90 machines; city-wide target 100 machines "
        "(Main text L280; Annex 1 12(4)); difference 10 machines"
    ]


def test_unit_labels_and_sector_options_follow_the_language(board: pd.DataFrame) -> None:
    assert task_tables.unit_labels(board, "en")["甲区"] == "District A"
    assert task_tables.unit_labels(board, "zh")["甲区"] == "甲区"
    sectors = pd.DataFrame(
        {"sector_code": ["steel"], "name_zh": ["绿色钢铁"], "name_en": ["Green steel"]}
    )
    assert task_tables.sector_options(sectors, "en") == {
        "steel": "Green steel",
        tasks.CROSS_SECTOR: "Cross-sector tasks (nos. 12–23)",
    }


# ------------------------------------------------------------------ charts of these frames


def test_unit_status_bars_stack_statuses_per_unit_in_scorecard_order(board: pd.DataFrame) -> None:
    card = tasks.unit_scorecard(board)
    fig = charts.unit_status_bars(card, "en")
    names = [trace.name for trace in fig.data]
    assert names == ["✔ Done", "◐ In progress", "▲ Not reported", "■ Delayed"]
    assert list(fig.data[0].y) == ["District A", "MIIT bureau", "NDRC bureau"]
    assert sum(sum(trace.x) for trace in fig.data) == card["n_subtasks"].sum()


def test_sector_bars_colour_actuals_by_light_and_wrap_long_names() -> None:
    grid = pd.DataFrame(
        {
            "name_zh": ["甲", "乙"],
            "name_en": ["Agricultural and marine product processing", "B"],
            "actual": [3.0, None],
            "target": [10.0, 2.0],
            "completion": [30.0, None],
            "light": ["red", "grey"],
        }
    )
    fig = charts.sector_bars(grid, "en", unit="machines")
    target, actual = fig.data
    assert target.orientation == actual.orientation == "h"  # readable on a phone
    assert list(target.x) == [10.0, 2.0] and list(actual.x) == [3.0, None]
    assert list(actual.marker.color) == [charts.LIGHT_COLORS["red"], charts.LIGHT_COLORS["grey"]]
    assert "<br>" in actual.y[0]


# ------------------------------------------------------------------ who is responsible, in full


def test_responsible_html_lists_every_unit_and_keeps_the_columns_in_order() -> None:
    units = "、".join(f"单位{i}" for i in range(12))  # more than any table cell would show
    behind = pd.DataFrame(
        {
            "状态": ["红灯", "黄灯"],
            "指标": ["5G<b>基站", "云平台"],
            "完成率": ["25.1%", "60.0%（新增 30 / 应新增 50，基期 10）"],
            "落后（百分点）": ["74.9", "12.0"],
            "责任单位": [units, "市科技局"],
            "任务": ["20(1), 20(2)", "3(1)"],
        }
    )
    markup = task_tables.responsible_html(behind, "zh")
    body = markup[markup.index("<div") :]
    first, second = (p.split("</p>")[0] for p in body.split("<p>")[1:])
    assert first.split("<br>") == [
        f"{palette.light_badge_html('red', 'zh')} <b>5G&lt;b&gt;基站</b>",  # escaped
        "完成率：25.1% · 落后（百分点）：74.9",
        "责任单位：" + units,
        "任务：20(1), 20(2)",
    ]
    assert second.split("<br>")[0] == f"{palette.light_badge_html('yellow', 'zh')} <b>云平台</b>"
    # The long completion text keeps its own line, before the short cells that follow it.
    assert second.split("<br>")[1].startswith("完成率：60.0%")
    assert second.split("<br>")[2] == "落后（百分点）：12.0 · 责任单位：市科技局 · 任务：3(1)"


def test_unit_status_bars_show_a_long_unit_name_in_full(board: pd.DataFrame) -> None:
    card = tasks.unit_scorecard(board)
    long = "People's governments (administrative committees) of all counties and districts"
    card["unit_en"] = [long] + list(card["unit_en"].iloc[1:])
    fig = charts.unit_status_bars(card, "en")
    label = fig.data[0].y[0]
    assert label.replace("<br>", " ") == long and "<br>" in label

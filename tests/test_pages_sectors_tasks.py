"""AppTest runs of the sectors (行业) and tasks (任务分工) pages against a demo database."""

import json
import re
from pathlib import Path

import page_html
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.measure import assessment, tasks
from kpi.outputs import bulletin, final_report, palette
from kpi.store import db, queries

pytestmark = pytest.mark.page

SECTORS_PAGE = "../pages/sectors.py"
TASKS_PAGE = "../pages/tasks.py"
QUARTERS = ("2025Q4", "2024Q2")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _run(page: str, lang: str = "zh", as_of: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in state.items():  # e.g. an expander opened (widgets.lazy_expander)
        at.session_state[key] = value
    if as_of:
        at.session_state["as_of"] = as_of
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _direct(path: Path, as_of: str) -> tuple[pd.DataFrame, assessment.PlanData]:
    """The task board and plan data computed straight from the store, without the page."""
    with db.read(path) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        return tasks.task_board(con, plan_id, as_of), assessment.read_plan_data(con, plan_id, as_of)


def _metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


# Each table is told apart by a header only it has (in either language).
TABLE_HEADERS = {
    "tasks_board": "col.group",
    "tasks_scorecard": "col.n_subtasks",
    "sectors_sum_check": "col.city_target",
    "sectors_actual_check": "sectors.col.city_actual",
    "sectors_tasks": "col.task_ref",
    "sectors_matrix": "col.sector",
}


def _frame(at: AppTest, table: str) -> pd.DataFrame:
    """The frame of one table on the page (the first with that table's own header)."""
    headers = {i18n.t(TABLE_HEADERS[table], lang) for lang in i18n.LANGS}
    return next(t for t in page_html.tables(at) if headers & set(t.columns))


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def _num(text: str) -> str:
    """The number at the start of a formatted value ('1,380 machines' -> '1380')."""
    return str(text).split(" ")[0].replace(",", "")


@pytest.fixture
def demo_env(module_demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(module_demo_store))
    return module_demo_store


# ------------------------------------------------------------------ tasks page


@pytest.mark.parametrize("as_of", QUARTERS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tasks_page_shows_every_subtask_and_overdue_count_when_run(
    demo_env: Path, lang: str, as_of: str
) -> None:
    at = _run(TASKS_PAGE, lang, as_of)
    board, _ = _direct(demo_env, as_of)
    table = _frame(at, "tasks_board")
    assert len(table) == 71
    overdue = _metric(at, i18n.t("tasks.metric.overdue", lang))
    by_unit = tasks.overdue_by_unit(board)
    refs = {ref for refs in by_unit["task_refs"] for ref in refs}
    assert overdue == int(board["overdue"].sum()) == len(refs)
    assert (table[i18n.t("col.overdue", lang)] != "").sum() == overdue
    assert _metric(at, i18n.t("tasks.metric.total", lang)) == 71
    for status in ("done", "in_progress", "delayed"):
        shown = _metric(at, palette.task_label(status, lang))
        assert shown == int((board["status"] == status).sum())
    card = _scorecard(at, lang)
    assert [c.proto.theme for c in at.get("plotly_chart")] == [""]  # the units' bars, as printed
    unit_col = i18n.t("col.unit", lang)
    shown_overdue = dict(zip(card[unit_col], card[i18n.t("col.overdue", lang)], strict=True))
    names = by_unit["unit_en" if lang == "en" else "unit_zh"]
    assert {n: shown_overdue[n] for n in names} == dict(zip(names, by_unit["overdue"], strict=True))


def _scorecard(at: AppTest, lang: str) -> pd.DataFrame:
    """The units' scorecard, drawn once its section is chosen (the board is the first)."""
    header = i18n.t(TABLE_HEADERS["tasks_scorecard"], lang)
    assert not any(header in d.value.columns for d in at.dataframe)
    at.session_state["tasks_section"] = "tasks.scorecard"
    at.run()
    return _frame(at, "tasks_scorecard")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tasks_page_labels_are_in_the_chosen_language(demo_env: Path, lang: str) -> None:
    at = _run(TASKS_PAGE, lang)
    table = _frame(at, "tasks_board")
    titles = [s.value for s in at.subheader] + [at.title[0].value]
    titles += at.button_group(key="tasks_section").options
    headers = list(table.columns) + list(_scorecard(at, lang).columns)
    statuses = set(table[i18n.t("col.status", lang)])
    if lang == "zh":
        assert "进展" in headers and "责任单位" in headers
        assert statuses <= {"○ 未启动", "◐ 推进中", "✔ 已完成", "■ 滞后", "▲ 未填报"}
        assert "任务清单" in titles
    else:
        assert not any(CJK.search(h) for h in headers), headers
        assert statuses <= {
            "○ Not started",
            "◐ In progress",
            "✔ Done",
            "■ Delayed",
            "▲ Not reported",
        }
        assert not any(CJK.search(t) for t in titles), titles
        units = table[i18n.t("col.units", lang)]
        assert units.str.contains("Municipal Bureau of Industry").any()


def test_tasks_page_says_statuses_are_demo_when_demo_updates_are_shown(demo_env: Path) -> None:
    at = _run(TASKS_PAGE)
    assert any("演示任务状态" in w for w in _warnings(at))


def test_tasks_page_filters_change_the_rows_shown(demo_env: Path) -> None:
    board, _ = _direct(demo_env, "2025Q4")
    at = _run(TASKS_PAGE)
    at.multiselect(key="tasks_sectors").set_value(["steel"]).run()
    assert len(_frame(at, "tasks_board")) == len(tasks.sector_tasks(board, "steel")) == 4
    at.multiselect(key="tasks_sectors").set_value([tasks.CROSS_SECTOR]).run()
    assert len(_frame(at, "tasks_board")) == 71 - (board["sector_code"].notna()).sum()
    at.multiselect(key="tasks_sectors").set_value([]).run()
    at.multiselect(key="tasks_statuses").set_value(["done"]).run()
    assert len(_frame(at, "tasks_board")) == (board["status"] == "done").sum()
    at.multiselect(key="tasks_statuses").set_value([]).run()
    at.multiselect(key="tasks_units").set_value(["市教育局"]).run()
    expected = tasks.filter_board(board, units=["市教育局"])
    table = _frame(at, "tasks_board")
    assert len(table) == len(expected) < 71
    assert table["任务组"].str.startswith("20 ").all()
    at.multiselect(key="tasks_units").set_value([]).run()
    at.toggle(key="tasks_overdue_only").set_value(True).run()
    assert len(_frame(at, "tasks_board")) == board["overdue"].sum()
    assert not at.exception


def test_tasks_page_shows_empty_message_when_no_subtask_matches(demo_env: Path) -> None:
    at = _run(TASKS_PAGE)
    at.multiselect(key="tasks_statuses").set_value(["not_started"]).run()
    assert not at.exception
    assert any(i.value == "没有符合筛选条件的子任务" for i in at.info)


def test_tasks_page_without_updates_flags_every_subtask_and_no_demo_banner(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_DB", str(empty_db))
    at = _run(TASKS_PAGE)
    assert not any("演示" in w for w in _warnings(at))
    assert _metric(at, "逾期/滞后") == 71
    assert set(_frame(at, "tasks_board")["进展"]) == {"▲ 未填报"}


# ------------------------------------------------------------------ sectors page


@pytest.mark.parametrize("as_of", QUARTERS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sectors_page_checks_sector_sums_against_city_when_run(
    demo_env: Path, lang: str, as_of: str
) -> None:
    at = _run(SECTORS_PAGE, lang, as_of, sectors_sum_tables=True)
    _, data = _direct(demo_env, as_of)
    check = _frame(at, "sectors_sum_check")
    assert len(check) == 3
    equipment = check.iloc[2]
    values = equipment.astype(str).tolist()
    assert [_num(v) for v in values[1:4]] == ["1380", "1600", "220"]
    assert values[5].startswith("专栏1") or values[5].startswith("Box 1")
    assert "附件1 12(4)" in values[6] or "Annex 1 12(4)" in values[6]
    assert [_num(v) for v in check.iloc[:2, 3]] == ["0", "0"]
    warnings = [w.replace(",", "") for w in _warnings(at)]
    assert any("220" in w and "1380" in w and "1600" in w for w in warnings)
    # actual sums: sector actuals vs the city-wide actual, as assessment computes them
    sector = assessment.sector_status_table(data, as_of)
    city = assessment.status_table(data, as_of).set_index("indicator_code")["actual"]
    codes = tasks.sector_indicator_codes(data.targets, data.indicators)
    actuals = _frame(at, "sectors_actual_check")
    for row, code in zip(actuals.itertuples(index=False), codes, strict=True):
        total = sector.loc[sector["indicator_code"] == code, "actual"].sum()
        assert _num(row[1]) == f"{total:g}"
        assert _num(row[2]) == f"{city[code]:g}"
        assert _num(row[3]) == f"{city[code] - total:g}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sectors_page_table_lists_sectors_in_document_order_with_completion(
    demo_env: Path, lang: str
) -> None:
    at = _run(SECTORS_PAGE, lang, sectors_sum_tables=True)
    matrix = _frame(at, "sectors_matrix")
    with db.read(demo_env) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        sectors = queries.sectors(con, plan_id)
        inputs = bulletin.read_inputs(con, plan_id, assessment.default_as_of(con, plan_id))
    assert list(matrix.iloc[:, 0]) == list(sectors["name_en" if lang == "en" else "name_zh"])
    # One table, one definition: the bulletin's and the final report's sector table, as printed.
    printed = bulletin.sector_matrix(inputs.data, inputs.sector_status, inputs.sectors, lang)
    assert matrix.equals(final_report.screen_cells(printed)[0].astype(str))
    assert len(matrix.columns) == 4  # the sector, then three indicators
    # symbol, completion and what it is made of: '✘ 60.0%（6 / 10 个）'
    assert all(re.search(r"^\S \d+\.\d%", cell) for cell in matrix.iloc[:, 1:].stack())
    headers = list(_frame(at, "sectors_sum_check").columns)
    if lang == "en":
        assert matrix.columns[1].startswith("Typical")
        assert not any(CJK.search(h) for h in headers)
    else:
        assert matrix.columns[1] == "智能制造典型场景"
        assert "全市目标" in headers


def test_sectors_page_selector_shows_that_sectors_key_tasks(demo_env: Path) -> None:
    board, _ = _direct(demo_env, "2025Q4")
    at = _run(SECTORS_PAGE)
    assert len(_frame(at, "sectors_tasks")) == len(tasks.sector_tasks(board, "steel"))
    at.selectbox(key="sectors_sector").set_value("agri_marine_food").run()
    table = _frame(at, "sectors_tasks")
    expected = tasks.sector_tasks(board, "agri_marine_food")
    assert list(table["序号"]) == list(expected["task_ref"])
    assert list(table["进展"]) == [palette.task_label(s, "zh") for s in expected["status"]]
    assert any(s.value.startswith("农海产品加工") for s in at.subheader)
    assert any("演示任务状态" in w for w in _warnings(at))


def test_sectors_page_runs_without_figures_or_updates(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_DB", str(empty_db))
    at = _run(SECTORS_PAGE, "en", sectors_sum_tables=True)
    assert not any("Demo" in w for w in _warnings(at))
    check = _frame(at, "sectors_sum_check")
    assert _num(check.iloc[2, 3]) == "220"


def _bar_charts(at: AppTest) -> list[dict]:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return [c for c in charts if c["data"][0]["type"] == "bar"]


def test_sectors_page_draws_one_chart_and_the_check_tables_only_once_opened(
    demo_env: Path,
) -> None:
    at = _run(SECTORS_PAGE)
    labels = at.button_group(key="sectors_bars").options
    assert labels[0] == "全部指标（表格）" and len(labels) == 4  # and the three indicators
    _, data = _direct(demo_env, "2025Q4")
    codes = tasks.sector_indicator_codes(data.targets, data.indicators)  # the options' ids
    assert not at.get("plotly_chart") and _frame(at, "sectors_matrix") is not None
    assert not any(set(d.value.columns) & {"全市目标"} for d in at.dataframe)
    assert any(w.value for w in at.warning)  # the mismatch is still stated
    at.session_state["sectors_bars"] = codes[0]
    at.run()
    bars = _bar_charts(at)
    assert len(at.get("plotly_chart")) == 1 and len(bars) == 1  # that indicator's bars only
    assert at.get("plotly_chart")[0].proto.theme == ""  # no Streamlit theme: as printed
    at.session_state["sectors_bars"] = codes[2]
    at.session_state["sectors_sum_tables"] = True
    at.run()
    bars_after = _bar_charts(at)
    assert len(bars_after) == 1 and bars_after[0] != bars[0]
    assert any("全市目标" in d.value.columns for d in at.dataframe)

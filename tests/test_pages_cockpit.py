"""AppTest runs of app.py and the overview, indicator and method pages, in both languages.

The contract: the overview shows exactly the lights `python -m etl status` computes.
"""

import functools
import html
import json
import subprocess
import sys
from pathlib import Path

import page_html
import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.outputs import palette
from kpi.store import db

REPO = Path(__file__).resolve().parent.parent
PAGES = ["../app.py", "../pages/cockpit.py", "../pages/indicator.py", "../pages/method.py"]
AS_OFS = ["2024Q2", None]  # None: the default (latest quarter with data, the final one here)
SEQUENTIAL = ("achieved", "green", "yellow", "red", "grey")
FINAL = ("achieved", "missed", "grey")


@pytest.fixture(scope="module")
def demo_path(store_copy) -> Path:
    return store_copy(True, "pages")


@pytest.fixture
def kpi_db(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(demo_path))
    return demo_path


@functools.cache  # the module's store is only read: one process per quarter, not per test
def etl_status(path: Path, as_of: str | None) -> list[dict]:
    """The status rows the command line prints (JSON)."""
    cmd = [sys.executable, "-m", "etl", "status", "--db", str(path), "--format", "json"]
    if as_of:
        cmd += ["--as-of", as_of]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def run(page: str, lang: str, as_of: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state["lang"] = lang
    if as_of:
        at.session_state["as_of"] = as_of
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def light_counts_line(at: AppTest) -> str:
    """The overview's one line of light counts (badges)."""
    return next(m.value for m in at.markdown if m.value.count("-badge[") >= 3)


def texts(at: AppTest) -> str:
    """Everything the page wrote as markdown, captions, headers, alerts, metric labels and
    the overview's cards."""
    parts = [
        e.value for kind in ("markdown", "caption", "title", "subheader") for e in at.get(kind)
    ]
    parts += [e.value for kind in ("warning", "info", "success") for e in at.get(kind)]
    parts += [m.label for m in at.metric]
    parts += page_html.card_texts(at).values()
    return "\n".join(str(p) for p in parts)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


@pytest.mark.page
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of", AS_OFS)
def test_page_runs_with_demo_banner_when_demo_data(kpi_db, page, lang, as_of) -> None:
    at = run(page, lang, as_of)
    banner = "演示数据" if lang == "zh" else "Demo data"
    assert any(banner in w.value for w in at.warning)


@pytest.mark.page
@pytest.mark.slow
@pytest.mark.parametrize("page", ["../app.py", "../pages/cockpit.py"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of", AS_OFS)
def test_cockpit_shows_the_lights_of_etl_status(kpi_db, page, lang, as_of) -> None:
    expected = etl_status(kpi_db, as_of)
    at = run(page, lang, as_of)
    # each card's badge names the light etl status gives its indicator
    badges = page_html.card_badges(at)
    lights = {row["indicator_code"]: row["light"] for row in expected}
    assert badges == {code: palette.light_label(light, lang) for code, light in lights.items()}
    shown = FINAL if as_of is None else SEQUENTIAL
    counts = {light: sum(row["light"] == light for row in expected) for light in shown}
    assert palette.light_counts_markdown(counts, lang) in [m.value for m in at.markdown]


@pytest.mark.slow
def test_etl_status_lights_are_final_at_the_plan_end(kpi_db) -> None:
    lights = {row["light"] for row in etl_status(kpi_db, "2025Q4")}
    assert lights <= set(FINAL) and "missed" in lights
    assert {row["light"] for row in etl_status(kpi_db, "2024Q2")} <= set(SEQUENTIAL)


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cockpit_at_plan_end_shows_achieved_missed_no_data(kpi_db, lang) -> None:
    at = run("../pages/cockpit.py", lang, "2025Q4", cockpit_behind=True)
    line = light_counts_line(at)
    assert [word in line for word in map(lambda x: i18n.light_name(x, lang), FINAL)] == [True] * 3
    page = texts(at)
    assert not any(i18n.light_name(x, lang) in page for x in ("green", "yellow", "red"))
    assert i18n.trend_name("acceleration_needed", lang) not in page
    assert i18n.trend_name("on_track", lang) not in page
    table = at.dataframe[0].value
    assert set(table[table.columns[0]]) == {i18n.light_name("missed", lang)}


@pytest.mark.page
def test_cockpit_before_plan_end_keeps_sequential_lights(kpi_db) -> None:
    at = run("../pages/cockpit.py", "zh", "2024Q2")
    line = light_counts_line(at)
    words = ["达标", "绿灯", "黄灯", "红灯", "无数据"]
    positions = [line.index(word) for word in words]
    assert positions == sorted(positions)
    assert "需加快" in texts(at) and "未达标" not in texts(at)


@pytest.mark.page
@pytest.mark.parametrize("lang, chinese", [("zh", True), ("en", False)])
def test_cockpit_labels_follow_language(kpi_db, lang, chinese) -> None:
    page = texts(run("../pages/cockpit.py", lang, "2024Q2"))
    assert ("红灯" in page) is chinese
    assert ("落后指标与责任单位" in page) is chinese
    assert ("Red" in page) is not chinese
    assert ("Indicators behind and responsible units" in page) is not chinese


@pytest.mark.page
def test_cockpit_states_final_assessment_at_default_as_of(kpi_db) -> None:
    zh = texts(run("../pages/cockpit.py", "zh"))
    assert "已过规划期，以下为最终评估" in zh
    assert "差 " in zh or "超出 " in zh
    en = texts(run("../pages/cockpit.py", "en"))
    assert "final assessment" in en


@pytest.mark.page
def test_cockpit_has_no_final_line_before_the_end(kpi_db) -> None:
    assert "最终评估" not in texts(run("../pages/cockpit.py", "zh", "2024Q2"))


@pytest.mark.page
def test_behind_table_is_drawn_only_once_opened(kpi_db) -> None:
    closed = run("../pages/cockpit.py", "zh", "2024Q2")
    headers = [list(d.value.columns) for d in closed.dataframe]
    assert not [h for h in headers if "落后（百分点）" in h]
    assert "download_csv_cockpit_laggards" not in {b.key for b in closed.get("download_button")}
    opened = run("../pages/cockpit.py", "zh", "2024Q2", cockpit_behind=True)
    assert [d for d in opened.dataframe if "落后（百分点）" in d.value.columns]


@pytest.mark.page
def test_cockpit_lists_every_responsible_unit_of_laggards(kpi_db) -> None:
    at = run("../pages/cockpit.py", "zh", "2024Q2", cockpit_behind=True)
    table = at.dataframe[0].value
    assert set(table["状态"]) <= {"红灯", "黄灯"}
    assert table["责任单位"].str.contains("市工业和信息化局").any()
    assert not table["责任单位"].str.contains("等 .* 个单位", regex=True).any()
    listed = next(h.proto.body for h in at.get("html") if "责任单位：" in h.proto.body)
    entries = listed.split("<p>")[1:]
    assert len(entries) == len(table)
    for entry, units in zip(entries, table["责任单位"], strict=True):
        assert html.escape(units) in entry


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_page_shows_both_5g_targets_with_documents(kpi_db, lang) -> None:
    at = run("../pages/indicator.py", lang, "2024Q2", indicator="base_stations_5g")
    names = [trace.get("name", "") for spec in chart_specs(at) for trace in spec["data"]]
    five_g = {"zh": ("1.8 万座", "1.86 万座"), "en": ("18,000 sites", "18,600 sites")}[lang]
    assert any(five_g[0] in n and "湛府〔2023〕14号" in n for n in names)
    assert any(five_g[1] in n and "湛府办〔2022〕32号" in n for n in names)
    shown = page_html.plain_tables(at)
    targets = next(t for t in shown if "湛府办〔2022〕32号" in t.to_string())
    assert len(targets) == 2


@pytest.mark.page
def test_indicator_page_explains_the_colour(kpi_db) -> None:
    at = run("../pages/indicator.py", "zh", "2024Q2", indicator="base_stations_5g")
    why = " ".join(i.value for i in at.info)
    assert "截至2024Q2" in why and "黄灯" in why and "按序时进度应完成" in why


@pytest.mark.page
def test_card_button_opens_the_indicator_page(kpi_db) -> None:
    at = run("../app.py", "zh", "2024Q2")
    page_html.open_card(at, "smart_equipment")
    assert not at.exception, at.exception
    assert at.session_state["indicator"] == "smart_equipment"
    assert at.selectbox(key="indicator").value == "smart_equipment"


@pytest.mark.page
def test_method_page_shows_source_discrepancies(kpi_db) -> None:
    at = run("../pages/method.py", "zh")
    frames = page_html.plain_tables(at)  # short tables: plain, their cells wrap
    sums = next(f for f in frames if "分行业合计" in f.columns)
    assert set(sums["一致"]) == {"是", "否"}
    # the check of the 分行业 page: city minus the sectors (1600 − 1380 台)
    assert sums.set_index("指标").loc["工业机器人/智能装备", "差额"] == "220 台"
    multi = next(f for f in frames if "考核采用" in f.columns and len(f) < 20)
    assert {"5G 基站", "工业机器人/智能装备"} <= set(multi["指标"])
    assert {"湛府〔2023〕14号", "湛府办〔2022〕32号"} <= set(multi["文号"])
    assert "绿灯正常、黄灯预警、红灯督办" in texts(at)


# ------------------------------------------------------------------ overdue sub-tasks


def board_at(path: Path, as_of: str):
    from kpi.measure import tasks

    with db.connect(path) as con:
        return tasks.task_board(con, "zhanjiang-dt-2023", as_of)


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cockpit_counts_overdue_subtasks_and_names_the_units(kpi_db, lang) -> None:
    from kpi.measure import tasks

    board = board_at(kpi_db, "2024Q2")
    at = run("../pages/cockpit.py", lang, "2024Q2")
    label = "逾期/滞后子任务" if lang == "zh" else "Overdue sub-tasks"
    tile = next(m for m in at.metric if m.label == label)
    assert tile.value == f"{tasks.status_counts(board)['overdue']} / {len(board)}"
    unit_col = "责任单位" if lang == "zh" else "Responsible unit"
    units = next(t for t in page_html.plain_tables(at) if list(t.columns)[0] == unit_col)
    worst = tasks.overdue_by_unit(board).iloc[0]
    assert units.iloc[0, 0] == (worst.unit_zh if lang == "zh" else worst.unit_en)
    assert units.iloc[0, 1] == str(worst.overdue) and len(units) <= 5
    assert [b for b in at.button if b.key == "open_overdue_tasks"]


@pytest.mark.page
def test_cockpit_tables_offer_csv_and_xlsx(kpi_db) -> None:
    at = run("../pages/cockpit.py", "zh", "2024Q2", cockpit_behind=True)
    keys = {b.key for b in at.get("download_button")}
    assert {"download_csv_cockpit_laggards", "download_xlsx_cockpit_laggards"} <= keys
    assert "download_csv_cockpit_overdue_units" in keys


@pytest.mark.page
def test_overdue_button_opens_the_tasks_page_filtered(kpi_db) -> None:
    at = run("../app.py", "zh", "2024Q2")
    at.button(key="open_overdue_tasks").click().run()
    assert not at.exception, at.exception
    assert at.toggle(key="tasks_overdue_only").value is True
    assert "逾期/滞后" in texts(at)


@pytest.mark.page
def test_card_source_names_the_batch_and_file_of_real_data(empty_db, monkeypatch) -> None:
    from kpi.auth import accounts
    from kpi.store import intake, review

    monkeypatch.setenv("KPI_DB", str(empty_db))
    content = "指标代码,期间,数值,单位\nidc_racks,2024Q3,2.85万,架\n".encode()
    check = intake.check_file(empty_db, "zhanjiang-dt-2023", content, "q3-racks.csv")
    staff = accounts.User("alice", "staff", "市工业和信息化局", "Alice")
    batch_id = intake.commit_upload(empty_db, staff, check, accept_warnings=True)
    at = run("../pages/cockpit.py", "zh", "2024Q3")  # pending: not shown yet, but counted
    assert "另有 1 份上报待审核" in " ".join(c.value for c in at.caption)
    assert f"批次 {batch_id}" not in " ".join(c.value for c in at.caption)
    review.approve(empty_db, accounts.User("rita", "reviewer", None, "Rita"), batch_id)
    at = run("../pages/cockpit.py", "zh", "2024Q3")
    assert f"数据期 2024Q3 · 批次 {batch_id} q3-racks.csv" in texts(at)
    assert not any("演示数据" in w.value for w in at.warning)


@pytest.mark.page
def test_indicator_page_draws_one_section_at_a_time(kpi_db) -> None:
    at = run("../pages/indicator.py", "zh", "2025Q4", indicator="base_stations_5g")
    assert at.button_group(key="indicator_section").options == [
        "目标与来源",
        "同类比较",  # the second plan's and other cities' figures for 5G base stations
        "相关任务与责任单位",
        "分行业与分地区",
        "数据与修订记录",
    ]
    assert len(page_html.plain_tables(at)) == 1 and not at.dataframe  # the targets only
    assert len(at.get("plotly_chart")) == 1
    at.session_state["indicator_section"] = "indicator.breakdowns"
    at.run()
    assert not page_html.plain_tables(at) and len(at.get("plotly_chart")) == 1
    assert "没有分行业或分地区数据" in [c.value for c in at.caption]
    at.selectbox(key="indicator").set_value("cloud_firms").run()  # figures by district
    assert at.session_state["indicator_section"] == "indicator.breakdowns"  # the section stays
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) == 1
    # Both charts in their own look, as the bulletin prints them: no Streamlit theme merged in.
    assert [c.proto.theme for c in at.get("plotly_chart")] == ["", ""]
    at.session_state["indicator_section"] = "indicator.figures"
    at.run()
    history = at.dataframe[0].value
    assert "2025Q4" in history.to_string() and len(at.get("plotly_chart")) == 1


@pytest.mark.page
def test_the_chosen_section_stays_when_the_language_changes(kpi_db) -> None:
    """Sections are kept by id, not label: a reader switching to English stays where they were."""
    at = run("../pages/indicator.py", "zh", "2025Q4", indicator="base_stations_5g")
    at.button_group(key="indicator_section").set_value("peers.title").run()
    assert at.button_group(key="indicator_section").formatted_values == ["同类比较"]
    at.radio(key="lang").set_value("en").run()
    sections = at.button_group(key="indicator_section")
    assert sections.options[1] == "Peers" and sections.formatted_values == ["Peers"]
    assert sections.value == "peers.title"

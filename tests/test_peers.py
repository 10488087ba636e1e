"""Peers of an indicator (issue 13, item 5): other cities' cited figures and the same code in
another loaded plan, on the indicator page."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import config
from kpi.measure import peers
from kpi.outputs import peer_tables
from kpi.store import db, plan_import, queries, reference
from kpi.web import context

PLAN = "zhanjiang-dt-2023"
NEXT = "zhanjiang-dt-next"
CODE = "base_stations_5g"


def next_plan(tmp_path: Path) -> Path:
    """Zhanjiang's folder under another id with a later window (a test plan, no source)."""
    folder = tmp_path / NEXT
    shutil.copytree(config.PLANS_DIR / PLAN, folder)
    for demo in folder.glob("demo_*.csv"):
        demo.unlink()
    plan = (folder / "plan.csv").read_text(encoding="utf-8").splitlines()
    cells = plan[1].split(",")
    cells[0], cells[4:8] = NEXT, ["2026-03-01", "2026Q1", "2028Q4", "2025Q4"]
    (folder / "plan.csv").write_text("\n".join([plan[0], ",".join(cells)]) + "\n", "utf-8")
    (folder / "milestones.csv").write_text(
        (folder / "milestones.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8"
    )
    targets = (folder / "targets.csv").read_text(encoding="utf-8")
    (folder / "targets.csv").write_text(targets.replace("2025,2025Q4", "2028,2028Q4"), "utf-8")
    return folder


@pytest.fixture
def two_plans(demo_db: Path, tmp_path: Path) -> Path:
    with db.connect(demo_db) as con:
        imported = reference.import_plan(con, plan_import.read_folder(next_plan(tmp_path)))
    assert imported.ok, [p.code for p in imported.problems]
    return demo_db


def test_peer_figures_are_loaded_with_city_date_and_document(empty_db: Path) -> None:
    with db.read(empty_db) as con:
        rows = queries.peer_figures(con, CODE)
    (row,) = rows.to_dict("records")
    as_of = pd.Timestamp(row["as_of"]).date().isoformat()
    assert (row["city_zh"], row["value"], as_of) == ("中山市", 6546.0, "2022-06-14")
    assert row["doc_no"] == "中工信函〔2022〕55号"


def test_no_peer_for_an_indicator_without_one(empty_db: Path) -> None:
    with db.read(empty_db) as con:
        assert peers.peers(con, PLAN, "idc_racks", "2025Q4").empty


@pytest.mark.parametrize(
    ("lang", "who", "citation"),
    [
        ("zh", "其他城市：中山市", "中山市 · 2022-06-14 · 中工信函〔2022〕55号"),
        ("en", "Other city: Zhongshan", "Zhongshan · 2022-06-14 · 中工信函〔2022〕55号"),
    ],
)
def test_a_peer_figure_is_shown_as_another_citys_with_its_date(empty_db, lang, who, citation):
    with db.read(empty_db) as con:
        found = peers.peers(con, PLAN, CODE, "2025Q4")
        indicator = queries.indicators(con, PLAN).set_index("indicator_code").loc[CODE]
    table = peer_tables.peers_table(found, indicator.to_dict(), lang)
    (line,) = table.to_dict("records")
    cells = list(line.values())
    assert cells[0] == who and cells[2] == "2022-06-14"
    assert cells[4].startswith(citation)
    assert "6546" in cells[1].replace(",", "") or "0.65" in cells[1]


def test_a_second_plan_sharing_the_code_is_an_other_plan_row(two_plans: Path) -> None:
    with db.read(two_plans) as con:
        found = peers.peers(con, PLAN, CODE, "2025Q4")
        latest = queries.current_figures(con, PLAN, "2025Q4")
    plans = found[found["kind"] == peers.OTHER_PLAN].to_dict("records")
    assert [p["plan_id"] for p in plans] == [NEXT]
    (plan,) = plans
    city = latest[(latest["indicator_code"] == CODE) & latest["district_code"].isna()]
    assert (plan["start_period"], plan["end_period"]) == ("2026Q1", "2028Q4")
    # The next plan's window starts at its 2025Q4 baseline: the first plan's last figure counts.
    assert plan["period"] == "2025Q4" and plan["value"] == city.iloc[-1]["value"]
    assert (found["kind"] == peers.OTHER_CITY).sum() == 1  # cited by both plans, shown once


def run_indicator_page(path: Path, monkeypatch, lang: str, plan: str, code: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(path))
    at = AppTest.from_file("../pages/indicator.py", default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[context.PLAN_KEY] = plan
    at.session_state[context.INDICATOR_KEY] = code
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.page
@pytest.mark.parametrize(("lang", "title"), [("zh", "同类比较"), ("en", "Peers")])
def test_indicator_page_shows_peers(two_plans, monkeypatch, lang, title) -> None:
    at = run_indicator_page(two_plans, monkeypatch, lang, PLAN, CODE)
    assert title in at.button_group(key="indicator_section").options
    at.session_state["indicator_section"] = "peers.title"  # drawn once its section is chosen
    at.run()
    table = next(d.value for d in at.dataframe if "2022-06-14" in d.value.to_string())
    assert len(table) == 2 and "2026Q1" in table.to_string()


@pytest.mark.page
def test_indicator_page_says_when_there_are_no_peers(demo_db, monkeypatch) -> None:
    at = run_indicator_page(demo_db, monkeypatch, "zh", PLAN, "idc_racks")
    at.session_state["indicator_section"] = "peers.title"
    at.run()
    assert "其他规划和来源文件中没有该指标的可比数据。" in [c.value for c in at.caption]
    assert not at.dataframe

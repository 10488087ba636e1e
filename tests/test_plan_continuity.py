"""Several plans in one store: an indicator is one time series across plans (issue 13, item 3).

The next plan is a copy of Zhanjiang's folder under another plan id, with a later window and one
changed target (a test plan, not a source document). Its 5G base stations run on from the first
plan: the figures are stored once, each plan reads them through its own window, baseline and
targets, and a quarter no plan covers is refused naming every plan and its window.
"""

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from kpi.base import config
from kpi.measure import assessment
from kpi.store import db, plan_import, queries, reference
from kpi.store.loads import load_files

OLD, NEW = "zhanjiang-dt-2023", "zhanjiang-dt-2026"
CODE = "base_stations_5g"
NEW_TARGET = 30000.0
TODAY = date(2026, 11, 29)


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) if rows else []
    rows = [r for r in (change(dict(row)) for row in rows) if r is not None]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def next_plan_folder(tmp_path: Path) -> Path:
    """Zhanjiang's folder as a 2026-2030 plan: baseline 2025Q4, targets at 2030Q4, 5G changed."""
    folder = tmp_path / NEW
    shutil.copytree(config.PLANS_DIR / OLD, folder)
    for demo in folder.glob("demo_*.csv"):
        demo.unlink()

    def plan(row: dict) -> dict:
        return row | {
            "plan_id": NEW,
            "name_zh": "测试用后续规划（2026—2030年）",
            "name_en": "Test follow-on plan (2026-2030)",
            "issued_on": "2026-03-01",
            "start_period": "2026Q1",
            "end_period": "2030Q4",
            "base_period": "2025Q4",
        }

    def target(row: dict) -> dict:
        row |= {"year": "2030", "period": "2030Q4"}
        if row["indicator_code"] == CODE and row["is_default"] == "true":
            row |= {"value": str(NEW_TARGET), "value_as_written": "3", "unit_as_written": "万座"}
        return row

    _rewrite(folder / "plan.csv", plan)
    _rewrite(folder / "targets.csv", target)
    _rewrite(folder / "milestones.csv", lambda row: None)  # the copy has no phase milestones
    return folder


@pytest.fixture(scope="module")
def two_plans_template(store_copy) -> Path:
    """The demo store with the next plan imported, built once for the module."""
    path = store_copy(True, "two_plans")
    folder = next_plan_folder(path.parent)
    with db.connect(path) as con:
        imported = reference.import_plan(con, plan_import.read_folder(folder))
    assert imported.ok and imported.written, [p.code for p in imported.problems]
    return path


@pytest.fixture
def two_plans(two_plans_template: Path, tmp_path: Path) -> Path:
    """A copy of the two-plan store for one test to change."""
    path = tmp_path / "two_plans.duckdb"
    shutil.copy(two_plans_template, path)
    return path


def load(path: Path, tmp_path: Path, rows: str, plan_id: str):
    file = tmp_path / "figures.csv"
    file.write_text("指标代码,期间,行业,区县,数值,单位\n" + rows, encoding="utf-8")
    return load_files([file], db=path, plan_id=plan_id, user_name="it", today=TODAY)


def city_series(con, plan_id: str, as_of: str) -> dict[str, float]:
    figures = queries.current_figures(con, plan_id, as_of)
    city = figures[
        (figures["indicator_code"] == CODE)
        & figures["sector_code"].isna()
        & figures["district_code"].isna()
    ]
    return dict(zip(city["period"], city["value"], strict=True))


def test_the_next_plan_reads_the_first_plans_figures_from_its_baseline(two_plans: Path) -> None:
    with db.read(two_plans) as con:
        old = city_series(con, OLD, "2025Q4")
        new = city_series(con, NEW, "2025Q4")
        stored = con.execute(
            "select count(*) from figures where indicator_code = ? and period = '2025Q4'"
            " and sector_code is null and district_code is null and is_current",
            [CODE],
        ).fetchone()[0]
    assert new == {"2025Q4": old["2025Q4"]}  # the baseline, and nothing before it
    assert stored == 1  # stored once, read by both plans


def test_a_quarter_after_the_first_plan_counts_for_the_next_plan_only(
    two_plans: Path, tmp_path: Path
) -> None:
    result = load(two_plans, tmp_path, f"{CODE},2026Q1,,,21000,座\n", NEW)
    assert result.ok and result.batch_ids
    with db.read(two_plans) as con:
        assert "2026Q1" in city_series(con, NEW, "2026Q4")
        assert "2026Q1" not in city_series(con, OLD, "2026Q4")
        assert queries.periods_with_figures(con, NEW)[-1] == "2026Q1"
        status = assessment.status_table(assessment.read_plan_data(con, NEW, "2026Q1"), "2026Q1")
    row = status.set_index("indicator_code").loc[CODE]
    assert row["actual"] == 21000
    assert row["target"] == NEW_TARGET  # the next plan's own target


def test_a_figure_loaded_under_either_plan_is_the_same_figure(
    two_plans: Path, tmp_path: Path
) -> None:
    assert load(two_plans, tmp_path, f"{CODE},2026Q1,,,21000,座\n", NEW).ok
    # The old plan's id, a quarter only the next plan covers: accepted, and it replaces the value.
    assert load(two_plans, tmp_path, f"{CODE},2026Q1,,,21500,座\n", OLD).ok
    with db.read(two_plans) as con:
        assert city_series(con, NEW, "2026Q4")["2026Q1"] == 21500
        rows = con.execute(
            "select value, is_current from figures where indicator_code = ? and period = '2026Q1'"
            " order by figure_id",
            [CODE],
        ).fetchall()
    assert rows == [(21000.0, False), (21500.0, True)]  # the replaced one stays in history


def test_a_quarter_no_plan_covers_is_refused_naming_every_plan(
    two_plans: Path, tmp_path: Path
) -> None:
    result = load(two_plans, tmp_path, f"{CODE},2021Q4,,,5000,座\n", NEW)
    assert not result.ok
    (problem,) = result.checks[0].checked.errors
    assert (problem.code, problem.row, problem.column) == ("period_outside_plan", 2, "period")
    for text in (f"{OLD} 2022Q4–2025Q4", f"{NEW} 2025Q4–2030Q4"):
        assert text in problem.message("zh") and text in problem.message("en")


def test_without_the_next_plan_a_quarter_after_the_first_is_refused(
    demo_db: Path, tmp_path: Path
) -> None:
    result = load(demo_db, tmp_path, f"{CODE},2026Q1,,,21000,座\n", OLD)
    (problem,) = result.checks[0].checked.errors
    assert problem.code == "period_outside_plan"
    assert f"{OLD} 2022Q4–2025Q4" in problem.message("zh")


def test_the_newest_active_plan_is_the_default(two_plans: Path) -> None:
    with db.read(two_plans) as con:
        assert queries.plans(con)["plan_id"].iloc[0] == NEW  # 2026Q4 is in its window

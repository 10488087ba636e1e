"""Guangzhou's plan folder (data/plans/guangzhou-dt-draft) beside Zhanjiang's, with no code change.

Every target and milestone is checked against the line of the draft (seeds 003) it cites; the
folder and its demo figures load into a store next to Zhanjiang's; the codes never mix.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.measure import assessment
from kpi.store import db, demo, queries, reference
from kpi.web import context

REPO_DIR = Path(__file__).resolve().parents[1]
PLAN_ID = "guangzhou-dt-draft"
PLAN_DIR = REPO_DIR / "data" / "plans" / PLAN_ID
OTHER_DIR = REPO_DIR / "data" / "plans" / "zhanjiang-dt-2023"
DRAFT = REPO_DIR.parent / "shared" / "seeds" / "003_e5d2cbf35ac89c6e.txt"
needs_seeds = pytest.mark.skipif(not DRAFT.is_file(), reason=f"source not found: {DRAFT}")
# The wording each comparator stands for (data/README.md, "Comparators").
WORDING = {">=": "以上", "~": "左右", "range": "左右", "=": ""}


def read(name: str, folder: Path = PLAN_DIR) -> list[dict]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def draft_lines() -> list[str]:
    return DRAFT.read_text(encoding="utf-8").splitlines()


def cited_lines(source_ref: str) -> str:
    """The text of the lines `source_ref` names (`L11`, or `L19-L21` for a range)."""
    found = re.search(r"L(\d+)(?:-L(\d+))?$", source_ref)
    assert found, f"no line in {source_ref!r}"
    first, last = int(found[1]), int(found[2] or found[1])
    return "".join(draft_lines()[first - 1 : last])


def squash(text: str) -> str:
    return re.sub(r"[\s*]", "", text)


TARGETS = read("targets.csv")
MILESTONES = read("milestones.csv")


@needs_seeds
@pytest.mark.parametrize("row", TARGETS, ids=[r["indicator_code"] for r in TARGETS])
def test_target_is_written_on_its_cited_line(row) -> None:
    line = squash(cited_lines(row["source_ref"]))
    written = row["value_as_written"] + row["unit_as_written"]
    assert written in line, f"{written} not on {row['source_ref']}"
    assert f"到{row['year']}年" in line
    after = line.split(written, 1)[1][:2]  # the wording that follows the figure
    assert after == WORDING[row["comparator"]] or (
        not WORDING[row["comparator"]] and after not in WORDING.values()
    )
    factor = 10000 if row["unit_as_written"].startswith("万") else 1
    number = float(re.match(r"[\d.]+", row["value_as_written"])[0])
    assert float(row["value"]) == number * factor
    assert row["source_id"] == "gz-dt-measures" and row["is_default"] == "true"


@needs_seeds
@pytest.mark.parametrize("row", MILESTONES, ids=[r["indicator_code"] for r in MILESTONES])
def test_milestone_is_written_on_its_cited_line(row) -> None:
    line = squash(cited_lines(row["source_ref"]))
    value = float(row["value"])
    written = f"{value / 10000:g}万" if value >= 10000 else f"{value:g}"
    assert written in line and f"到{row['period'][:4]}年" in line


def test_each_indicator_has_one_default_city_target_and_a_gz_code() -> None:
    codes = [row["indicator_code"] for row in read("indicators.csv")]
    defaults = [r["indicator_code"] for r in TARGETS if r["is_default"] == "true"]
    assert sorted(defaults) == sorted(codes)
    assert all(code.startswith("gz_") for code in codes)
    zhanjiang = {row["indicator_code"] for row in read("indicators.csv", OTHER_DIR)}
    assert not zhanjiang & set(codes)


def test_milestones_come_before_their_target() -> None:
    due = {r["indicator_code"]: r["period"] for r in TARGETS}
    assert all(m["period"] < due[m["indicator_code"]] for m in MILESTONES)


@needs_seeds
@pytest.mark.parametrize("group", read("task_groups.csv"), ids=lambda g: g["group_no"])
def test_task_group_units_are_the_drafts(group) -> None:
    # The draft separates units with ， as often as with 、; the folder writes 、 (split_units).
    line = squash(cited_lines(group["source_ref"])).replace("，", "、")
    assert f"责任单位：{group['units_as_written']}" in line
    assert squash(group["name_zh"]) in line
    known = {row["unit_zh"] for row in read("responsible_units.csv")}
    assert set(reference.split_units(group["units_as_written"])) <= known


@needs_seeds
@pytest.mark.parametrize(
    "task", read("subtasks.csv"), ids=lambda t: f"{t['group_no']}.{t['subtask_no']}"
)
def test_subtask_text_is_the_drafts(task) -> None:
    (group,) = [g for g in read("task_groups.csv") if g["group_no"] == task["group_no"]]
    assert squash(task["text_zh"]) in squash(cited_lines(group["source_ref"]))
    assert task["text_en"]


def test_sources_cite_the_draft_only() -> None:
    (source,) = read("sources.csv")
    assert source["file"] == DRAFT.name and not source["doc_no"] and not source["issued_on"]


def test_folder_loads_beside_zhanjiang(empty_db: Path) -> None:
    with db.read(empty_db) as con:
        assert set(queries.plans(con)["plan_id"]) == {PLAN_ID, "zhanjiang-dt-2023"}
        assert len(queries.tasks(con, PLAN_ID)) == len(read("subtasks.csv"))
        assert queries.sectors(con, PLAN_ID).empty and queries.districts(con, PLAN_ID).empty
        status = assessment.indicator_status(con, PLAN_ID, "2023Q4")
    assert len(status) == len(read("indicators.csv"))
    assert set(status["light"]) == {"grey"}


def test_demo_figures_load_flagged_as_demo(demo_db: Path) -> None:
    shipped = read("demo_figures.csv")
    with db.read(demo_db) as con:
        figures = queries.current_figures(con, PLAN_ID, "9999Q4")
        status = assessment.indicator_status(con, PLAN_ID, "2025Q4")
    assert len(figures) == len(shipped) and figures["is_demo"].all()
    assert status["is_demo"].all()
    assert set(figures["indicator_code"]) == {r["indicator_code"] for r in read("indicators.csv")}


def test_demo_files_are_the_generators_output() -> None:
    frames = reference.read_plan_folder(PLAN_DIR)
    plan = frames["plans"].iloc[0].to_dict()
    made = demo.demo_figures(
        frames["indicators"], frames["targets"], frames["sectors"], frames["districts"], plan
    )
    shipped = pd.read_csv(PLAN_DIR / "demo_figures.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(shipped, made.fillna(""), check_dtype=False)
    assert made["period"].min() == plan["base_period"] and made["period"].max() == "2025Q4"


def test_demo_holds_still_after_a_target_falls_due() -> None:
    figures = pd.read_csv(PLAN_DIR / "demo_figures.csv")
    after = figures[
        (figures["indicator_code"] == "gz_service_providers") & (figures["period"] > "2023Q4")
    ]
    assert len(after) == 8 and (after["value"] == 0).all()


@pytest.mark.page
@pytest.mark.parametrize("page", ["../pages/cockpit.py", "../pages/indicator.py"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_run_with_the_guangzhou_plan(demo_db, monkeypatch, page, lang) -> None:
    monkeypatch.setenv("KPI_DB", str(demo_db))
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[context.PLAN_KEY] = PLAN_ID
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(str(c.value) for c in at.caption)
    assert ("广州市" if lang == "zh" else "Guangzhou") in shown

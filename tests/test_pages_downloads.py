"""Every table on the read pages comes with CSV and XLSX downloads of exactly what it shows."""

import io
import re
from pathlib import Path

import openpyxl
import page_html
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.store import db, queries

pytestmark = pytest.mark.page

# (page, session state): every tab and opened expander that holds a table; the indicators with
# sector (专栏1) and district breakdowns as well.
PAGES = [
    ("indicator", {}),
    ("indicator", {"indicator": "base_stations_5g", "indicator_section": "peers.title"}),
    ("indicator", {"indicator_section": "indicator.tasks"}),
    (
        "indicator",
        {"indicator": "smart_factories", "indicator_section": "indicator.breakdowns"},
    ),
    ("indicator", {"indicator": "cloud_firms", "indicator_section": "indicator.breakdowns"}),
    ("indicator", {"indicator_section": "indicator.figures"}),
    ("sectors", {"sectors_sum_tables": True}),
    ("tasks", {}),
    ("tasks", {"tasks_section": "tasks.scorecard"}),
    ("method", {"method_targets": True, "method_milestones": True}),
    ("warnings", {}),
    ("warnings", {"warnings_section": "warnings.list"}),
]
FORMULA = '=HYPERLINK("http://example.com","点击")'


def _run(page: str, lang: str = "zh", as_of: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(f"../pages/{page}.py", default_timeout=60)
    at.session_state["lang"] = lang
    if as_of:
        at.session_state["as_of"] = as_of
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def demo_env(module_demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(module_demo_store))
    return module_demo_store


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page, state", PAGES)
def test_every_table_has_csv_and_xlsx_buttons_when_shown(
    demo_env: Path, page: str, state: dict, lang: str
) -> None:
    at = _run(page, lang, "2024Q2", **state)
    keys = [b.key for b in at.download_button]
    names = [k.removeprefix("download_csv_") for k in keys if k.startswith("download_csv_")]
    tables = len(page_html.tables(at))  # grids, and short tables drawn plain
    assert tables > 0
    assert len(names) == len(set(names)) == tables, keys
    assert sorted(keys) == sorted(f"download_{f}_{n}" for n in names for f in ("csv", "xlsx"))
    assert all(n.isascii() for n in names)
    assert {b.label for b in at.download_button} == {"CSV", "XLSX"}


def test_xlsx_holds_the_shown_table_exactly_and_csv_neutralises_formulas(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, downloads: dict
) -> None:
    monkeypatch.setenv("KPI_DB", str(demo_db))  # a store of its own: this test writes
    with db.connect(demo_db) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        update = pd.DataFrame(
            [
                {
                    "group_no": 1,
                    "subtask_no": 1,
                    "period": "2025Q4",
                    "status": "in_progress",
                    "note": FORMULA,
                    "evidence": "",
                    "unit_zh": "市工业和信息化局",
                }
            ]
        )
        queries.insert_task_updates(con, plan_id, update, user_name="test", is_demo=False)
    at = _run("tasks", "zh", "2025Q4")
    shown = next(d.value for d in at.dataframe if "任务组" in d.value.columns)
    assert FORMULA in set(shown["说明"])

    data, file_name = downloads["download_xlsx_tasks_board"]
    assert file_name.startswith("tasks_board-") and file_name.endswith("-2025Q4-zh.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data())).active
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == i18n.t("tasks.board", "zh")
    assert "评估季度：2025Q4" in rows[1][0]
    assert rows[2][0] == i18n.t("demo.banner", "zh")
    header = rows.index(list(shown.columns))
    body = rows[header + 1 :]
    assert body == shown.astype(str).values.tolist()  # text cells: exact, never formulas
    assert [c for row in body for c in row if "HYPERLINK" in c] == [FORMULA]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]

    data, file_name = downloads["download_csv_tasks_board"]
    assert file_name.startswith("tasks_board-") and file_name.endswith("-2025Q4-zh.csv")
    csv = pd.read_csv(io.BytesIO(data()), encoding="utf-8-sig", keep_default_na=False)
    assert list(csv.columns) == list(shown.columns) and len(csv) == len(shown)
    assert "'" + FORMULA in set(csv["说明"])  # a spreadsheet would run the CSV's text


@pytest.mark.parametrize("page, state", PAGES)
def test_chinese_downloads_have_chinese_headers(
    demo_env: Path, downloads: dict, page: str, state: dict
) -> None:
    _run(page, "zh", "2024Q2", **state)
    assert downloads
    for key, (data, _) in downloads.items():
        if key.startswith("download_csv_"):
            header = pd.read_csv(io.BytesIO(data()), encoding="utf-8-sig", nrows=0).columns
            assert not [h for h in header if re.fullmatch(r"[a-z0-9_]+", h)], key


def test_english_download_names_and_captions_follow_the_page(
    demo_env: Path, downloads: dict
) -> None:
    _run("warnings", "en", "2024Q2", warnings_section="warnings.list")
    data, file_name = downloads["download_xlsx_warnings_list"]
    assert file_name.endswith("-2024Q2-en.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data())).active
    captions = [sheet.cell(row=r, column=1).value for r in (1, 2, 3)]
    assert captions[0] == "Warning details" and captions[1].endswith("As of 2024Q2")
    assert captions[2] == i18n.t("demo.banner", "en")
    assert sheet.cell(row=5, column=1).value == "Escalation"

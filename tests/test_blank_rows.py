"""Template rows left unfilled: one notice with their count, never a warning per row, so a
partly filled template passes `etl load --strict`; a row the clerk touched without giving a
figure stays a warning."""

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from etl_run import run_etl
from intake_helpers import run_page, use_accounts

from kpi.auth.accounts import User
from kpi.outputs import upload_template
from kpi.store import db, loads
from kpi.store.validation import MAX_LISTED_PROBLEMS, check_table

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
HEADER = ["_row", "指标代码", "期间", "行业", "数值", "备注"]


def check_rows(reference, rows: list[list[str]]):
    """check_table on rows under HEADER, numbered from sheet row 2 as the reader does."""
    table = pd.DataFrame([[n, *row] for n, row in enumerate(rows, start=2)], columns=HEADER)
    return check_table(table.astype({"_row": int}), reference)


def test_untouched_template_rows_are_one_notice_however_many(reference):
    many = MAX_LISTED_PROBLEMS * 3  # once each row was a warning, and the list was cut
    rows = [["idc_racks", "2025Q3", "", "", ""]] * many + [["idc_racks", "2025Q4", "", "5", ""]]
    out, problems = check_rows(reference, rows)
    assert [(p.code, p.severity, p.params) for p in problems] == [
        ("unfilled_rows_skipped", "notice", {"n": many})
    ]
    assert problems[0].message("zh") == f"模板中 {many} 行未填写，已跳过"
    assert problems[0].message("en") == f"{many} template rows left unfilled were skipped"
    assert out["source_row"].tolist() == [many + 2]


def test_a_note_without_a_figure_is_a_warning_on_its_row(reference):
    rows = [["idc_racks", "2025Q3", "", "", "本季度暂无数据"], ["idc_racks", "2025Q4", "", "5", ""]]
    _out, problems = check_rows(reference, rows)
    [problem] = problems
    assert (problem.code, problem.severity, problem.row, problem.column) == (
        "blank_value_with_note",
        "warning",
        2,
        "note",
    )
    assert problem.value == "本季度暂无数据"
    assert "数值为空" in problem.message("zh") and "请补填数值，或删除备注" in problem.message("zh")


def test_wholly_empty_rows_between_filled_ones_are_not_counted(reference):
    rows = [["idc_racks", "2025Q3", "", "4", ""], ["", "", "", "", ""], ["idc_racks", "2025Q4"]]
    rows[2] += ["", "", ""]  # a template row with nothing typed
    out, problems = check_rows(reference, rows)
    assert [(p.code, p.params) for p in problems] == [("unfilled_rows_skipped", {"n": 1})]
    assert out["source_row"].tolist() == [2]


def test_only_unfilled_rows_is_still_an_empty_file(reference):
    _out, problems = check_rows(reference, [["idc_racks", "2025Q3", "", "", ""]] * 3)
    assert [(p.code, p.severity) for p in problems] == [
        ("unfilled_rows_skipped", "notice"),
        ("empty_file", "error"),
    ]


# ------------------------------------------------------------------ etl load --strict


def partly_filled(path: Path, filled: int = 2, today: date | None = None) -> tuple[bytes, int]:
    """The staff unit's XLSX template with 累计数 typed on its first `filled` rows."""
    with db.read(path) as con:
        content = upload_template.unit_template(con, PLAN, STAFF, "xlsx", today=today)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    column = {cell.value: cell.column for cell in sheet[1]}["累计数"]
    rows = max(cell.row for cell in sheet["A"] if cell.value is not None) - 1
    for row in range(2, 2 + filled):
        sheet.cell(row, column, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows


def test_partly_filled_template_passes_strict_and_counts_the_rest_once(empty_db, tmp_path):
    content, rows = partly_filled(empty_db, today=date(2026, 11, 23))
    path = tmp_path / "template.xlsx"
    path.write_bytes(content)
    result = loads.load_files(
        [path], db=empty_db, plan_id=PLAN, user_name="t", strict=True, today=date(2026, 11, 23)
    )
    assert result.ok and len(result.batch_ids) == 1
    [report] = result.as_dict()["files"]
    assert (report["errors"], report["warnings"], report["notices"]) == (0, 0, 1)
    assert [(p["code"], p["severity"]) for p in report["problems"]] == [
        ("unfilled_rows_skipped", "notice")
    ]
    assert f"模板中 {rows - 2} 行未填写" in report["problems"][0]["message_zh"]


def test_cli_prints_the_notice_once_and_strict_exits_zero(empty_db, tmp_path):
    content, rows = partly_filled(empty_db)
    path = tmp_path / "template.xlsx"
    path.write_bytes(content)
    run = run_etl("load", "--db", empty_db, "--strict", path)
    assert run.returncode == 0, run.stdout + run.stderr
    notices = [line for line in run.stdout.splitlines() if "未填写" in line]
    assert notices == [
        f"  [提示] 整个文件: 模板中 {rows - 2} 行未填写，已跳过 / "
        f"[Notice] whole file: {rows - 2} template rows left unfilled were skipped"
    ]
    json_run = run_etl("load", "--db", empty_db, "--dry-run", "--json", "--strict", path)
    report = json.loads(json_run.stdout)
    assert report["ok"] and report["files"][0]["notices"] == 1


# ------------------------------------------------------------------ the upload page


@pytest.mark.page
@pytest.mark.parametrize(
    ("lang", "severity", "text"),
    [("zh", "提示", "模板中 {n} 行未填写，已跳过"), ("en", "Notice", "{n} template rows left")],
)
def test_upload_page_shows_the_notice_once_and_needs_no_acceptance(
    empty_db, tmp_path, monkeypatch, lang, severity, text
):
    use_accounts(monkeypatch, tmp_path, empty_db, {"staff": ("staff", STAFF.unit)})
    content, rows = partly_filled(empty_db)
    at = run_page("../pages/upload.py", "staff", lang)
    at.file_uploader(key="upload").set_value(
        ("template.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe if d.value.shape[1] >= 5]
    shown = [
        row for table in tables for row in table.astype(str).values.tolist() if severity in row
    ]
    assert len(shown) == 1
    assert text.format(n=rows - 2) in " ".join(shown[0])
    assert not at.warning  # no warnings to accept
    assert not at.button(key="upload_commit").disabled

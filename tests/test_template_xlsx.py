"""The Excel upload templates as a clerk opens them: marked, unlocked entry cells, drop-downs
from the reference data, a number check, protection, A4 printing; and a filled one still loads.

Checked on the workbook's own objects (openpyxl), never through LibreOffice."""

import functools
import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from kpi.auth.accounts import User
from kpi.measure.tracking import period_choices
from kpi.outputs import upload_template, xlsx_styles
from kpi.outputs.upload_template import SPARE_ROWS, TemplateChoices, template_workbook
from kpi.store import db, ingest, queries

PLAN = "zhanjiang-dt-2023"
TODAY = date(2026, 11, 23)  # after the plan's end: the due quarter is its last, 2025Q4
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
ADMIN = User("admin", "admin", None, "admin")


# The tests only read their stores, so each kind is copied once for the module; each template
# is made once per store and argument, and read into a fresh workbook for every test.


@pytest.fixture(scope="module")
def empty_db(store_copy) -> Path:
    return store_copy(False, "templates_empty")


@pytest.fixture(scope="module")
def demo_db(store_copy) -> Path:
    return store_copy(True, "templates_demo")


@functools.cache
def _generic(path: Path, lang: str) -> bytes:
    with db.read(path) as con:
        return upload_template.upload_template(con, PLAN, "xlsx", today=TODAY, lang=lang)


@functools.cache
def _per_unit(path: Path, user: User | None) -> bytes:
    with db.read(path) as con:
        return upload_template.unit_template(con, PLAN, user, "xlsx", today=TODAY)


def generic(path: Path, lang: str = "zh") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_generic(path, lang)))


def per_unit(path: Path, user: User | None = STAFF) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_per_unit(path, user)))


def headers(sheet) -> dict[str, str]:
    """Header text -> column letter."""
    return {cell.value: cell.column_letter for cell in sheet[1]}


def filled_rows(sheet) -> int:
    """The last sheet row the template filled in (the spare rows follow)."""
    return max(cell.row for cell in sheet["A"] if cell.value is not None)


def check_on(sheet, cell: str) -> DataValidation:
    """The one data validation covering `cell`."""
    found = [dv for dv in sheet.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (cell, found)
    return found[0]


def choices(book: openpyxl.Workbook, check: DataValidation) -> list[str]:
    """A list validation's items: inline ("a,b") or the cells its workbook name points to."""
    formula = check.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = book.defined_names[formula].attr_text.split("!")
    sheet = book[sheet_name.strip("'")]
    return [row[0].value for row in sheet[cells.replace("$", "")]]


# ------------------------------------------------------------------ entry cells and protection


def test_generic_template_unlocks_and_marks_only_the_entry_cells(empty_db):
    sheet = generic(empty_db).worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    assert all(cell.protection.locked for cell in sheet[1])  # the header
    for name in ("指标代码", "指标名称"):  # what the template filled: the row's identity
        assert sheet[f"{column[name]}2"].protection.locked
        assert not sheet[f"{column[name]}{last + 1}"].protection.locked  # a spare row
    for name in ("期间", "行业", "区县", "数值", "单位", "备注"):
        cell = sheet[f"{column[name]}2"]
        assert not cell.protection.locked, name
        assert cell.fill.fgColor.rgb.endswith("FFF2CC") and cell.border.left.style == "thin"
    assert sheet[f"{column['期间']}2"].number_format == "@"  # 2025Q1 stays text
    assert sheet[f"{column['数值']}2"].number_format.startswith("#,##0")
    assert sheet.max_row == last + SPARE_ROWS


def test_unit_template_locks_the_information_columns_on_every_row(demo_db):
    sheet = per_unit(demo_db).worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    for name in ("口径", "上期累计数", "上期本期数"):
        assert sheet[f"{column[name]}2"].protection.locked
        assert sheet[f"{column[name]}{last + 1}"].protection.locked
    for name in ("指标代码", "指标名称", "行业", "区县"):
        assert sheet[f"{column[name]}2"].protection.locked
        assert not sheet[f"{column[name]}{last + 1}"].protection.locked
    for name in ("期间", "单位", "本期数", "累计数", "备注"):
        assert not sheet[f"{column[name]}2"].protection.locked, name
    assert isinstance(sheet[f"{column['上期累计数']}2"].value, int | float)  # not text


@pytest.mark.parametrize("which", ["generic", "unit"])
def test_both_sheets_are_protected_without_a_password(demo_db, which):
    book = generic(demo_db) if which == "generic" else per_unit(demo_db)
    for sheet in book.worksheets:
        assert sheet.protection.sheet
        assert sheet.protection.password is None and sheet.protection.hashValue is None
    assert not book.worksheets[0].protection.formatColumns  # widths may still change


# ------------------------------------------------------------------ drop-downs and checks


def test_generic_template_offers_the_reference_data_in_drop_downs(empty_db):
    book = generic(empty_db)
    sheet = book.worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    spare = last + 1
    with db.read(empty_db) as con:
        plan = queries.plan(con, PLAN)
        indicators = queries.indicators(con, PLAN)
        sectors = queries.sectors(con, PLAN)["name_zh"].tolist()
        districts = queries.districts(con, PLAN)["name_zh"].tolist()
    expected = {
        ("指标代码", spare): indicators["indicator_code"].tolist(),
        ("指标名称", spare): indicators["name_zh"].tolist(),
        ("期间", 2): period_choices(plan, TODAY),
        ("行业", 2): sectors,
        ("区县", last + SPARE_ROWS): districts,
    }
    for (name, row), items in expected.items():
        check = check_on(sheet, f"{column[name]}{row}")
        assert check.type == "list" and check.errorStyle == "stop" and check.allow_blank
        assert choices(book, check) == items, name
    # The template filled the indicator: its cells are locked, with no drop-down.
    assert not [dv for dv in sheet.data_validations.dataValidation if f"A{last}" in dv.sqref]


def test_unit_drop_down_offers_the_indicators_units_and_those_convertible_to_it(empty_db):
    book = generic(empty_db)
    sheet = book.worksheets[0]
    column = headers(sheet)
    row = next(c.row for c in sheet["A"] if c.value == "base_stations_5g")
    units = choices(book, check_on(sheet, f"{column['单位']}{row}"))
    assert units[0] == "万座" and set(units) == {"万座", "座", "个", "万个"}
    spare = choices(book, check_on(sheet, f"{column['单位']}{filled_rows(sheet) + 1}"))
    assert {"万座", "亿元", "家", "人"} <= set(spare)


@pytest.mark.parametrize(
    ("which", "names"), [("generic", ["数值"]), ("unit", ["本期数", "累计数"])]
)
def test_value_columns_take_numbers_of_zero_or_more(demo_db, which, names):
    sheet = (generic(demo_db) if which == "generic" else per_unit(demo_db)).worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    for name in names:
        for row in (2, last + SPARE_ROWS):
            check = check_on(sheet, f"{column[name]}{row}")
            assert (check.type, check.operator, check.formula1) == (
                "decimal",
                "greaterThanOrEqual",
                "0",
            )
            assert check.showErrorMessage and check.errorStyle == "stop"
            assert f"“{name}”只能填写大于或等于 0 的数字" in check.error


def test_a_list_too_long_to_write_inline_is_kept_in_hidden_cells(empty_db):
    sectors = [f"行业{n:03d}" for n in range(80)]  # 80 x 6 characters: over Excel's 255
    with db.read(empty_db) as con:
        indicators = queries.indicators(con, PLAN).head(2)
        found = TemplateChoices.of(con, PLAN, indicators, TODAY)
        help_sheet = upload_template.template_help(con, PLAN, "2025Q4")
    found.lists["sector"] = sectors
    rows = pd.DataFrame({"indicator_code": indicators["indicator_code"], "period": "2025Q4"})
    rows["sector"], rows["value"] = "", ""
    book = openpyxl.load_workbook(
        io.BytesIO(template_workbook(rows, ["indicator_code"], found, help_sheet))
    )
    sheet, notes = book.worksheets
    check = check_on(sheet, "C2")
    assert not check.formula1.startswith('"')
    assert choices(book, check) == sectors
    letter = book.defined_names[check.formula1].attr_text.split("!")[1].split("$")[1]
    assert notes.column_dimensions[letter].hidden
    assert check_on(sheet, "B2").formula1.startswith('"2025Q4,')  # a short list stays inline


# ------------------------------------------------------------------ printing


@pytest.mark.parametrize("which", ["generic", "unit"])
def test_figures_print_on_a4_landscape_one_page_wide_with_the_header_repeated(demo_db, which):
    sheet = (generic(demo_db) if which == "generic" else per_unit(demo_db)).worksheets[0]
    setup = sheet.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "landscape")  # 9: A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
    last_column = sheet[1][-1].column_letter
    assert sheet.print_area.endswith(f"$A$1:${last_column}${sheet.max_row}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instructions_wrap_every_cell_and_print_on_a4_portrait(empty_db, lang):
    notes = generic(empty_db, lang).worksheets[1]
    setup = notes.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "portrait")
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    lines = [row for row in notes.iter_rows(max_col=2) if row[0].value is not None]
    assert notes.print_area.endswith(f"$A$1:$B${len(lines)}")
    assert all(cell.alignment.wrap_text for row in lines for cell in row)
    long_rows = [row[0].row for row in lines if len(str(row[1].value)) > 80]
    assert long_rows and all(notes.row_dimensions[r].height >= 30 for r in long_rows)


# ------------------------------------------------------------------ reading back


def check_bytes(path, book: openpyxl.Workbook):
    buffer = io.BytesIO()
    book.save(buffer)
    with db.read(path) as con:
        return ingest.check_upload(con, buffer.getvalue(), "filled.xlsx", PLAN, today=TODAY)


def test_filled_generic_template_with_a_spare_row_loads_without_a_problem(empty_db):
    book = generic(empty_db)
    sheet = book.worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    for row in range(2, last + 1):
        sheet[f"{column['数值']}{row}"] = 1
    spare = last + 1  # a district's figure, typed from the drop-downs' choices
    for name, value in (("指标代码", "cloud_firms"), ("期间", "2025Q4"), ("区县", "赤坎区")):
        sheet[f"{column[name]}{spare}"] = value
    sheet[f"{column['单位']}{spare}"], sheet[f"{column['数值']}{spare}"] = "家", 2
    result = check_bytes(empty_db, book)
    assert result.checked.problems == []
    rows = result.checked.rows
    assert len(rows) == last  # every template row and the spare one
    added = rows[rows["district_code"] == "chikan"].iloc[0]
    assert (added["indicator_code"], added["value"]) == ("cloud_firms", 2)


def test_filled_unit_template_loads_without_a_problem(empty_db):
    book = per_unit(empty_db, ADMIN)  # every indicator
    sheet = book.worksheets[0]
    column, last = headers(sheet), filled_rows(sheet)
    for row in range(2, last + 1):
        sheet[f"{column['累计数']}{row}"] = 1
    result = check_bytes(empty_db, book)
    assert result.checked.problems == []
    assert len(result.checked.rows) == last - 1


def test_reference_text_starting_with_an_equals_sign_is_written_as_text(empty_db):
    with db.read(empty_db) as con:
        indicators = queries.indicators(con, PLAN).head(1)
        found = TemplateChoices.of(con, PLAN, indicators, TODAY)
        help_sheet = upload_template.template_help(con, PLAN, "2025Q4")
    rows = pd.DataFrame({"indicator_name": ["=1+1"], "period": ["2025Q4"], "value": [""]})
    content = template_workbook(rows, ["indicator_name"], found, help_sheet)
    cell = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_cell_styles_given_by_copy_are_each_cells_own_after_a_save():
    book = openpyxl.Workbook()
    sheet = book.active
    styles = xlsx_styles.CellStyles()
    wanted = {}
    for row in range(1, 41):
        # New objects each time, equal or not: a freed one's id may be reused by the next.
        bold, wrap = row % 2 == 0, row % 3 == 0
        fmt = "@" if row % 5 else "#,##0"
        styles.apply(
            sheet.cell(row, 1, row),
            font=Font(bold=bold),
            alignment=Alignment(vertical="top", wrap_text=wrap),
            number_format=fmt,
        )
        wanted[row] = (bold, wrap, fmt)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = openpyxl.load_workbook(buffer).active
    for row, (bold, wrap, fmt) in wanted.items():
        cell = sheet.cell(row, 1)
        assert (bool(cell.font.b), bool(cell.alignment.wrap_text), cell.number_format) == (
            bold,
            wrap,
            fmt,
        ), row
        assert cell.alignment.vertical == "top"

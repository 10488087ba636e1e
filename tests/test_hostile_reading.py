"""Hostile files are refused cheaply and clearly by the reader: sizes, shapes, sheets, encodings.

The large inputs are generated here; speed stands in for memory where a refusal must come before
parsing (a file parsed in full would take seconds and gigabytes).
"""

import codecs
import io
import threading
import time
import tracemalloc
import zipfile
from datetime import date

import openpyxl
import pytest
from hostile_files import SHEET, billion_laughs, rewrite, workbook, zip_bomb
from intake_helpers import dump_tables

from etl import cli
from kpi.base import config
from kpi.outputs import upload_template
from kpi.store import db, loads, reading
from kpi.store.reading import read_table
from kpi.store.validation import check_table

PLAN = "zhanjiang-dt-2023"
TODAY = date(2026, 11, 23)
MAX = 20 * 2**20
GOOD = "指标代码,期间,数值\nbase_stations_5g,2025Q3,17500\nidc_racks,2025Q3,40000\n"


def refused(content: bytes, name: str = "f.csv", seconds: float = 5.0):
    """The one problem a file is refused with, checked to come within `seconds`."""
    start = time.perf_counter()
    table, problems = read_table(content, name, max_bytes=MAX)
    elapsed = time.perf_counter() - start
    assert table is None, table.head()
    assert len(problems) == 1, [p.code for p in problems]
    assert elapsed < seconds, f"{elapsed:.1f} s"
    problem = problems[0]
    assert problem.message_zh and not problem.message_en.startswith("problem.")
    return problem


def bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet inflates to `unpacked_mb` MB of rows (about 1000:1)."""
    row = b"<row><c><v>17500</v></c><c><v>17500</v></c><c><v>17500</v></c></row>"
    return zip_bomb(unpacked_mb, ["指标代码", "期间", "数值"], row)


# ------------------------------------------------------------------ bounded cost: CSV


def test_a_row_of_seven_million_columns_is_refused_before_parsing() -> None:
    content = b"1," * 7_000_000  # 14 MB, one row
    problem = refused(content, seconds=5)
    assert (problem.code, problem.row) == ("too_many_columns", 1)
    assert str(config.MAX_COLUMNS) in problem.message_zh


def test_a_header_of_a_hundred_thousand_columns_is_refused_fast() -> None:
    header = ",".join(f"列{i}" for i in range(100_000))
    problem = refused(f"{header}\n1,2\n".encode(), seconds=2)
    assert (problem.code, problem.row) == ("too_many_columns", 1)


def test_a_wide_row_below_a_normal_header_is_refused_with_its_row() -> None:
    content = (GOOD + "1," * 1_000_000 + "\n").encode()
    problem = refused(content, seconds=5)
    assert (problem.code, problem.row) == ("too_many_columns", 4)


def test_quoted_delimiters_do_not_count_as_columns() -> None:
    table, problems = read_table(
        ('指标代码,期间,数值,备注\nidc_racks,2025Q3,1,"' + "a," * 500 + '"\n').encode(),
        "f.csv",
        max_bytes=MAX,
    )
    assert problems == [] and len(table) == 1


def test_three_million_short_rows_are_refused_before_parsing() -> None:
    content = b"a,b\n" + b"1,2\n" * 3_000_000  # 12 MB
    problem = refused(content, seconds=3)
    assert problem.code == "too_many_rows"
    assert "2,000,000" in problem.message_zh


def test_sixteen_million_cells_in_17_mb_are_refused_before_parsing() -> None:
    content = (
        "指标代码,指标名称,期间,行业,区县,数值,单位,备注\n" + "a,,,,,,,\n" * 1_999_999
    ).encode()
    problem = refused(content, seconds=3)
    assert problem.code == "too_many_cells"
    assert "16,000,000" in problem.message_en and f"{config.MAX_CELLS:,}" in problem.message_zh


def test_a_ragged_table_is_held_to_a_smaller_cell_budget() -> None:
    content = ("指标代码,期间,数值\n注\n" + "a,b,c\n" * 1_000_000).encode()  # 3M cells
    problem = refused(content, seconds=10)
    assert problem.code == "too_many_cells"


@pytest.mark.parametrize("title", ["", "2025年第三季度数字化转型数据\n"], ids=["arrow", "ragged"])
def test_a_cell_over_128_kb_is_refused_with_its_row_not_a_traceback(title: str) -> None:
    content = (title + GOOD + "idc_racks,2025Q3," + "9" * 140_000 + "\n").encode()
    problem = refused(content)
    assert (problem.code, problem.row) == ("cell_too_long", 4 + bool(title))


def test_a_cell_over_the_limit_names_its_row_and_column() -> None:
    content = (GOOD + "idc_racks,2025Q3," + "9" * (config.MAX_CELL_CHARS + 1) + "\n").encode()
    problem = refused(content)
    assert (problem.code, problem.row, problem.column) == ("cell_too_long", 4, "value")
    assert problem.value.startswith("999") and len(problem.value) < 30
    assert str(config.MAX_CELL_CHARS) in problem.message_en


def test_a_quoted_cell_spanning_many_lines_is_refused_when_too_long() -> None:
    content = (GOOD + 'idc_racks,2025Q3,"' + "9\n" * 100_000 + '"\n').encode()
    problem = refused(content)
    assert (problem.code, problem.row) == ("cell_too_long", 4)


def test_a_file_of_a_gigabyte_is_refused_from_its_size_without_being_read(empty_db, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(2**30)  # sparse: a gigabyte of NULs on disk in no time
    before = dump_tables(empty_db)
    tracemalloc.start()
    try:
        result = loads.load_files([big], db=empty_db, plan_id=None, user_name="t", today=TODAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"
    problems = result.checks[0].checked.problems
    assert [p.code for p in problems] == ["file_too_large"]
    assert "1024.0 MB" in problems[0].message_zh
    assert not result.ok and dump_tables(empty_db) == before


# ------------------------------------------------------------------ bounded cost: XLSX


def test_a_zip_bomb_is_refused_from_its_declared_size_in_well_under_a_second() -> None:
    content = bomb(300)
    assert len(content) < 2 * 2**20
    problem = refused(content, "bomb.xlsx", seconds=0.5)
    assert problem.code == "xlsx_too_large_unpacked"
    assert "300 MB" in problem.message_zh


def test_a_member_compressed_far_beyond_excel_is_refused_by_its_ratio() -> None:
    problem = refused(bomb(50), "bomb.xlsx", seconds=0.5)
    assert problem.code == "xlsx_compression_ratio"
    assert SHEET in problem.message_zh


def test_a_workbook_with_xml_entities_billion_laughs_is_refused_as_unreadable() -> None:
    laughs = billion_laughs()
    problem = refused(laughs, "laughs.xlsx", seconds=1)
    assert (problem.code, problem.params["error"]) == ("unreadable_file", "DOCTYPE")


def test_a_workbook_row_wider_than_the_limit_is_refused() -> None:
    content = workbook(("Sheet1", [["指标代码", "期间", "数值"], list(range(300))]))
    problem = refused(content, "wide.xlsx")
    assert (problem.code, problem.row) == ("too_many_columns", 2)


def test_a_workbook_cell_longer_than_the_limit_names_its_row_and_column() -> None:
    rows = [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", "9" * 5000]]
    problem = refused(workbook(("Sheet1", rows)), "long.xlsx")
    assert (problem.code, problem.row, problem.column) == ("cell_too_long", 2, "value")


def test_a_declared_dimension_of_a_million_rows_costs_nothing() -> None:
    content = workbook(("Sheet1", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", 1]]))
    lying = rewrite(content, SHEET, lambda xml: xml.replace(b'ref="A1:C2"', b'ref="A1:XFD1048576"'))
    assert lying != content
    start = time.perf_counter()
    table, problems = read_table(lying, "f.xlsx", max_bytes=MAX)
    assert time.perf_counter() - start < 2
    assert problems == [] and table["数值"].tolist() == ["1"]


# ------------------------------------------------------------------ one file at a time per slot


def test_at_most_the_configured_number_of_files_are_parsed_at_once(monkeypatch) -> None:
    active, most = 0, 0
    lock = threading.Lock()
    parse = reading._read_csv

    def slow_parse(content: bytes):
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        return parse(content)

    monkeypatch.setattr(reading, "_read_csv", slow_parse)
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(read_table(GOOD.encode(), "f.csv", max_bytes=MAX))
        )
        for _ in range(config.CONCURRENT_CHECKS + 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == config.CONCURRENT_CHECKS
    assert all(table is not None for table, _ in results) and len(results) == len(threads)


# ------------------------------------------------------------------ sheets


def test_data_on_two_sheets_is_refused_naming_them() -> None:
    content = workbook(
        ("一季度", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q1", 1]]),
        ("二季度", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q2", 2]]),
    )
    problem = refused(content, "two.xlsx")
    assert problem.code == "sheets_with_data"
    assert "一季度、二季度" in problem.message_zh and "'一季度', '二季度';" in problem.message_en


def test_blank_extra_sheets_are_ignored() -> None:
    content = workbook(
        ("Sheet1", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", 1]]), ("Sheet2", [])
    )
    table, problems = read_table(content, "f.xlsx", max_bytes=MAX)
    assert problems == [] and table["数值"].tolist() == ["1"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_templates_figures_sheet_loads_and_its_instructions_are_ignored(empty_db, lang) -> None:
    with db.connect(empty_db) as con:
        content = upload_template.upload_template(con, PLAN, "xlsx", today=TODAY, lang=lang)
    assert len(openpyxl.load_workbook(io.BytesIO(content), read_only=True).sheetnames) == 2
    table, problems = read_table(content, "template.xlsx", max_bytes=MAX)
    assert problems == []
    assert "base_stations_5g" in table["指标代码"].tolist()


def test_the_templates_figures_sheet_with_data_on_another_sheet_is_refused() -> None:
    content = workbook(
        ("上报数据", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", 1]]),
        ("填写说明", [["项目", "说明"], ["期间", "2024Q3"]]),
        ("草稿", [["idc_racks", "2025Q2", 2]]),
    )
    problem = refused(content, "f.xlsx")
    assert problem.code == "other_sheets_with_data"
    assert "“上报数据”" in problem.message_zh and "草稿" in problem.message_zh


def test_the_figures_sheet_is_found_after_other_blank_sheets() -> None:
    content = workbook(
        ("Sheet1", []),
        ("Figures", [["indicator_code", "period", "value"], ["idc_racks", "2025Q3", 3]]),
    )
    table, problems = read_table(content, "f.xlsx", max_bytes=MAX)
    assert problems == [] and table["value"].tolist() == ["3"]


# ------------------------------------------------------------------ encodings and odd bytes


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-16", ","),  # with BOM
        ("utf-16-le", ","),  # without BOM, told by its NULs
        ("utf-16-be", ","),
        ("utf-16", "\t"),  # Excel's "Unicode text"
        ("utf-32", ","),
        ("utf-32-le", ","),
    ],
)
def test_utf16_and_utf32_files_load(reference, encoding: str, delimiter: str) -> None:
    text = GOOD.replace(",", delimiter)
    table, problems = read_table(text.encode(encoding), "f.txt", max_bytes=MAX)
    assert problems == []
    rows, more = check_table(table, reference)
    assert more == []
    assert rows["value"].tolist() == [17500.0, 40000.0]


def test_a_nul_byte_in_a_text_file_is_named_with_row_and_column() -> None:
    problem = refused((GOOD + "idc_racks,2025Q3,1\x002\n").encode())
    assert (problem.code, problem.row, problem.column) == ("nul_character", 4, "value")
    assert "NUL" in problem.message_zh and "CSV UTF-8" in problem.message_zh


def test_a_nul_byte_on_the_first_line_of_a_gbk_file_is_named_too() -> None:
    problem = refused(("指标代码,期\x00间,数值\n" + GOOD.split("\n", 1)[1]).encode("gbk"))
    assert (problem.code, problem.row) == ("nul_character", 1)


def test_binary_files_renamed_csv_stay_unsupported() -> None:
    problem = refused(bytes(range(256)) * 16, "photo.csv")
    assert problem.code == "unsupported_file"


# ------------------------------------------------------------------ formulas


def test_a_formula_without_a_computed_value_is_named_not_called_blank() -> None:
    rows = [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", "=20000*2"]]
    problem = refused(workbook(("Sheet1", rows)), "calc.xlsx")
    assert (problem.code, problem.row, problem.column) == ("formula_without_value", 2, "value")
    assert problem.value == "=20000*2"
    assert "Excel" in problem.message_zh and "WPS" in problem.message_zh


def test_a_formula_with_its_computed_value_loads_the_value() -> None:
    rows = [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", "=20000*2"]]
    content = rewrite(
        workbook(("Sheet1", rows)),
        SHEET,
        lambda xml: xml.replace(b"<f>20000*2</f><v></v>", b"<f>20000*2</f><v>40000</v>"),
    )
    assert b"<v>40000</v>" in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    table, problems = read_table(content, "calc.xlsx", max_bytes=MAX)
    assert problems == [] and table["数值"].tolist() == ["40000"]


# ------------------------------------------------------------------ through the command line


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("wide.csv", lambda: b"1," * 7_000_000, "too_many_columns"),
        ("bomb.xlsx", lambda: bomb(300), "xlsx_too_large_unpacked"),
        (
            "utf16.csv",
            lambda: b"\xff\xfe" + "指标代码,期间,数值\n".encode("utf-16-le"),
            "empty_file",
        ),
    ],
)
def test_etl_load_exits_1_and_leaves_the_store_unchanged(
    empty_db, tmp_path, capsys, name, make, code
):
    path = tmp_path / name
    path.write_bytes(make())
    before = dump_tables(empty_db)
    assert cli.main(["load", str(path), "--db", str(empty_db), "--json"]) == 1
    out, err = capsys.readouterr()
    assert f'"code": "{code}"' in out and "Traceback" not in err
    assert dump_tables(empty_db) == before


def test_etl_load_reads_a_utf16_file(empty_db, tmp_path, capsys) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(GOOD.replace(",", "\t").encode("utf-16"))
    assert cli.main(["load", str(path), "--db", str(empty_db)]) == 0
    assert len(dump_tables(empty_db, ("figures",))["figures"]) == 2


@pytest.mark.parametrize("space", ["\u3000", "\x1c", "\xa0", "\t", " "], ids=repr)
def test_a_cell_padded_with_any_space_is_read_stripped(space: str) -> None:
    """Each cell as str.strip() gives it (Arrow's own trim keeps U+001C); spaces inside a cell
    stay."""
    text = (
        "指标代码,期间,数值,备注\n"
        f"{space}idc_racks,2025Q3,40000,a b\n"
        f"base_stations_5g,2025Q3{space},17500{space},c  d\n"
    )
    table, problems = read_table(text.encode(), "f.csv", max_bytes=MAX)
    assert problems == []
    assert table.iloc[:, 1:].values.tolist() == [
        ["idc_racks", "2025Q3", "40000", "a b"],
        ["base_stations_5g", "2025Q3", "17500", "c  d"],
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("gb18030"),
        lambda text: text.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gb18030", "utf-16"],
)
def test_the_table_below_blank_lines_and_a_chinese_title_is_read_alike_in_any_encoding(
    encode, monkeypatch
) -> None:
    """Arrow's reader starts at the header: in UTF-8 at its byte in the file, elsewhere in the
    text encoded again. A title of multi-byte characters above it moves neither (a wrong start
    would leave the rows ragged, for the slow reader)."""
    monkeypatch.setattr(reading, "_read_csv_ragged", None)
    title = "2025年第三季度数据上报表（湛江）"
    text = f"\r\n\r\n{title}\r\n指标代码,期间,数值\r\nidc_racks,2025Q3,4万\r\n"
    table, problems = read_table(encode(text), "f.csv", max_bytes=MAX)
    assert problems == []
    assert table.values.tolist() == [[5, "idc_racks", "2025Q3", "4万"]]

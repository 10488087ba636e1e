"""Reading and checking uploads: the parsers, the accepted formats and each rejection rule."""

import io
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kpi.store import validation
from kpi.store.reading import read_table
from kpi.store.validation import check_table, parse_number

TODAY = date(2026, 11, 23)  # current quarter 2026Q4
MAX = 20 * 2**20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", (1234.0, "")),
        ("1,234", (1234.0, "")),
        ("1，234.5", (1234.5, "")),
        ("１２３４", (1234.0, "")),
        ("1.8万", (18000.0, "")),
        ("1.8万座", (18000.0, "座")),
        ("3亿元", (3e8, "元")),
        ("18000座", (18000.0, "座")),
        ("50 亿元", (5e9, "元")),  # converted back to 亿元 by the unit table
        (" 12 ", (12.0, "")),
        ("-3", (-3.0, "")),
        ("abc", None),
        ("约100", None),
        ("", None),
    ],
)
def test_parse_number_when_written_with_separators_units_and_wan(text, expected) -> None:
    assert parse_number(text) == expected


def check_text(text: str, reference, encoding: str = "utf-8", name: str = "f.csv"):
    table, problems = read_table(text.encode(encoding), name, max_bytes=MAX)
    if table is None:
        return None, problems
    rows, more = check_table(table, reference)
    return rows, problems + more


def codes(problems) -> list[str]:
    return [p.code for p in problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_load_when_encoded_as_excel_writes_them(reference, encoding) -> None:
    rows, problems = check_text(
        "指标,期间,行业,区县,数值,单位\n5G 基站,2024年第三季度,,赤坎区,1.2万,座\n"
        "智能制造典型场景,2024-Q3,钢铁,,3,个\n",
        reference,
        encoding,
    )
    assert codes(problems) == []
    assert rows["indicator_code"].tolist() == ["base_stations_5g", "smart_scenarios"]
    assert rows["period"].tolist() == ["2024Q3", "2024Q3"]
    assert rows["district_code"].tolist()[0] == "chikan"
    assert rows["sector_code"].tolist()[1] == "steel"
    assert rows["value"].tolist() == [12000.0, 3.0]


def test_english_headers_and_codes_load_when_columns_are_in_another_order(reference) -> None:
    rows, problems = check_text(
        "Value,Indicator_Code,Quarter,Sector\n17500,base_stations_5g,2025Q3,\n", reference
    )
    assert codes(problems) == []
    assert rows.iloc[0]["value"] == 17500.0


def test_display_units_convert_to_the_canonical_unit_when_given_in_the_unit_column(reference):
    rows, problems = check_text(
        "指标代码,期间,数值,单位\nbase_stations_5g,2025Q3,1.75,万座\nidc_racks,2025Q3,4,万架\n"
        "service_revenue,2025Q3,15000,万元\n",
        reference,
    )
    assert codes(problems) == []
    assert rows["value"].tolist() == pytest.approx([17500.0, 40000.0, 1.5])


def test_blank_trailing_rows_and_columns_are_ignored_when_excel_leaves_them(reference) -> None:
    rows, problems = check_text(
        "指标代码,期间,数值,,\nbase_stations_5g,2025Q3,17500,,\n,,,,\n,,,,\n", reference
    )
    assert codes(problems) == []
    assert len(rows) == 1


def test_template_rows_left_blank_are_skipped_with_a_notice(reference) -> None:
    rows, problems = check_text(
        "指标代码,指标名称,期间,数值\nbase_stations_5g,5G 基站,2025Q3,17500\n"
        "idc_racks,互联网数据中心标准机架,2025Q3,\n",
        reference,
    )
    assert codes(problems) == ["unfilled_rows_skipped"]
    assert problems[0].severity == "notice" and problems[0].params == {"n": 1}
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("body", "code", "row", "column"),
    [
        ("云上企业,2025Q3,,,5", "unknown_indicator", 2, "indicator"),
        ("5G 基站,2025Q3,造船,,5", "unknown_sector", 2, "sector"),
        ("5G 基站,2025Q3,,火星区,5", "unknown_district", 2, "district"),
        ("5G 基站,2025-13,,,5", "bad_period", 2, "period"),
        ("5G 基站,2027Q1,,,5", "future_period", 2, "period"),
        ("5G 基站,2025Q3,,,很多", "bad_value", 2, "value"),
        ("5G 基站,2025Q3,,,-5", "negative_value", 2, "value"),
        ("5G 基站,2025Q3,,,5公斤", "bad_unit", 2, "unit"),
    ],
)
def test_each_bad_cell_is_reported_with_row_column_and_value(reference, body, code, row, column):
    rows, problems = check_text(f"指标,期间,行业,区县,数值\n{body}\n", reference)
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.code, p.row, p.column) for p in errors] == [(code, row, column)]
    assert errors[0].message_zh and errors[0].message_en
    assert not errors[0].message_en.startswith("problem.")  # a catalog text, not its key
    assert errors[0].value


def test_unknown_indicator_suggests_the_closest_names(reference) -> None:
    _, problems = check_text("指标,期间,数值\n新增上云企业,2025Q3,5\n", reference)
    assert "新增“上云”企业数量" in problems[0].message_zh


def test_duplicate_keys_name_the_first_row(reference) -> None:
    _, problems = check_text(
        "指标代码,期间,数值\nidc_racks,2025Q3,1\nidc_racks,2025-Q3,2\n", reference
    )
    assert [(p.code, p.row) for p in problems] == [("duplicate_key", 3)]
    assert "第 2 行" in problems[0].message_zh


def test_code_and_name_that_disagree_are_rejected(reference) -> None:
    _, problems = check_text("指标代码,指标名称,期间,数值\nidc_racks,5G 基站,2025Q3,1\n", reference)
    assert codes(problems) == ["indicator_mismatch"]


def test_missing_required_column_is_reported_against_the_header(reference) -> None:
    _, problems = check_text("指标,数值\n5G 基站,5\n", reference)
    assert [(p.code, p.row, p.column) for p in problems] == [("missing_column", 1, "period")]
    assert problems[0].message_zh == "缺少必填列“期间”，请使用上报模板"
    assert problems[0].message_en.startswith("Required column 'period' is missing")


def test_missing_indicator_column_says_either_code_or_name_will_do(reference) -> None:
    _, problems = check_text("期间,数值\n2025Q3,5\n", reference)
    assert [(p.code, p.column) for p in problems] == [("missing_column", "indicator_code")]
    assert "（可用“指标代码”或“指标”列）" in problems[0].message_zh


def test_unknown_column_is_named_as_the_file_writes_it(reference) -> None:
    _, problems = check_text("指标,期间,数值,备用列\n5G 基站,2025Q3,17500,x\n", reference)
    assert [(p.code, p.severity, p.column) for p in problems] == [
        ("unknown_column", "warning", "备用列")
    ]
    assert problems[0].column_name("en") == "备用列"
    assert problems[0].message_en == "Unknown column '备用列' was ignored"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.csv", "empty_file"),
        (b"\n\n,,\n", "blank.csv", "empty_file"),
        ("指标,期间,数值\n".encode(), "header-only.csv", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "chart.png", "unsupported_file"),
        (b"%PDF-1.7\n\x00", "report.csv", "unsupported_file"),
        (b"PK\x03\x04garbage", "broken.xlsx", "unreadable_file"),
        ("指标,期间,数值\n".encode() * 10, "big.csv", "file_too_large"),
    ],
)
def test_files_that_are_not_usable_tables_are_rejected_whole(content, name, code) -> None:
    table, problems = read_table(content, name, max_bytes=100 if code == "file_too_large" else MAX)
    assert table is None
    assert codes(problems) == [code]


def test_xlsx_uploads_read_like_csv(reference) -> None:
    frame = pd.DataFrame({"指标": ["5G 基站"], "季度": ["2025年第三季度"], "完成值": [17500]})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    table, problems = read_table(buffer.getvalue(), "q3.xlsx", max_bytes=MAX)
    rows, more = check_table(table, reference)
    assert problems + more == []
    assert rows.iloc[0]["value"] == 17500.0


def test_rows_are_numbered_as_in_excel_when_the_header_is_not_on_the_first_line(reference):
    _, problems = check_text("\n\n指标,期间,数值\n5G 基站,2025Q3,x\n", reference)
    assert [(p.code, p.row) for p in problems] == [("bad_value", 4)]


def test_a_large_file_is_checked_in_one_pass(reference) -> None:
    lines = ["指标代码,期间,区县,数值"] + [
        f"cloud_firms,{y}Q{q},{d},{y - 2022 + q}"
        for y in (2023, 2024, 2025)
        for q in (1, 2, 3, 4)
        for d in ("赤坎区", "霞山区", "坡头区", "麻章区")
    ] * 1
    rows, problems = check_text("\n".join(lines) + "\n", reference)
    assert problems == []
    assert len(rows) == 48


def test_a_title_line_above_the_header_is_skipped_when_rows_are_ragged(reference) -> None:
    rows, problems = check_text(
        "2025年第三季度数字化转型数据\n指标,期间,数值\n5G 基站,2025Q3,17500\n", reference
    )
    assert codes(problems) == []
    assert rows["value"].tolist() == [17500.0]


TRICKY_NUMBERS = [
    "1", "+5", "-0", ".5", "5.", ".", "1e5", "1E-5", "1e", "1e999", "-1e999", "1e-400",
    "inf", "-inf", "Infinity", "nan", "NaN", "1,000", "1 000", "0x10", "1_000", "١٢", "１２",
    "12万", "", "00012.500", "1.2.3", "--1", "1e+5", "1d5", "9" * 400,
]  # fmt: skip


@pytest.mark.parametrize("cell", TRICKY_NUMBERS, ids=repr)
def test_plain_numbers_read_a_cell_as_the_plain_decimal_pattern_does(cell: str) -> None:
    """Arrow's cast reads whole columns of plain decimals; alone in its column or beside plain
    ones, each cell comes out as the plain-decimal pattern reads it: a number, or NaN for
    everything parse_number must see ('inf', 'nan', '12万', '1,000')."""
    for column in ([cell], ["2", cell, "3.5"]):
        cells = pa.array(column, type=pa.string())
        got = validation._plain_numbers(pd.Series(column, dtype="str"))
        expected = validation._plain_by_pattern(cells)
        assert np.array_equal(got, expected, equal_nan=True), (column, got, expected)
        assert (np.signbit(got) == np.signbit(expected)).all()


def test_plain_numbers_of_a_clean_column() -> None:
    got = validation._plain_numbers(pd.Series(["1e5", "-0", ".5", "inf", "12万"], dtype="str"))
    assert got[:3].tolist() == [100000.0, -0.0, 0.5] and np.signbit(got[1])
    assert np.isnan(got[3:]).all()

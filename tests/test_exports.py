"""Unit tests for kpi.outputs.exports: CSV with BOM and formula neutralising (--raw: as stored),
XLSX with exact values (text cells, never formulas), ZIP."""

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from kpi.outputs.exports import (
    neutralise_formula,
    sanitise_sheet_names,
    to_csv_bytes,
    to_xlsx_bytes,
    to_zip_bytes,
)

FORMULAS = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")', "＝1+1"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "指标": ["5G基站", "=CMD|' /C calc'!A0", "-5%", "@SUM(A1:A2)", "工业互联网"],
            "数值": [1234, -56, 0, 7, 8],
            "完成率": [0.5, -0.25, np.nan, 1.0, 2.5],
            "灯号": ["green", "red", None, "achieved", "+绿"],
        }
    )


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_formula_prefixes_apostrophe_when_text_starts_like_formula(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["5G基站", "a=b", " =1", "", "'=1", "１２", "=", "-", "＝"])
def test_neutralise_formula_keeps_text_when_harmless(value: str) -> None:
    assert neutralise_formula(value) == value


@pytest.mark.parametrize("value", [-5, -0.5, 3, np.int64(-7), np.float64(-1.5), None, True])
def test_neutralise_formula_keeps_value_when_not_text(value: object) -> None:
    assert neutralise_formula(value) is value


def test_to_csv_bytes_starts_with_bom_and_round_trips_chinese() -> None:
    data = to_csv_bytes(_frame())
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["指标", "数值", "完成率", "灯号"]
    assert back.loc[0, "指标"] == "5G基站"
    assert back.loc[4, "指标"] == "工业互联网"


def test_to_csv_bytes_neutralises_text_but_not_negative_numbers() -> None:
    rows = list(csv.reader(io.StringIO(to_csv_bytes(_frame()).decode("utf-8-sig"))))
    body = rows[1:]
    assert body[1][0] == "'=CMD|' /C calc'!A0"
    assert body[2][0] == "'-5%"
    assert body[3][0] == "'@SUM(A1:A2)"
    assert body[4][3] == "'+绿"
    assert body[1][1] == "-56"  # a negative number is not text
    assert body[1][2] == "-0.25"


def test_to_csv_bytes_neutralises_headers_when_they_look_like_formulas() -> None:
    rows = list(
        csv.reader(io.StringIO(to_csv_bytes(pd.DataFrame({"=x": [1]})).decode("utf-8-sig")))
    )
    assert rows[0] == ["'=x"]


def _sheet(data: bytes, name: str):
    return load_workbook(io.BytesIO(data))[name]


def test_to_csv_bytes_raw_keeps_the_text_as_stored() -> None:
    back = pd.read_csv(io.BytesIO(to_csv_bytes(_frame(), raw=True)), encoding="utf-8-sig")
    assert back["指标"].tolist() == _frame()["指标"].tolist()
    assert back.loc[4, "灯号"] == "+绿"
    raw_header = to_csv_bytes(pd.DataFrame({"=x": [1]}), raw=True).decode("utf-8-sig")
    assert raw_header.splitlines()[0] == "=x"


def test_to_xlsx_bytes_writes_formula_like_text_as_exact_text_cells() -> None:
    """XLSX has cell types: a text cell is never run as a formula, so it keeps the value."""
    ws = _sheet(to_xlsx_bytes({"进展": _frame()}), "进展")
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert ws["A3"].value == "=CMD|' /C calc'!A0"
    assert ws["A3"].data_type == "s"
    assert ws["A4"].value == "-5%"
    assert ws["A5"].value == "@SUM(A1:A2)"
    assert ws["D6"].value == "+绿"


@pytest.mark.parametrize("text", [*FORMULAS, "=", ">=", "=abc", "-5", "'=1"])
def test_to_xlsx_bytes_reads_back_text_exactly_when_it_looks_like_a_formula(text: str) -> None:
    ws = _sheet(to_xlsx_bytes({"a": pd.DataFrame({text: [text]})}), "a")
    assert (ws["A1"].value, ws["A2"].value) == (text, text)
    assert (ws["A1"].data_type, ws["A2"].data_type) == ("s", "s")


def test_to_xlsx_bytes_keeps_numbers_numeric() -> None:
    ws = _sheet(to_xlsx_bytes({"进展": _frame()}), "进展")
    assert ws["B3"].value == -56
    assert ws["B3"].data_type == "n"
    assert ws["C3"].value == -0.25
    assert ws["C4"].value is None  # NaN is an empty cell, not the text 'nan'


def test_to_xlsx_bytes_puts_captions_above_bold_frozen_header() -> None:
    captions = ["演示数据 demo data", "截至 2024Q3", "=not a formula"]
    data = to_xlsx_bytes({"进展": _frame()}, title_rows={"进展": captions})
    ws = _sheet(data, "进展")
    assert [ws.cell(row=r, column=1).value for r in (1, 2)] == captions[:2]
    assert ws["A3"].value == "=not a formula" and ws["A3"].data_type == "s"
    assert ws["A4"].value is None
    assert ws["A5"].value == "指标"
    assert ws["A5"].font.b
    assert ws.freeze_panes == "A6"
    assert ws["A6"].value == "5G基站"
    assert ws.column_dimensions["A"].width >= 10


def test_to_xlsx_bytes_writes_one_sheet_per_frame_with_sanitised_names() -> None:
    frames = {
        "a/b": pd.DataFrame({"x": [1]}),
        "指标[完成]*?": pd.DataFrame({"x": [2]}),
        "x" * 40: pd.DataFrame({"x": [3]}),
        "X" * 41: pd.DataFrame({"x": [4]}),
    }
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(frames)))
    assert wb.sheetnames == ["a_b", "指标_完成___", "x" * 31, "X" * 27 + " (2)"]
    assert [wb[name]["A2"].value for name in wb.sheetnames] == [1, 2, 3, 4]


def test_to_xlsx_bytes_refuses_captions_for_unknown_sheet() -> None:
    with pytest.raises(ValueError, match="unknown"):
        to_xlsx_bytes({"a": pd.DataFrame()}, title_rows={"b": ["x"]})


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["进展"], ["进展"]),
        ([""], ["Sheet"]),
        (["'quoted'"], ["quoted"]),
        (["History"], ["History_"]),
        (["a:b", "a?b"], ["a_b", "a_b (2)"]),
        (["Data", "data"], ["Data", "data (2)"]),
        (["数" * 40], ["数" * 31]),
        (["😀" * 20], ["😀" * 15]),  # Excel counts UTF-16 units
        (["tab\there"], ["tabhere"]),
    ],
)
def test_sanitise_sheet_names_follows_excel_rules(names: list[str], expected: list[str]) -> None:
    assert sanitise_sheet_names(names) == expected


def test_to_zip_bytes_round_trips_files_with_chinese_names() -> None:
    files = {"季度通报.pdf": b"%PDF", "data/进展.csv": to_csv_bytes(_frame())}
    with zipfile.ZipFile(io.BytesIO(to_zip_bytes(files))) as archive:
        assert archive.namelist() == list(files)
        assert archive.read("季度通报.pdf") == b"%PDF"
        assert archive.read("data/进展.csv") == files["data/进展.csv"]


@pytest.mark.parametrize("name", ["/etc/passwd", "../x.csv", "a/../../x", "", "C:\\x.csv"])
def test_to_zip_bytes_refuses_unsafe_names(name: str) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        to_zip_bytes({name: b"x"})

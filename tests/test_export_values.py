"""Exports keep values exact: XLSX text is text (never a formula) and reads back as stored; the
CSVs a spreadsheet opens are formula-safe unless --raw; headers follow the export's language,
with a fields sheet mapping them to the codes, and `--headers codes` for programs."""

import datetime as dt
import io
import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from etl import cli
from kpi.base import i18n
from kpi.outputs import exports, fullexport
from kpi.store import db, queries

PLAN = "zhanjiang-dt-2023"
# Text a spreadsheet would take for a formula or a number if it were not a text cell.
TRICKY = ["=", ">=", "=abc", "-5", "+1", "@SUM(A1)", "=CMD|' /C calc'!A0", "\t=1", "'=1"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def tricky_db(store_copy) -> Path:
    """The demo store with task updates whose note, evidence and unit are formula-like text.

    Built once for the module: every test here only reads it and its exports."""
    path = store_copy(True, "tricky")
    updates = pd.DataFrame(
        [
            {
                "group_no": 1,
                "subtask_no": 1,
                "period": "2025Q4",
                "status": "in_progress",
                "note": text,
                "evidence": text,
                "unit_zh": "=abc",
            }
            for text in TRICKY
        ]
    )
    with db.connect(path) as con:
        queries.insert_task_updates(con, PLAN, updates, user_name="=1+1", is_demo=False)
    return path


@pytest.fixture(scope="module")
def store_frames(tricky_db: Path) -> dict[str, pd.DataFrame]:
    with db.read(tricky_db) as con:
        return fullexport.export_frames(con, PLAN)


@pytest.fixture(scope="module")
def export(tricky_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """`etl export-all --out NAME OPTIONS` of the module's store, run once per NAME and OPTIONS."""
    folder = tmp_path_factory.mktemp("exports")
    done: dict[tuple, Path] = {}

    def run(name: str, *options: str) -> Path:
        if (name, options) not in done:
            out = folder / f"{len(done)}-{name}"
            argv = ["export-all", "--db", str(tricky_db), "--out", str(out), *options]
            assert cli.main(argv) == 0
            done[name, options] = out
        return done[name, options]

    return run


@pytest.fixture(scope="module")
def book(export):
    """The workbook of an XLSX export, read once per NAME and OPTIONS (the tests only read it)."""
    read: dict[tuple, openpyxl.Workbook] = {}

    def load(name: str, *options: str) -> openpyxl.Workbook:
        if (name, options) not in read:
            read[name, options] = openpyxl.load_workbook(export(name, *options))
        return read[name, options]

    return load


def _table(ws) -> tuple[list, list[list]]:
    """A sheet's header and body: the header is the row after the first blank one (captions)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    blank = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    return rows[blank + 1], rows[blank + 2 :]


def _same(actual, expected) -> bool:
    """One read-back cell against the stored value: same type family, same value."""
    if isinstance(expected, np.generic):
        expected = expected.item()
    if expected is None or expected is pd.NA or expected is pd.NaT or expected == "":
        return actual is None  # an empty text and an empty cell are one thing in XLSX
    if isinstance(expected, float) and math.isnan(expected):
        return actual is None
    if isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int | float):
        return (
            isinstance(actual, int | float) and not isinstance(actual, bool) and actual == expected
        )
    if isinstance(expected, pd.Timestamp | dt.datetime):
        # XLSX keeps times to the millisecond
        return isinstance(actual, dt.datetime) and abs(actual - expected) <= dt.timedelta(
            microseconds=500
        )
    return isinstance(actual, str) and actual == expected


def _mismatches(body: list[list], frame: pd.DataFrame) -> list:
    assert len(body) == len(frame)
    return [
        (row, frame.columns[col], actual, expected)
        for row, (values, stored) in enumerate(
            zip(body, frame.itertuples(index=False), strict=True)
        )
        for col, (actual, expected) in enumerate(zip(values, stored, strict=True))
        if not _same(actual, expected)
    ]


@pytest.mark.parametrize("headers", fullexport.HEADERS)
def test_export_all_xlsx_has_no_formula_cell_when_text_looks_like_one(
    export, book, headers: str
) -> None:
    out = export("all.xlsx", "--headers", headers)
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not [n for n in sheets if re.search(rb"<f[ >]", archive.read(n))]
    assert not [
        c.coordinate
        for ws in book("all.xlsx", "--headers", headers)
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


@pytest.mark.parametrize("headers", fullexport.HEADERS)
def test_export_all_xlsx_reads_back_as_the_store_in_every_sheet(
    book, store_frames, headers: str
) -> None:
    workbook = book("all.xlsx", "--headers", headers)
    for name, frame in store_frames.items():
        header, body = _table(workbook[name])
        named = fullexport.with_headers(frame, "zh") if headers == "names" else frame
        assert header == list(named.columns), name
        assert _mismatches(body, frame) == [], name


def test_formula_like_text_is_a_text_cell_holding_exactly_the_stored_text(book) -> None:
    workbook = book("all.xlsx", "--headers", "codes")
    header, _ = _table(workbook["task_updates"])
    ws = workbook["task_updates"]
    cells = {
        ws.cell(row=r, column=header.index("note") + 1): ws.cell(
            row=r, column=header.index("unit_zh") + 1
        )
        for r in range(1, ws.max_row + 1)
        if ws.cell(row=r, column=header.index("user_name") + 1).value == "=1+1"
    }
    assert sorted(c.value for c in cells) == sorted(TRICKY)
    assert {(c.data_type, u.value, u.data_type) for c, u in cells.items()} == {("s", "=abc", "s")}
    header, _ = _table(workbook["targets"])
    comparators = [
        c for c in workbook["targets"].iter_cols(min_col=header.index("comparator") + 1)
    ][0]
    values = {c.value for c in comparators if c.data_type == "s"}
    assert {"=", ">="} <= values and not [v for v in values if v.startswith("'")]


def test_zip_csv_neutralises_formulas_and_raw_keeps_them(export, store_frames) -> None:
    guarded = zipfile.ZipFile(export("all.zip", "--headers", "codes"))
    raw = zipfile.ZipFile(export("raw.zip", "--headers", "codes", "--raw"))

    def notes(archive: zipfile.ZipFile) -> list[str]:
        frame = pd.read_csv(
            archive.open("task_updates.csv"), encoding="utf-8-sig", dtype=str, keep_default_na=False
        )
        return sorted(frame.loc[frame["user_name"].str.contains("1+1", regex=False), "note"])

    assert notes(raw) == sorted(TRICKY)
    assert "'=CMD|' /C calc'!A0" in notes(guarded) and "=CMD|' /C calc'!A0" not in notes(guarded)
    assert not [n for n in notes(guarded) if len(n) > 1 and n.startswith(exports.FORMULA_PREFIXES)]
    assert {"=", ">=", "'-5", "'=abc"} <= set(notes(guarded))  # a lone sign is no formula
    stored = store_frames["targets"]
    back = pd.read_csv(raw.open("targets.csv"), encoding="utf-8-sig", keep_default_na=False)
    assert back["comparator"].tolist() == stored["comparator"].tolist()
    assert back["value"].tolist() == stored["value"].tolist()  # numbers as numbers


def test_zh_xlsx_has_chinese_headers_and_a_fields_sheet_mapping_them_to_codes(
    book, store_frames
) -> None:
    workbook = book("all.xlsx")
    fields = i18n.t("export.fields.sheet_name", "zh")
    assert workbook.sheetnames == [*fullexport.SHEETS, fields]
    targets, _ = _table(workbook["targets"])
    assert {"指标代码", "比较", "数值", "季度"} <= set(targets)
    header, body = _table(workbook[fields])
    assert header == ["工作表", "中文列名", "字段代码", "英文列名"]
    mapping = {(sheet, zh): code for sheet, zh, code, _ in body}
    for name, frame in store_frames.items():
        shown, _ = _table(workbook[name])
        assert [mapping[(name, h)] for h in shown] == list(frame.columns), name
    assert mapping[("targets", "比较")] == "comparator"
    assert ("targets", "比较", "comparator", "Comparator") in {tuple(r) for r in body}


def test_en_xlsx_has_english_headers(book) -> None:
    workbook = book("en.xlsx", "--lang", "en")
    assert workbook.sheetnames[-1] == "Fields"
    header, _ = _table(workbook["figures"])
    assert header[:3] == ["Figure ID", "Indicator code", "Quarter"]
    assert "In force" in str(workbook["figures"]["A1"].value)  # the caption names the header


def test_headers_codes_gives_the_database_names_and_no_fields_sheet(
    export, book, store_frames
) -> None:
    workbook = book("all.xlsx", "--headers", "codes")
    assert workbook.sheetnames == list(fullexport.SHEETS)
    header, _ = _table(workbook["targets"])
    assert header == list(store_frames["targets"].columns)
    archive = zipfile.ZipFile(export("all.zip", "--headers", "codes"))
    assert "fields.csv" not in archive.namelist()
    csv_header = archive.read("targets.csv").decode("utf-8-sig").splitlines()[0]
    assert csv_header.startswith("plan_id,indicator_code,")


def test_zip_in_chinese_has_chinese_csv_headers_and_fields_csv(tricky_db, store_frames) -> None:
    archive = zipfile.ZipFile(io.BytesIO(fullexport.export_file(tricky_db, PLAN, "zip", "zh")))
    assert archive.namelist()[-1] == "fields.csv"
    figures = pd.read_csv(archive.open("figures.csv"), encoding="utf-8-sig")
    assert list(figures.columns[:3]) == ["数据编号", "指标代码", "季度"]
    fields = pd.read_csv(archive.open("fields.csv"), encoding="utf-8-sig")
    assert list(fields.columns) == ["工作表", "中文列名", "字段代码", "英文列名"]
    assert len(fields) == sum(f.shape[1] for f in store_frames.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_column_has_its_own_header_in_each_language(store_frames, lang: str) -> None:
    for name, frame in store_frames.items():
        headers = list(fullexport.with_headers(frame, lang).columns)
        assert len(set(headers)) == len(headers), name
        assert not [h for h in headers if h.startswith(("export.", "col."))], name
        if lang == "zh":
            assert all(CJK.search(h) for h in headers), name
        else:
            assert not [h for h in headers if CJK.search(h)], name


def test_export_json_stays_exact_with_codes(tricky_db: Path, capsys) -> None:
    assert cli.main(["export", "targets", "--db", str(tricky_db), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {"indicator_code", "comparator", "value"} <= set(records[0])
    assert {"=", ">="} <= {r["comparator"] for r in records}

"""The Word bulletin's and final report's tables, read from the DOCX XML (no LibreOffice):
fixed layout, widths fitted to the content, rows kept whole, headers repeated, no word broken."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from kpi.outputs import bulletin, document, docx_render, final_report, pdf_render, table_widths
from kpi.outputs.docx_xml import xml_element

PLAN = "zhanjiang-dt-2023"
AS_OF = "2025Q4"
DOCUMENTS = [("bulletin", "zh"), ("bulletin", "en"), ("final", "zh"), ("final", "en")]
TEXT_WIDTH = 9866  # twips: A4 less 18 mm margins, as docx_render sets the page
NUMBER = re.compile(r"^[+\-−]?[\d,.]+%?$")


@pytest.fixture(scope="module")
def store(store_copy) -> Path:
    return store_copy(True, "docx_layout")


@pytest.fixture(scope="module")
def docs(store: Path) -> dict[tuple[str, str], object]:
    """The four documents as python-docx reads them; the bulletin without its charts (tables
    are what is checked, and drawing charts needs chromium)."""
    today = dt.date(2026, 1, 15)
    out = {}
    for kind, lang in DOCUMENTS:
        if kind == "bulletin":
            b = bulletin.build_bulletin(store, PLAN, AS_OF, lang, today=today)
            b.sections = [dataclasses.replace(s, figures=[]) for s in b.sections]
        else:
            b = final_report.build_report(store, PLAN, None, lang, today=today)
        out[kind, lang] = Document(io.BytesIO(docx_render.render_docx(b, images=[])))
    return out


def _grid(table) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in xml_element(table).tblGrid.iter(qn("w:gridCol"))]


def _texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _margins(table) -> int:
    """Left plus right cell margin of the table, in twips (Word's default when not set)."""
    mar = xml_element(table).tblPr.find(qn("w:tblCellMar"))
    sides = {} if mar is None else {child.tag: int(child.get(qn("w:w"))) for child in mar}
    return sides.get(qn("w:left"), 108) + sides.get(qn("w:right"), 108)


def _words(text: str) -> list[str]:
    """What a line may not break: words between spaces, split after a hyphen inside a word;
    CJK characters break anywhere and are left out."""
    pieces = re.split(r"\s+|(?<=-)(?=[A-Za-z])|[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]", text)
    return [piece for piece in pieces if piece]


def _word_pt(word: str, *, bold: bool) -> float:
    """Estimated width at 9 pt: Latin characters at Noto Sans CJK's 0.3 em (i, l, punctuation),
    0.9 em (m, w, %) or 0.55 em (the rest, on average), anything else one em; bold a little
    wider."""
    em = 0.0
    for char in word:
        if char in " ijlI.,:;'|!":
            em += 0.3
        elif char in "mwMW%@":
            em += 0.9
        else:
            em += 0.55 if char.isascii() else 1.0
    return em * 9 * (1.05 if bold else 1.0)


@pytest.mark.parametrize("key", DOCUMENTS)
def test_every_table_is_fixed_with_grid_filling_the_text_width(docs, key) -> None:
    for table in docs[key].tables:
        props = xml_element(table).tblPr
        assert props.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = _grid(table)
        assert sum(grid) == TEXT_WIDTH
        assert props.find(qn("w:tblW")).get(qn("w:w")) == str(TEXT_WIDTH)
        for row in table.rows:  # each cell carries its column's width, as Word expects
            assert [cell.width.twips for cell in row.cells] == grid


@pytest.mark.parametrize("key", DOCUMENTS)
def test_every_row_cannot_split_and_only_the_header_repeats(docs, key) -> None:
    for table in docs[key].tables:
        for r, row in enumerate(table.rows):
            props = xml_element(row).trPr
            assert props is not None and props.find(qn("w:cantSplit")) is not None
            assert (props.find(qn("w:tblHeader")) is not None) == (r == 0)
        header = table.rows[0].cells
        assert all(cell.paragraphs[0].paragraph_format.keep_with_next for cell in header)


@pytest.mark.parametrize("key", DOCUMENTS)
def test_columns_of_names_are_wider_than_columns_of_numbers(docs, key) -> None:
    checked = 0
    for table in docs[key].tables:
        grid, rows = _grid(table), _texts(table)
        columns = list(zip(*rows[1:], strict=True))
        longest = max(range(len(grid)), key=lambda c: max(len(text) for text in columns[c]))
        numbers = [c for c, col in enumerate(columns) if all(NUMBER.match(t) for t in col)]
        for c in numbers:
            assert grid[longest] > grid[c], (rows[0][longest], rows[0][c])
            checked += 1
    assert checked >= 3  # the indicators' change, the tasks' and the units' counts


@pytest.mark.parametrize("kind", ["bulletin", "final"])
def test_widest_english_word_of_each_column_fits_its_width(docs, kind) -> None:
    for table in docs[kind, "en"].tables:
        grid, rows, margins = _grid(table), _texts(table), _margins(table)
        for c, width in enumerate(grid):
            room = (width - margins) / 20
            for r, row in enumerate(rows):
                for word in _words(row[c]):
                    assert _word_pt(word, bold=r == 0) <= room, (word, rows[0][c], room)


def test_long_names_get_the_room_and_numbers_stay_narrow() -> None:
    units = "; ".join(f"Municipal Bureau of Affairs number {i}" for i in range(12))
    header = ["Indicator", "Responsible units", "Done", "Share"]
    rows = [["Industrial software firms", units, "12", "45.5%"]] * 3
    widths = table_widths.column_widths(
        header, rows, [6, 6, float("inf"), float("inf")], TEXT_WIDTH
    )
    assert sum(widths) == TEXT_WIDTH
    indicator, responsible, done, share = widths
    assert responsible > indicator > share >= done


def test_columns_share_alike_when_words_are_wider_than_the_page() -> None:
    word = "x" * 120
    widths = table_widths.column_widths(["a", "b"], [[word, word]], [6, 6], TEXT_WIDTH)
    assert sum(widths) == TEXT_WIDTH and abs(widths[0] - widths[1]) <= 1


def test_short_table_fills_the_width_with_every_header_on_one_line() -> None:
    table = document.Table("t", pd.DataFrame({"Sector": ["Green steel"], "Sub-tasks": [4]}))
    b = document.Bulletin("t", "s", dt.date(2026, 1, 1), language="en")
    b.sections = [document.Section("h", tables=[table])]
    grid = _grid(Document(io.BytesIO(docx_render.render_docx(b, images=[]))).tables[0])
    assert sum(grid) == TEXT_WIDTH
    assert grid[0] > grid[1] > _word_pt("Sub-tasks", bold=True) * 20


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_gives_every_table_the_docx_column_widths(store: Path, lang: str) -> None:
    """One layout for both files (kpi.outputs.table_widths): a table breaks its lines alike in
    the PDF and the DOCX, and WeasyPrint lays it out without measuring every cell."""
    report = final_report.build_report(store, PLAN, None, lang, today=dt.date(2026, 1, 15))
    page = pdf_render.bulletin_html(report)
    pdf_widths = [
        [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', colgroup)]
        for colgroup in re.findall(r"<colgroup>(.*?)</colgroup>", page)
    ]
    grids = [_grid(t) for t in Document(io.BytesIO(docx_render.render_docx(report))).tables]
    assert len(pdf_widths) == len(grids) == sum(len(s.tables) for s in report.sections) > 5
    for shares, grid in zip(pdf_widths, grids, strict=True):
        assert shares == pytest.approx([100 * w / sum(grid) for w in grid], abs=0.05)
    assert "table-layout: fixed" in page

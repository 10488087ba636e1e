"""The bulletin as an A4 Word document (python-docx), with the charts' images."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips

from kpi.base import i18n
from kpi.base.config import CJK_FONT
from kpi.outputs import chart_images, palette
from kpi.outputs.document import (
    Bulletin,
    Table,
    figure_caption,
    format_cell,
    format_date,
    language_tag,
    page_footer_parts,
    table_caption,
)
from kpi.outputs.docx_xml import add_font_fallback, xml_element
from kpi.outputs.table_widths import CELL_PADDING_PT, table_widths

# SimSun is on every Chinese Windows: Word substitutes it when Noto Sans CJK SC is not installed.
CJK_FALLBACK_FONT = "宋体"
FIELDS = {"page": "PAGE", "pages": "NUMPAGES"}  # page footer counter -> Word field


def _set_run_fonts(rpr: Any, lang: str) -> None:
    """Point every script slot of an rPr at the CJK font, replacing any theme font."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), CJK_FONT)
    language = rpr.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:val"), language_tag(lang))
        language.set(qn("w:eastAsia"), "zh-CN")


def _set_document_fonts(doc: Any, lang: str) -> None:
    """CJK font in the defaults and in every style that names its own (headings use theme fonts)."""
    for rpr in doc.styles.element.iter(qn("w:rPr")):
        if rpr.getparent().tag == qn("w:rPrDefault") or rpr.find(qn("w:rFonts")) is not None:
            _set_run_fonts(rpr, lang)


def _shade(cell: Any, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    xml_element(cell).get_or_add_tcPr().append(shd)


def _add_field(paragraph: Any, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word updates on open/print."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    xml_element(paragraph).append(fld)


def _cell_text(cell: Any, text: str, *, bold: bool, align: Any, colour: str | None) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def _cell_texts(table: Table, lang: str) -> list[list[tuple[str, str | None]]]:
    """Each body cell's display text and light key ('' for a cell not shaded by a light)."""
    shaded = table.light_positions()
    empty = i18n.t("document.empty_cell", lang)
    rows = []
    for r, values in enumerate(table.data.itertuples(index=False, name=None)):
        cells: list[tuple[str, str | None]] = []
        for c, value in enumerate(values):
            text = format_cell(value, empty)
            if c in shaded:
                key = shaded[c][r]
                cells.append((palette.with_light_symbol(text, key), key))
            else:
                cells.append((text, ""))
        rows.append(cells)
    return rows


def _set_table_layout(grid: Any, widths: Sequence[int]) -> None:
    """Fixed layout with the widths in tblW, tblGrid and every tcW, so Word and LibreOffice
    lay the table out alike; every row kept on one page, the header repeated on each page."""
    grid.autofit = False  # w:tblLayout type="fixed"
    tbl_pr = xml_element(grid).tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(widths)))
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_PADDING_PT * 20))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.find(qn("w:tblLayout")).addnext(margins)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Twips(width)
    for r, row in enumerate(grid.rows):
        tr_pr = xml_element(row).get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            tr_pr.append(repeat)
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)


def _add_table(doc: Any, table: Table, number: int, lang: str, width: int) -> None:
    caption = doc.add_paragraph(table_caption(number, table.caption, lang), style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True

    df = table.data
    numeric = table.numeric_columns()
    shaded = table.light_positions()
    header = [str(label) for label in df.columns]
    body = _cell_texts(table, lang)
    widths = table_widths(table, [[text for text, _ in row] for row in body], width)
    grid = doc.add_table(rows=len(df) + 1, cols=df.shape[1])
    grid.style = "Table Grid"
    _set_table_layout(grid, widths)
    rows = grid.rows
    for cell, label in zip(rows[0].cells, header, strict=True):
        _cell_text(cell, label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, colour=None)
        # Keeps the header on the page of the first row (Word), never alone at a page's foot.
        cell.paragraphs[0].paragraph_format.keep_with_next = True
        _shade(cell, "E9EDF2")
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER  # python-docx puts it after w:shd
    for r, values in enumerate(body):
        for c, (cell, (text, key)) in enumerate(zip(rows[r + 1].cells, values, strict=True)):
            if c in shaded:
                fill, colour = palette.print_colours()[key] if key else (None, None)
                _cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, colour=colour)
                if fill:
                    _shade(cell, fill)
            else:
                align = WD_ALIGN_PARAGRAPH.RIGHT if numeric[c] else WD_ALIGN_PARAGRAPH.LEFT
                _cell_text(cell, text, bold=False, align=align, colour=None)
    doc.add_paragraph()


def _add_body_paragraph(doc: Any, text: str, lang: str) -> None:
    paragraph = doc.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # A rule of Chinese typesetting, not a text: a paragraph opens with a two-character indent
    # (the PDF does the same in CSS, html:lang(zh) p.body).
    if lang == "zh":
        paragraph.paragraph_format.first_line_indent = Pt(21)  # two characters at 10.5 pt


def _set_page(doc: Any, b: Bulletin) -> Any:
    """A4 margins, the demo notice in the header, page numbers in the footer."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(24), Mm(20)
    if b.demo_notice:
        notice = section.header.paragraphs[0]
        notice.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = notice.add_run(b.demo_notice)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, counter in page_footer_parts(b.language):
        if text:
            footer.add_run(text)
        if counter is not None:
            _add_field(footer, FIELDS[counter])
    return section


def docx_writer(
    b: Bulletin, charts: Sequence[bytes | concurrent.futures.Future]
) -> Callable[[], bytes]:
    """Build the bulletin as an A4 Word document now; the function returned writes it.

    `charts` holds each figure's image, or a future of it (ChartExporter.submit): the text and
    tables are built while chromium is still drawing, each chart's paragraph left empty until
    the function returned puts the chart in. The demo notice sits in the header of every page.
    """
    charts = chart_images.checked_images(b, charts)
    lang = b.language
    table_numbers, figure_numbers = itertools.count(1), itertools.count(1)

    doc = Document()
    _set_document_fonts(doc, lang)
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.title = b.title
    props.subject = b.subtitle
    props.language = language_tag(lang)
    props.created = dt.datetime.combine(b.generated_on, dt.time())
    props.author = props.last_modified_by = ""
    section = _set_page(doc, b)

    title = doc.add_heading(b.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = doc.add_paragraph(b.subtitle, style="Subtitle")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = i18n.t("document.generated_on", lang, date=format_date(b.generated_on, lang))
    doc.add_paragraph(generated).alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(i18n.t("document.summary", lang), level=1)
    for text in b.summary_paragraphs:
        _add_body_paragraph(doc, text, lang)

    pictures = []
    content_width = section.page_width - section.left_margin - section.right_margin
    text_width = round(Emu(content_width).twips)
    for part in b.sections:
        doc.add_heading(part.heading, level=1)
        for text in part.paragraphs:
            _add_body_paragraph(doc, text, lang)
        for table in part.tables:
            _add_table(doc, table, next(table_numbers), lang, text_width)
        for figure in part.figures:
            picture = doc.add_paragraph()
            pictures.append(picture)
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.keep_with_next = True
            caption = figure_caption(next(figure_numbers), figure.caption, lang)
            doc.add_paragraph(caption, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER

    def write() -> bytes:
        for picture, chart in zip(pictures, charts, strict=True):
            image = io.BytesIO(chart_images.image_bytes(chart))
            picture.add_run().add_picture(image, width=content_width)  # as doc.add_picture does
        buffer = io.BytesIO()
        doc.save(buffer)
        return add_font_fallback(buffer.getvalue(), CJK_FONT, CJK_FALLBACK_FONT)

    return write


def render_docx(
    b: Bulletin, *, images: Sequence[bytes | concurrent.futures.Future] | None = None
) -> bytes:
    """The bulletin as an A4 Word document; `images` as for docx_writer, None draws them."""
    return docx_writer(b, chart_images.bulletin_images(b, images))()

"""The quarterly bulletin (季度进展通报) as PDF (WeasyPrint) and DOCX (python-docx).

Input is a plain `Bulletin` (text, frames, plotly figures); nothing here queries a database.
Figures are exported to PNG once per bulletin with kaleido, driving the system chromium offline
(`ChartExporter` starts it in the background); the DOCX embeds the PNGs, the PDF high-quality
JPEGs of them. `PdfLayout` lays the PDF out while chromium is still drawing the charts.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import html
import importlib
import io
import itertools
import math
import os
import shutil
import string
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_BROWSER_PATH = "/usr/bin/chromium"

CJK_FONT = "Noto Sans CJK SC"
# SimSun is on every Chinese Windows: Word substitutes it when Noto Sans CJK SC is not installed.
CJK_FALLBACK_FONT = "宋体"
FIGURE_FONT_FAMILY = f'"{CJK_FONT}", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
# A 900 px figure printed 174 mm wide: 14 px text prints near 8 pt (plotly's default 12 px: 7 pt).
FIGURE_FONT_SIZE = 14

# Light key -> (fill, text) colours, shared by the PDF and the DOCX.
LIGHT_COLOURS: dict[str, tuple[str, str]] = {
    "achieved": ("1E7B34", "FFFFFF"),
    "green": ("C8E6C9", "1B5E20"),
    "yellow": ("FFE98A", "6B5200"),
    "red": ("F6C1BC", "9B1C1C"),
    "grey": ("E0E0E0", "505050"),
}

_LABELS = {
    "zh": {
        "summary": "摘要",
        "generated": "生成日期：",
        "table": "表{n}",
        "figure": "图{n}",
        "caption_sep": "　",
        "page_css": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
        "page_docx": ("第 ", " 页 / 共 ", " 页"),
        "empty": "—",
    },
    "en": {
        "summary": "Summary",
        "generated": "Generated on ",
        "table": "Table {n}",
        "figure": "Figure {n}",
        "caption_sep": ". ",
        "page_css": '"Page " counter(page) " of " counter(pages)',
        "page_docx": ("Page ", " of ", ""),
        "empty": "–",
    },
}


@dataclass
class Table:
    """A captioned table; `lights` (achieved/green/yellow/red/grey) shade `light_column` by row.

    `cell_lights` shades several columns, each by its own row lights (a matrix such as sectors x
    indicators): column name -> one light key (or None) per row.
    """

    caption: str
    data: pd.DataFrame
    lights: Sequence[str | None] | None = None
    light_column: str | None = None
    cell_lights: Mapping[str, Sequence[str | None]] | None = None

    def __post_init__(self) -> None:
        if (self.lights is None) != (self.light_column is None):
            raise ValueError("Table.lights and Table.light_column go together")
        for column, lights in self.column_lights().items():
            if column not in self.data.columns:
                raise ValueError(f"light column {column!r} is not a column of the table")
            if len(lights) != len(self.data):
                raise ValueError(f"{len(lights)} lights for {len(self.data)} rows")
            unknown = {key for key in lights if key is not None} - set(LIGHT_COLOURS)
            if unknown:
                raise ValueError(f"unknown light keys {sorted(unknown)}; use {list(LIGHT_COLOURS)}")

    def column_lights(self) -> dict[str, Sequence[str | None]]:
        """Every shaded column with its row lights (light_column and cell_lights together)."""
        shaded = dict(self.cell_lights or {})
        if self.lights is not None and self.light_column is not None:
            shaded[self.light_column] = self.lights
        return shaded


@dataclass
class Figure:
    """A captioned plotly figure."""

    caption: str
    figure: go.Figure


@dataclass
class Section:
    """A heading followed by its paragraphs, then its tables, then its figures."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Bulletin:
    """Everything a bulletin shows; the method/sources section is an ordinary last Section."""

    title: str
    subtitle: str
    generated_on: dt.date
    language: Literal["zh", "en"] = "zh"
    demo_notice: str | None = None
    summary_paragraphs: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.language not in _LABELS:
            raise ValueError(f"language must be one of {list(_LABELS)}, not {self.language!r}")

    def figures(self) -> list[Figure]:
        """All figures in document order."""
        return [figure for section in self.sections for figure in section.figures]


# --- figures -> PNG ---------------------------------------------------------------------------


def _for_print(fig: go.Figure) -> dict[str, Any]:
    """fig as a plain dict with a CJK fallback font and print-sized text (fig stays as is).

    A dict, not a go.Figure copy: kaleido sends a dict anyway, and copying a figure re-validates
    every property (~30 ms a chart).
    """
    out = fig.to_dict()
    font = out.setdefault("layout", {}).setdefault("font", {})
    family = font.get("family")
    if not family:
        font["family"] = FIGURE_FONT_FAMILY
    elif "cjk" not in family.lower():
        font["family"] = f"{family}, {FIGURE_FONT_FAMILY}"
    font.setdefault("size", FIGURE_FONT_SIZE)
    return out


def _browser_path() -> str:
    browser_path = os.environ.setdefault("BROWSER_PATH", DEFAULT_BROWSER_PATH)
    if not Path(browser_path).is_file():
        raise RuntimeError(
            f"No browser at BROWSER_PATH={browser_path!r}: install chromium "
            "(apt-get install chromium) or point BROWSER_PATH at one"
        )
    return browser_path


async def _open_kaleido(browser_path: str) -> Any:
    import kaleido  # chromium plumbing: only when there are figures

    class _Kaleido(kaleido.Kaleido):
        # Kaleido reloads the tab (and re-parses all of plotly.js) after every figure: about
        # 0.5 s each. Each figure is drawn from its own full spec, so the PNGs are the same
        # bytes without the reload (tests/test_bulletin.py checks this); the batch is ~5x faster.
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    # One browser, one tab: on two cores extra tabs are slower. mathjax=False keeps the page
    # offline (the default would fetch MathJax from a CDN on every render).
    k = _Kaleido(n=1, mathjax=False, path=browser_path)
    await k.open()
    return k


class ChartExporter:
    """One headless chromium, started in the background as soon as this is created.

    Starting chromium takes seconds: create the exporter first, build the figures meanwhile,
    then `export` them. Use it as a context manager (the browser is closed on exit). Its own
    event loop runs in a worker thread, so it works whether or not the caller runs a loop.
    """

    def __init__(self, width: int = 900, height: int = 420, *, scale: float = 2.0) -> None:
        self.opts = {"format": "png", "width": width, "height": height, "scale": scale}
        browser_path = _browser_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chart-exporter", daemon=True
        )
        self._thread.start()
        self._kaleido = self._run(_open_kaleido(browser_path))

    def _run(self, coroutine: Any) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    @property
    def pixel_size(self) -> tuple[int, int]:
        """(width, height) in pixels of the images this exporter makes."""
        scale = self.opts["scale"]
        return round(self.opts["width"] * scale), round(self.opts["height"] * scale)

    def submit(self, figs: Sequence[go.Figure]) -> concurrent.futures.Future:
        """Start exporting; the future's result is the PNG bytes of each figure, in order."""
        prepared = [_for_print(fig) for fig in figs]
        opening = self._kaleido

        async def calc() -> list[bytes]:
            k = await asyncio.wrap_future(opening)  # the browser may still be starting
            return [await k.calc_fig(fig, opts=self.opts) for fig in prepared]

        return self._run(calc())

    def export(self, figs: Sequence[go.Figure]) -> list[bytes]:
        """PNG bytes for each figure, in order (waits for the browser if it is still starting)."""
        return self.submit(figs).result() if figs else []

    def close(self) -> None:
        """Close the browser and stop the worker thread."""
        if not self._thread.is_alive():
            return
        try:
            if self._kaleido.exception() is None:
                self._run(self._kaleido.result().close()).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> ChartExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def preload_pdf_engine() -> threading.Thread:
    """Import WeasyPrint (about a second) in a background thread, e.g. while chromium draws."""
    thread = threading.Thread(
        target=importlib.import_module, args=("weasyprint",), name="weasyprint-import"
    )
    thread.daemon = True
    thread.start()
    return thread


def figures_to_png(
    figs: list[go.Figure], width: int = 900, height: int = 420, *, scale: float = 2.0
) -> list[bytes]:
    """PNG bytes for each figure, in order, from ONE headless chromium started for the batch."""
    if not figs:
        return []
    with ChartExporter(width, height, scale=scale) as exporter:
        return exporter.export(figs)


# --- shared cell formatting -------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _format_cell(value: Any, empty: str) -> str:
    """Display text of one table cell: at most two decimals, no thousands separators (years)."""
    if _is_missing(value):
        return empty
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def _numeric_columns(df: pd.DataFrame) -> list[bool]:
    return [
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        for dtype in df.dtypes
    ]


def _light_positions(table: Table) -> dict[int, Sequence[str | None]]:
    """Column position -> row lights, for every shaded column."""
    columns = list(table.data.columns)
    return {columns.index(name): lights for name, lights in table.column_lights().items()}


def _check_pngs(b: Bulletin, pngs: Sequence[bytes] | None) -> list[bytes]:
    figures = b.figures()
    if pngs is None:
        return figures_to_png([f.figure for f in figures])
    if len(pngs) != len(figures):
        raise ValueError(f"{len(pngs)} PNGs for {len(figures)} figures")
    return list(pngs)


# --- PDF ----------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _generated_css(labels: dict[str, Any]) -> str:
    rules = [f"@page {{ @bottom-right {{ content: {labels['page_css']}; }} }}"]
    for key, (fill, text) in LIGHT_COLOURS.items():
        rules.append(f"td.light-{key} {{ background: #{fill}; color: #{text}; }}")
    return "\n".join(rules)


def _paragraphs_html(paragraphs: Sequence[str]) -> str:
    return "\n".join(f'  <p class="body">{_esc(p)}</p>' for p in paragraphs)


def _table_html(table: Table, number: int, labels: dict[str, Any]) -> str:
    df = table.data
    numeric = _numeric_columns(df)
    shaded = _light_positions(table)
    caption = labels["table"].format(n=number) + labels["caption_sep"] + table.caption
    head = "".join(f"<th>{_esc(str(label))}</th>" for label in df.columns)
    rows = []
    for r, values in enumerate(df.itertuples(index=False, name=None)):
        cells = []
        for c, value in enumerate(values):
            classes = []
            if c in shaded:
                classes.append("light")
                if shaded[c][r]:
                    classes.append(f"light-{shaded[c][r]}")
            elif numeric[c]:
                classes.append("num")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{_esc(_format_cell(value, labels['empty']))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'  <p class="caption">{_esc(caption)}</p>\n'
        f"  <table>\n    <thead><tr>{head}</tr></thead>\n"
        f"    <tbody>\n      {chr(10).join(rows)}\n    </tbody>\n  </table>"
    )


def _figure_html(figure: Figure, number: int, image: bytes | str, labels: dict[str, Any]) -> str:
    caption = labels["figure"].format(n=number) + labels["caption_sep"] + figure.caption
    if isinstance(image, str):  # a URL
        src = image
    else:
        mime = "image/jpeg" if image.startswith(b"\xff\xd8") else "image/png"
        src = f"data:{mime};base64," + base64.b64encode(image).decode("ascii")
    return (
        f'  <figure>\n    <img src="{_esc(src)}" alt="{_esc(figure.caption)}">\n'
        f"    <figcaption>{_esc(caption)}</figcaption>\n  </figure>"
    )


def bulletin_html(b: Bulletin, pngs: Sequence[bytes | str]) -> str:
    """The bulletin as one self-contained HTML page (CSS inline, images as data URIs).

    An item of `pngs` may also be an image URL, used as it is.
    """
    labels = _LABELS[b.language]
    table_numbers, figure_numbers = itertools.count(1), itertools.count(1)
    png_iter = iter(pngs)
    sections = []
    for section in b.sections:
        parts = [f"<section>\n  <h2>{_esc(section.heading)}</h2>"]
        if section.paragraphs:
            parts.append(_paragraphs_html(section.paragraphs))
        parts += [_table_html(t, next(table_numbers), labels) for t in section.tables]
        parts += [
            _figure_html(f, next(figure_numbers), next(png_iter), labels) for f in section.figures
        ]
        parts.append("</section>")
        sections.append("\n".join(parts))
    notice = f'<div class="demo-notice">{_esc(b.demo_notice)}</div>' if b.demo_notice else ""
    template = string.Template((TEMPLATES_DIR / "bulletin.html").read_text(encoding="utf-8"))
    return template.substitute(
        lang="zh-CN" if b.language == "zh" else "en",
        title=_esc(b.title),
        subtitle=_esc(b.subtitle),
        generated_iso=b.generated_on.isoformat(),
        generated_label=_esc(labels["generated"]),
        generated_on=_esc(_format_date(b.generated_on, b.language)),
        css=(TEMPLATES_DIR / "bulletin.css").read_text(encoding="utf-8"),
        generated_css=_generated_css(labels),
        demo_notice=notice,
        summary_heading=_esc(labels["summary"]),
        summary=_paragraphs_html(b.summary_paragraphs),
        sections="\n".join(sections),
    )


def _format_date(day: dt.date, language: str) -> str:
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _print_jpeg(png: bytes) -> bytes:
    """A chart PNG flattened onto white as a high-quality JPEG, for the PDF.

    WeasyPrint re-encodes every PNG it embeds (decode, split off the alpha channel, deflate
    both: ~0.12 s for a 1800 x 840 chart) but embeds a JPEG as it is; at quality 92 without
    chroma subsampling the lines and the text of a chart print the same.
    """
    from PIL import Image  # WeasyPrint's own dependency

    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=92, subsampling=0)
    return out.getvalue()


def render_pdf(b: Bulletin, *, pngs: Sequence[bytes] | None = None) -> bytes:
    """The bulletin as an A4 PDF with the CJK font embedded; `pngs` reuses figures_to_png output."""
    from weasyprint import HTML  # needs pango; DOCX works without it
    from weasyprint.urls import URLFetcher

    page = bulletin_html(b, [_print_jpeg(png) for png in _check_pngs(b, pngs)])
    # Only data: URIs: the page never reaches the network or the file system.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=page, url_fetcher=fetcher).write_pdf()


def _blank_jpeg(size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG", quality=92, subsampling=0)
    return out.getvalue()


class PdfLayout:
    """The bulletin laid out as a PDF before its charts exist; `finish(pngs)` writes it.

    Layout is most of a PDF's time and needs only each chart's size, so it can run while
    chromium still draws the charts. WeasyPrint reads a local image file when it writes the
    PDF, not when it lays it out: the layout uses blank JPEG files of `chart_size` pixels,
    which `finish` overwrites with the real charts before writing. `finish` checks that each
    real chart is in the PDF, and renders the whole PDF afresh if one is not.
    """

    def __init__(self, b: Bulletin, chart_size: tuple[int, int]) -> None:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        self.bulletin, self.chart_size = b, chart_size
        self._folder = Path(tempfile.mkdtemp(prefix="bulletin-charts-"))
        self._paths = [self._folder / f"chart-{i}.jpg" for i in range(len(b.figures()))]
        blank = _blank_jpeg(chart_size)
        for path in self._paths:
            path.write_bytes(blank)
        charts = {path.as_uri(): path for path in self._paths}

        class Fetcher(URLFetcher):
            # data: URIs and these chart files only: nothing else on disk, never the network.
            def fetch(self, url: str, headers: Any = None) -> Any:
                if url in charts:
                    headers = {"Content-Type": "image/jpeg"}
                    return URLFetcherResponse(url, charts[url].read_bytes(), headers)
                return super().fetch(url, headers)

        page = bulletin_html(b, list(charts))
        fetcher = Fetcher(allowed_protocols={"data"})
        self._document = HTML(string=page, url_fetcher=fetcher).render()

    def finish(self, pngs: Sequence[bytes]) -> bytes:
        """The PDF with the real charts (PNG or JPEG bytes of `chart_size`, in order)."""
        try:
            jpegs = [_print_jpeg(png) for png in _check_pngs(self.bulletin, pngs)]
            if any(_image_size(jpeg) != self.chart_size for jpeg in jpegs):
                return render_pdf(self.bulletin, pngs=pngs)
            for path, jpeg in zip(self._paths, jpegs, strict=True):
                path.write_bytes(jpeg)
            pdf = self._document.write_pdf()
            if all(jpeg in pdf for jpeg in jpegs):  # embedded byte for byte (DCTDecode)
                return pdf
            return render_pdf(self.bulletin, pngs=pngs)
        finally:
            self.close()

    def close(self) -> None:
        """Remove the chart files."""
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> PdfLayout:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _image_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- DOCX ---------------------------------------------------------------------------------------


def _set_run_fonts(rpr: Any, language: str) -> None:
    """Point every script slot of an rPr at the CJK font, replacing any theme font."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), CJK_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "zh-CN" if language == "zh" else "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")


def _set_document_fonts(doc: Any, language: str) -> None:
    """CJK font in the defaults and in every style that names its own (headings use theme fonts)."""
    styles = doc.styles.element
    for rpr in styles.iter(qn("w:rPr")):
        parent = rpr.getparent()
        if parent.tag == qn("w:rPrDefault") or rpr.find(qn("w:rFonts")) is not None:
            _set_run_fonts(rpr, language)

    # Tell Word which installed font to use when Noto Sans CJK SC is missing (w:altName).
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml" and hasattr(part, "_blob"):
            root = etree.fromstring(part.blob)
            w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": CJK_FONT})
            etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": CJK_FALLBACK_FONT})
            etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
            etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "swiss"})
            etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
            part._blob = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )


def _shade(cell: Any, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _add_field(paragraph: Any, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word updates on open/print."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _docx_cell_text(cell: Any, text: str, *, bold: bool, align: Any, colour: str | None) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def _docx_table(doc: Any, table: Table, number: int, labels: dict[str, Any]) -> None:
    caption = doc.add_paragraph(
        labels["table"].format(n=number) + labels["caption_sep"] + table.caption, style="Caption"
    )
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True

    df = table.data
    numeric = _numeric_columns(df)
    shaded = _light_positions(table)
    grid = doc.add_table(rows=len(df) + 1, cols=df.shape[1])
    grid.style = "Table Grid"
    rows = grid.rows
    header = rows[0]
    header_props = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for cell, label in zip(header.cells, df.columns, strict=True):
        _docx_cell_text(cell, str(label), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, colour=None)
        _shade(cell, "E9EDF2")
    for r, values in enumerate(df.itertuples(index=False, name=None)):
        for c, (cell, value) in enumerate(zip(rows[r + 1].cells, values, strict=True)):
            text = _format_cell(value, labels["empty"])
            if c in shaded:
                key = shaded[c][r]
                fill, colour = LIGHT_COLOURS[key] if key else (None, None)
                _docx_cell_text(
                    cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, colour=colour
                )
                if fill:
                    _shade(cell, fill)
            else:
                align = WD_ALIGN_PARAGRAPH.RIGHT if numeric[c] else WD_ALIGN_PARAGRAPH.LEFT
                _docx_cell_text(cell, text, bold=False, align=align, colour=None)
    doc.add_paragraph()


def _docx_body_paragraph(doc: Any, text: str, language: str) -> None:
    paragraph = doc.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if language == "zh":
        paragraph.paragraph_format.first_line_indent = Pt(21)  # two characters at 10.5 pt


def render_docx(b: Bulletin, *, pngs: Sequence[bytes] | None = None) -> bytes:
    """The bulletin as an A4 Word document; the demo notice sits in the header of every page."""
    images = _check_pngs(b, pngs)
    labels = _LABELS[b.language]
    table_numbers, figure_numbers = itertools.count(1), itertools.count(1)

    doc = Document()
    _set_document_fonts(doc, b.language)
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.title = b.title
    props.subject = b.subtitle
    props.language = "zh-CN" if b.language == "zh" else "en-US"
    props.created = dt.datetime.combine(b.generated_on, dt.time())
    props.author = props.last_modified_by = ""

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
    before, middle, after = labels["page_docx"]
    footer.add_run(before)
    _add_field(footer, "PAGE")
    footer.add_run(middle)
    _add_field(footer, "NUMPAGES")
    footer.add_run(after)

    title = doc.add_heading(b.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = doc.add_paragraph(b.subtitle, style="Subtitle")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = doc.add_paragraph(labels["generated"] + _format_date(b.generated_on, b.language))
    generated.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(labels["summary"], level=1)
    for text in b.summary_paragraphs:
        _docx_body_paragraph(doc, text, b.language)

    image_iter = iter(images)
    content_width = section.page_width - section.left_margin - section.right_margin
    for part in b.sections:
        doc.add_heading(part.heading, level=1)
        for text in part.paragraphs:
            _docx_body_paragraph(doc, text, b.language)
        for table in part.tables:
            _docx_table(doc, table, next(table_numbers), labels)
        for figure in part.figures:
            doc.add_picture(io.BytesIO(next(image_iter)), width=content_width)
            picture = doc.paragraphs[-1]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.keep_with_next = True
            caption = doc.add_paragraph(
                labels["figure"].format(n=next(figure_numbers))
                + labels["caption_sep"]
                + figure.caption,
                style="Caption",
            )
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_both(b: Bulletin, *, exporter: ChartExporter | None = None) -> tuple[bytes, bytes]:
    """(PDF, DOCX) of the bulletin, exporting each figure to PNG only once.

    Pass an `exporter` created before the bulletin was built to overlap chromium's start-up
    with that work (it is left open for the caller to close).
    """
    figs = [f.figure for f in b.figures()]
    pngs = exporter.export(figs) if exporter is not None else figures_to_png(figs)
    return render_pdf(b, pngs=pngs), render_docx(b, pngs=pngs)

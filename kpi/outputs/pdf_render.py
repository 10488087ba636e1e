"""The bulletin as an A4 PDF: HTML from templates/bulletin.html (Jinja2), printed by WeasyPrint."""

from __future__ import annotations

import concurrent.futures
import functools
import importlib
import io
import itertools
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from kpi.base import i18n
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
from kpi.outputs.table_widths import TEXT_WIDTH_TWIPS, table_widths

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHART_URL = "chart:"  # + figure number from 0: an image pdf_writer hands WeasyPrint, nothing else
JPEG_MAGIC = b"\xff\xd8\xff"


class _Cell(NamedTuple):
    """One <td>: its text and its class attribute."""

    text: str
    classes: str


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def css_string(text: str) -> str:
    """text as a quoted CSS string, safe inside <style> (no quote, backslash or '<' left)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + escaped.replace("\n", "\\a ") + '"'


def _page_footer_css(lang: str) -> Markup:
    """The footer's CSS content: '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'."""
    parts = []
    for text, counter in page_footer_parts(lang):
        if text:
            parts.append(css_string(text))
        if counter is not None:
            if counter not in ("page", "pages"):
                raise ValueError(f"page footer counter must be page or pages, not {counter!r}")
            parts.append(f"counter({counter})")
    return Markup(" ".join(parts))


def _table_view(table: Table, number: int, lang: str) -> dict[str, Any]:
    numeric = table.numeric_columns()
    shaded = table.light_positions()
    empty = i18n.t("document.empty_cell", lang)
    rows = []
    for r, values in enumerate(table.data.itertuples(index=False, name=None)):
        cells = []
        for c, value in enumerate(values):
            text = format_cell(value, empty)
            if c in shaded:
                key = shaded[c][r]
                classes = f"light light-{key}" if key else "light"
                text = palette.with_light_symbol(text, key)
            else:
                classes = "num" if numeric[c] else ""
            cells.append(_Cell(text, classes))
        rows.append(cells)
    widths = table_widths(table, [[cell.text for cell in row] for row in rows], TEXT_WIDTH_TWIPS)
    return {
        "caption": table_caption(number, table.caption, lang),
        "header": [str(label) for label in table.data.columns],
        "widths": [f"{100 * w / sum(widths):.3f}%" for w in widths],
        "rows": rows,
    }


def bulletin_html(b: Bulletin, image_urls: Sequence[str] | None = None) -> str:
    """The bulletin as one HTML page, CSS inline; figure i shows image_urls[i] (default chart:i)."""
    lang = b.language
    if image_urls is None:
        image_urls = [f"{CHART_URL}{i}" for i in range(len(b.figures()))]
    table_numbers, figure_numbers = itertools.count(1), itertools.count(1)
    urls = iter(image_urls)
    sections = [
        {
            "heading": section.heading,
            "paragraphs": section.paragraphs,
            "tables": [_table_view(t, next(table_numbers), lang) for t in section.tables],
            "figures": [
                {
                    "src": next(urls),
                    "alt": f.caption,
                    "caption": figure_caption(next(figure_numbers), f.caption, lang),
                }
                for f in section.figures
            ],
        }
        for section in b.sections
    ]
    generated = i18n.t("document.generated_on", lang, date=format_date(b.generated_on, lang))
    return (
        _templates()
        .get_template("bulletin.html")
        .render(
            b=b,
            html_lang=language_tag(lang),
            generated=generated,
            summary_heading=i18n.t("document.summary", lang),
            page_footer=_page_footer_css(lang),
            light_colours=palette.print_colours(),
            sections=sections,
        )
    )


def print_jpeg(image: bytes) -> bytes:
    """A chart image as a JPEG for the PDF: a JPEG as it is, a PNG flattened onto white.

    WeasyPrint embeds a JPEG as it is but re-encodes every PNG (decode, split off the alpha
    channel, deflate both: ~0.12 s for a 1800 x 840 chart); at quality 92 without chroma
    subsampling the lines and the text of a chart print the same.
    """
    if image.startswith(JPEG_MAGIC):
        return image
    from PIL import Image  # WeasyPrint's own dependency

    with Image.open(io.BytesIO(image)) as png:
        rgba = png.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=92, subsampling=0)
    return out.getvalue()


def _pixel_size(chart: bytes | concurrent.futures.Future) -> tuple[int, int]:
    """A chart's size in pixels: known while chromium draws it, else read from its header."""
    if isinstance(chart, chart_images.Drawing):
        return chart.size
    from PIL import Image

    with Image.open(io.BytesIO(chart_images.image_bytes(chart))) as image:
        return image.size


@functools.cache
def _chart_image_class() -> type:
    """WeasyPrint's image of a chart that is laid out by its size and embedded once drawn.

    WeasyPrint reads an <img> while it builds its boxes, before any layout, and would wait there
    for chromium. This `weasyprint.images.RasterImage` starts from a blank JPEG of the chart's
    size and takes the chart's JPEG in `get_x_object`, which WeasyPrint calls only when it
    writes the PDF, after layout and painting (tests/test_render.py checks the bytes embedded).
    """
    from PIL import Image
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage

    class ChartImage(RasterImage):
        def __init__(self, chart: Any, image_id: str) -> None:
            blank = Image.new("RGB", _pixel_size(chart))
            blank.format = "JPEG"  # given with its bytes (none yet): nothing is encoded
            super().__init__(blank, image_id, b"", options=DEFAULT_OPTIONS)
            self.chart = chart
            self.embedded = False

        def get_x_object(self, interpolate: bool, dpi_ratio: float) -> Any:
            jpeg = print_jpeg(chart_images.image_bytes(self.chart))
            self.image_data = self.cache_image_data(jpeg)
            self.embedded = True
            return super().get_x_object(interpolate, dpi_ratio)

    return ChartImage


def preload_pdf_engine() -> threading.Thread:
    """Import WeasyPrint (about a second) in a background thread, e.g. while chromium starts."""
    thread = threading.Thread(
        target=importlib.import_module, args=("weasyprint",), name="weasyprint-import"
    )
    thread.daemon = True
    thread.start()
    return thread


def pdf_writer(
    b: Bulletin, charts: Sequence[bytes | concurrent.futures.Future]
) -> Callable[[], bytes]:
    """Lay the bulletin out as an A4 PDF now; the function returned writes it.

    `charts` holds each figure's image, or a future of it (ChartExporter.submit): the page is
    parsed, laid out and painted while chromium is still drawing, and the function returned
    waits for the charts only to embed them.
    """
    from weasyprint import HTML  # needs pango; DOCX works without it
    from weasyprint.urls import URLFetcher

    charts = chart_images.checked_images(b, charts)
    chart_image = _chart_image_class()
    images = {f"{CHART_URL}{i}": chart_image(chart, f"chart{i}") for i, chart in enumerate(charts)}
    # The page reaches neither the network nor the disk (data: URIs only), and an image that
    # fails to load (a chart:N with no chart) fails the PDF instead of leaving a hole in it.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    # WeasyPrint takes an image from its `cache` before it fetches it.
    document = HTML(string=bulletin_html(b), url_fetcher=fetcher).render(cache=dict(images))

    def write() -> bytes:
        pdf = document.write_pdf()
        missing = [url for url, image in images.items() if not image.embedded]
        if missing:
            raise RuntimeError(f"WeasyPrint left out the charts {missing}")
        return pdf

    return write


def render_pdf(
    b: Bulletin, *, images: Sequence[bytes | concurrent.futures.Future] | None = None
) -> bytes:
    """The bulletin as an A4 PDF with the CJK font embedded.

    `images` holds each figure's image (JPEG or PNG), or a future of it; None draws the
    figures first.
    """
    return pdf_writer(b, chart_images.bulletin_images(b, images))()

"""The bulletin as an A4 PDF: HTML from templates/bulletin.html (Jinja2), printed by WeasyPrint."""

from __future__ import annotations

import concurrent.futures
import functools
import importlib
import io
import itertools
import threading
from collections.abc import Sequence
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

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHART_URL = "chart:"  # + figure number from 0: served by render_pdf's URL fetcher, nothing else


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
    return {
        "caption": table_caption(number, table.caption, lang),
        "header": [str(label) for label in table.data.columns],
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


def print_jpeg(png: bytes) -> bytes:
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


def preload_pdf_engine() -> threading.Thread:
    """Import WeasyPrint (about a second) in a background thread, e.g. while chromium starts."""
    thread = threading.Thread(
        target=importlib.import_module, args=("weasyprint",), name="weasyprint-import"
    )
    thread.daemon = True
    thread.start()
    return thread


def render_pdf(
    b: Bulletin, *, pngs: Sequence[bytes | concurrent.futures.Future] | None = None
) -> bytes:
    """The bulletin as an A4 PDF with the CJK font embedded.

    `pngs` holds each figure's PNG, or a future of it (ChartExporter.submit): WeasyPrint asks
    for each chart when it meets its <img>, so it parses and styles the page while chromium
    is still drawing. None draws the figures first.
    """
    from weasyprint import HTML  # needs pango; DOCX works without it
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    charts = chart_images.bulletin_pngs(b, pngs)
    fetched: set[str] = set()

    class ChartFetcher(URLFetcher):
        # data: URIs and the charts only: the page never reaches the network or the disk.
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(CHART_URL):
                chart = charts[int(url.removeprefix(CHART_URL))]
                png = chart.result() if isinstance(chart, concurrent.futures.Future) else chart
                fetched.add(url)
                return URLFetcherResponse(url, print_jpeg(png), {"Content-Type": "image/jpeg"})
            return super().fetch(url, headers)

    # fail_on_errors: a chart that fails stops the PDF instead of leaving a hole in it.
    fetcher = ChartFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    try:
        pdf = HTML(string=bulletin_html(b), url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError:
        drawn = [c for c in charts if isinstance(c, concurrent.futures.Future) and c.done()]
        failed = [c.exception() for c in drawn if c.exception() is not None]
        if failed:  # the chart's own error (e.g. chromium's), for the caller to report
            raise failed[0] from None
        raise
    missing = {f"{CHART_URL}{i}" for i in range(len(charts))} - fetched
    if missing:
        raise RuntimeError(f"WeasyPrint left out the charts {sorted(missing)}")
    return pdf

"""A bulletin's files, its charts drawn once: both are laid out while chromium draws them."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from kpi.outputs import docx_render, pdf_render
from kpi.outputs.chart_images import ChartExporter
from kpi.outputs.document import Bulletin

FORMATS = ("pdf", "docx")
WRITERS = {"pdf": pdf_render.pdf_writer, "docx": docx_render.docx_writer}


def check_formats(formats: Sequence[str]) -> None:
    """Raise ValueError unless `formats` is a non-empty selection of FORMATS."""
    if not formats or set(formats) - set(FORMATS):
        raise ValueError(f"formats must be some of {FORMATS}, not {formats!r}")


def render_files(
    b: Bulletin, formats: Sequence[str] = FORMATS, *, exporter: ChartExporter | None = None
) -> dict[str, bytes]:
    """{'pdf': ..., 'docx': ...} for the `formats` asked for.

    Pass an `exporter` created before the bulletin was built to overlap chromium's start-up
    with that work (it is left open for the caller to close).
    """
    check_formats(formats)
    figures = [f.figure for f in b.figures()]
    with contextlib.ExitStack() as stack:
        if figures and exporter is None:
            exporter = ChartExporter(one_batch=True)
            stack.callback(exporter.close_in_background)
        charts = exporter.submit(figures) if figures else []
        # Layout first, for every format, while chromium draws; then each waits for the charts.
        writers = {fmt: WRITERS[fmt](b, charts) for fmt in formats}
        return {fmt: write() for fmt, write in writers.items()}


def render_both(b: Bulletin, *, exporter: ChartExporter | None = None) -> tuple[bytes, bytes]:
    """(PDF, DOCX) of the bulletin, exporting each figure to an image only once."""
    files = render_files(b, exporter=exporter)
    return files["pdf"], files["docx"]

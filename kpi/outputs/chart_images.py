"""Plotly figures as PNG images for print: kaleido driving the system chromium, offline."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Sequence
from typing import Any, TypeVar

import plotly.graph_objects as go

from kpi.base import config
from kpi.base.errors import SetupError
from kpi.outputs.document import CJK_FONT, Bulletin

FIGURE_FONT_FAMILY = f'"{CJK_FONT}", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
# A 900 px figure printed 174 mm wide: 14 px text prints near 8 pt (plotly's default 12 px: 7 pt).
FIGURE_FONT_SIZE = 14

Png = TypeVar("Png", bytes, concurrent.futures.Future)


def for_print(fig: go.Figure) -> dict[str, Any]:
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


def browser_path() -> str:
    """The chromium kaleido drives (config.browser_path); SetupError when it is not there."""
    path = config.browser_path()
    if not path.is_file():
        raise SetupError("error.no_browser", path=str(path))
    return str(path)


@functools.cache
def tab_keeping_kaleido() -> type:
    """Adapter for kaleido 1.5: a `kaleido.Kaleido` that keeps its tab between figures.

    Kaleido reloads its tab after every figure (0.5 s: plotly.js is parsed again) and has no
    option against it. This subclass overrides the private hook `_return_kaleido_tab(tab)`, which
    `Kaleido._render_task` awaits after each figure, to put the tab straight back on the public
    `tabs_ready` queue. Each figure is drawn from its own full spec, so the PNGs are the bytes
    kaleido's public path makes (tests/test_render.py checks the hook, its use and the bytes).
    kaleido is imported here, in the exporter's thread, and only when there are figures.
    """
    import kaleido

    class TabKeepingKaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return TabKeepingKaleido


async def _open_kaleido(path: str) -> Any:
    # One browser, one tab: on two cores extra tabs are slower. mathjax=False keeps the page
    # offline (the default would fetch MathJax from a CDN on every render).
    k = tab_keeping_kaleido()(n=1, mathjax=False, path=path)
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
        path = browser_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chart-exporter", daemon=True
        )
        self._thread.start()
        self._kaleido = asyncio.run_coroutine_threadsafe(_open_kaleido(path), self._loop)
        self._futures: list[concurrent.futures.Future] = []

    def submit(self, figs: Sequence[go.Figure]) -> list[concurrent.futures.Future]:
        """Start drawing; one future per figure, in order, each resolving to its PNG bytes."""
        prepared = [for_print(fig) for fig in figs]
        futures = [concurrent.futures.Future() for _ in prepared]
        self._futures += futures
        opening = self._kaleido

        async def draw() -> None:
            try:
                k = await asyncio.wrap_future(opening)  # the browser may still be starting
                for fig, future in zip(prepared, futures, strict=True):
                    future.set_result(await k.calc_fig(fig, opts=self.opts))
            except BaseException as error:  # every figure not drawn gets the reason
                for future in futures:
                    if not future.done():
                        future.set_exception(error)

        asyncio.run_coroutine_threadsafe(draw(), self._loop)
        return futures

    def export(self, figs: Sequence[go.Figure]) -> list[bytes]:
        """PNG bytes for each figure, in order (waits for the browser if it is still starting)."""
        return [future.result() for future in self.submit(figs)]

    def close(self) -> None:
        """Close the browser and stop the worker thread."""
        if not self._thread.is_alive():
            return
        try:
            if self._kaleido.exception() is None:
                closing = self._kaleido.result().close()
                asyncio.run_coroutine_threadsafe(closing, self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            for future in self._futures:  # never drawn: whoever waits gets CancelledError
                future.cancel()

    def __enter__(self) -> ChartExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def figures_to_png(
    figs: Sequence[go.Figure], width: int = 900, height: int = 420, *, scale: float = 2.0
) -> list[bytes]:
    """PNG bytes for each figure, in order, from ONE headless chromium started for the batch."""
    if not figs:
        return []
    with ChartExporter(width, height, scale=scale) as exporter:
        return exporter.export(figs)


def bulletin_pngs(b: Bulletin, pngs: Sequence[Png] | None) -> list[Png]:
    """`pngs` (bytes, or futures of them) checked against the bulletin's figures; drawn if None."""
    figures = b.figures()
    if pngs is None:
        return figures_to_png([f.figure for f in figures])
    if len(pngs) != len(figures):
        raise ValueError(f"{len(pngs)} PNGs for {len(figures)} figures")
    return list(pngs)

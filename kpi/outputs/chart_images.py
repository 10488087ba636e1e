"""Plotly figures as print images for the bulletin: kaleido driving the system chromium, offline."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kpi.base import config
from kpi.base.errors import SetupError

if TYPE_CHECKING:  # plotly takes a while to import: `etl report` starts chromium first
    import plotly.graph_objects as go

FIGURE_FONT_FAMILY = (
    f'"{config.CJK_FONT}", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
)
# A 900 px figure printed 174 mm wide: 14 px text prints near 8 pt (plotly's default 12 px: 7 pt).
FIGURE_FONT_SIZE = 14
# JPEG straight from chromium (its quality 0.92) at twice the size: the PDF embeds a JPEG as it
# is, where it would decode and re-encode a PNG (~25 ms a chart), and the chart prints the same.
IMAGE_FORMAT = "jpeg"
# Closing chromium takes about half a second; a close that has not ended by then has hung (it
# did, rarely, on a loaded machine) and the browser is killed instead.
CLOSE_TIMEOUT_S = 30

Image = TypeVar("Image", bytes, concurrent.futures.Future)


class WithFigures(Protocol):
    """A document with figures (kpi.outputs.document.Bulletin, which imports pandas: this
    module does not, so that `etl report` starts chromium before pandas is imported)."""

    def figures(self) -> Sequence[Any]: ...


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


# choreographer (kaleido's browser driver) logs, with a traceback, a message it cannot decode and
# then ignores. Chromium's last word on closing, "{bye}", is one such when it arrives in the same
# read as the message before it: a clean close would print a traceback (rarely: under load).
CHOREOGRAPHER_PIPE_LOGGER = "choreographer.channels.pipe"
CHROMIUM_GOODBYE = "{bye}"


def _drop_chromium_goodbye(record: logging.LogRecord) -> bool:
    """False for choreographer's record of failing to decode chromium's goodbye."""
    error = record.exc_info[1] if record.exc_info else None
    undecoded = getattr(getattr(error, "__cause__", None), "doc", None)
    return not (isinstance(undecoded, str) and undecoded.strip() == CHROMIUM_GOODBYE)


@functools.cache
def tab_keeping_kaleido() -> type:
    """Adapter for kaleido 1.5: a `kaleido.Kaleido` that keeps its tab between figures.

    Kaleido reloads its tab after every figure (0.5 s: plotly.js is parsed again) and has no
    option against it. This subclass overrides the private hook `_return_kaleido_tab(tab)`, which
    `Kaleido._render_task` awaits after each figure, to put the tab straight back on the public
    `tabs_ready` queue. Each figure is drawn from its own full spec, so the PNGs are the bytes
    kaleido's public path makes (tests/test_render.py checks the hook, its use and the bytes).
    kaleido is imported here, in the exporter's thread, and only when there are figures; its
    driver's logger then gets the filter that drops chromium's goodbye (_drop_chromium_goodbye).
    """
    import kaleido

    logging.getLogger(CHOREOGRAPHER_PIPE_LOGGER).addFilter(_drop_chromium_goodbye)

    class TabKeepingKaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return TabKeepingKaleido


async def _open_kaleido(path: str, opening: list) -> Any:
    # One browser, one tab: on two cores extra tabs are slower. mathjax=False keeps the page
    # offline (the default would fetch MathJax from a CDN on every render).
    k = tab_keeping_kaleido()(n=1, mathjax=False, path=path)
    opening.append(k)  # for `close` to kill, should it hang
    await k.open()
    return k


class Drawing(concurrent.futures.Future):
    """A chart chromium is drawing: its image bytes once drawn, its size in pixels already.

    The size lets the PDF be laid out before the chart is drawn (pdf_render.pdf_writer).
    """

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__()
        self.size = size


def image_bytes(image: bytes | concurrent.futures.Future) -> bytes:
    """A chart's image bytes, waiting for them if chromium is still drawing it."""
    return image.result() if isinstance(image, concurrent.futures.Future) else image


class ChartExporter:
    """One headless chromium, started in the background as soon as this is created.

    Starting chromium takes seconds: create the exporter first, build the figures meanwhile,
    then `export` them. Use it as a context manager (the browser is closed on exit). Its own
    event loop runs in a worker thread, so it works whether or not the caller runs a loop.
    `one_batch=True` closes the browser as soon as the first batch submitted is drawn: closing
    takes about half a second, which then overlaps the caller's own work.
    """

    def __init__(
        self, width: int = 900, height: int = 420, *, scale: float = 2.0, one_batch: bool = False
    ) -> None:
        self.opts = {"format": IMAGE_FORMAT, "width": width, "height": height, "scale": scale}
        self.size = (round(width * scale), round(height * scale))
        self.one_batch = one_batch
        path = browser_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chart-exporter", daemon=True
        )
        self._thread.start()
        self._opening: list = []
        self._kaleido = asyncio.run_coroutine_threadsafe(
            _open_kaleido(path, self._opening), self._loop
        )
        self._futures: list[Drawing] = []
        self._closing: concurrent.futures.Future | None = None
        self._closed = False

    def submit(self, figs: Sequence[go.Figure]) -> list[Drawing]:
        """Start drawing; one future per figure, in order, each resolving to its image bytes."""
        if self._closing is not None:
            raise RuntimeError("this chart exporter has drawn its one batch")
        prepared = [for_print(fig) for fig in figs]
        futures = [Drawing(self.size) for _ in prepared]
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

        drawn = asyncio.run_coroutine_threadsafe(draw(), self._loop)
        if self.one_batch:
            self._closing = self._close_browser(after=drawn)
        return futures

    def export(self, figs: Sequence[go.Figure]) -> list[bytes]:
        """Image bytes for each figure, in order (waits for the browser if it is still starting)."""
        return [future.result() for future in self.submit(figs)]

    def _close_browser(self, after: concurrent.futures.Future | None) -> concurrent.futures.Future:
        """Close the browser on the exporter's loop once `after` (a drawing task) is done."""

        async def close() -> None:
            if after is not None:
                await asyncio.wrap_future(after)
            try:
                k = await asyncio.wrap_future(self._kaleido)
            except BaseException:  # chromium never started: nothing to close
                return
            await k.close()

        return asyncio.run_coroutine_threadsafe(close(), self._loop)

    def close(self) -> None:
        """Close the browser and stop the worker thread; a close that hangs kills the browser."""
        if self._closed:
            return
        self._closed = True
        try:
            closing = self._closing or self._close_browser(after=None)
            try:
                closing.result(timeout=CLOSE_TIMEOUT_S)
            except concurrent.futures.TimeoutError:
                self._kill_browser()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=CLOSE_TIMEOUT_S)  # a daemon: it ends with the process
            if not self._thread.is_alive():
                self._loop.close()
            for future in self._futures:  # never drawn: whoever waits gets CancelledError
                future.cancel()

    def _kill_browser(self) -> None:
        """Kill chromium and its helpers (its own process group, as choreographer starts it)."""
        process = getattr(self._opening[0], "subprocess", None) if self._opening else None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def close_in_background(self) -> None:
        """`close` in a thread, for a caller done with the charts: closing takes about half a
        second, and chromium may still be starting when no chart was drawn. The thread is no
        daemon, so the interpreter waits for it before it exits."""
        threading.Thread(target=self.close, name="chart-exporter-close").start()

    def __enter__(self) -> ChartExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_early: ChartExporter | None = None


def start_early() -> None:
    """Start a one-batch exporter now, for `take_early` to hand out later. `python -m etl report`
    calls it before its own imports (0.8 s), which then overlap chromium's start-up, and calls
    `close_unclaimed` when the command ends."""
    global _early
    if _early is None and config.browser_path().is_file():
        _early = ChartExporter(one_batch=True)


def close_unclaimed() -> None:
    """Close the exporter start_early started if nobody took it (a usage error, say).

    Not at exit: the interpreter's exit removes chromium's profile folder (a TemporaryDirectory
    finalizer) before later atexit handlers run, and a chromium whose folder vanishes while it
    starts can hang its close.
    """
    exporter = take_early()
    if exporter is not None:
        exporter.close()


def take_early() -> ChartExporter | None:
    """The exporter start_early started, once (the caller closes it), or None."""
    global _early
    exporter, _early = _early, None
    return exporter


def figures_to_images(
    figs: Sequence[go.Figure], width: int = 900, height: int = 420, *, scale: float = 2.0
) -> list[bytes]:
    """Image bytes for each figure, in order, from ONE headless chromium started for the batch."""
    if not figs:
        return []
    with ChartExporter(width, height, scale=scale, one_batch=True) as exporter:
        return exporter.export(figs)


def bulletin_images(b: WithFigures, images: Sequence[Image] | None) -> list[Image]:
    """`images` (bytes, or futures of them) checked against the figures; drawn if None."""
    if images is None:
        return figures_to_images([f.figure for f in b.figures()])
    return checked_images(b, images)


def checked_images(b: WithFigures, images: Sequence[Image]) -> list[Image]:
    """`images` as a list, one per figure of the bulletin (ValueError otherwise)."""
    if len(images) != len(b.figures()):
        raise ValueError(f"{len(images)} images for {len(b.figures())} figures")
    return list(images)

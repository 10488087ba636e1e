"""An overview card's picture as one small SVG: the completion bar above the quarterly line.

Plotly drew the line and st.progress the bar, but 26 Plotly charts were most of the overview's
drawing time in the browser, and every element a card has adds to it; an SVG of a few hundred
bytes is drawn with the page.
"""

from __future__ import annotations

import math

import pandas as pd

from kpi.base import i18n
from kpi.outputs import palette

# viewBox units: drawn as an image at the card's width, so about 4:1 whatever the width.
WIDTH, HEIGHT = 200, 50
BAR = 6  # the completion bar's height; the line is drawn below it
TOP = 14  # where the line's box starts
PAD = 3  # kept free around the line, so that its stroke is not cut
FILL_OPACITY = 0.12


def svg(measure: pd.DataFrame, light: str, progress: float) -> str:
    """The completion bar (`progress` 0..1) and the measure (columns period, value) as a line
    in the light's colour, filled down to zero.

    Quarters are equally spaced, as on a category axis; a quarter without a value is skipped.
    """
    bar = (
        f'<rect width="{WIDTH}" height="{BAR}" rx="{BAR / 2}" fill="{palette.PROGRESS_TRACK}"/>'
        f'<rect width="{WIDTH * min(max(progress, 0.0), 1.0):.1f}" height="{BAR}" rx="{BAR / 2}"'
        f' fill="{palette.PROGRESS}"/>'
    )
    line = _line(measure, light)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">{bar}{line}</svg>'
    )


def _line(measure: pd.DataFrame, light: str) -> str:
    quarters = len(measure)
    points = [
        (index, float(value))
        for index, value in enumerate(measure["value"])
        if value is not None and not math.isnan(float(value))
    ]
    if not points:
        return ""
    low = min([0.0, *(v for _, v in points)])
    span = (max([0.0, *(v for _, v in points)]) - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(quarters - 1, 1)

    def x(index: int) -> float:
        return PAD + index * step if quarters > 1 else WIDTH / 2

    def y(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - TOP - 2 * PAD) * (value - low) / span

    color = palette.light(light).color
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
    area = f"{x(points[0][0]):.1f},{y(0):.1f} {line} {x(points[-1][0]):.1f},{y(0):.1f}"
    # One or two quarters make a short line or none: dots show them.
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"/>'
        for i, v in points
        if len(points) < 3
    )
    return (
        f'<polygon points="{area}" fill="{color}" fill-opacity="{FILL_OPACITY}"/>'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"'
        f' stroke-linejoin="round"/>{dots}'
    )


def alt_text(measure: pd.DataFrame, completion: str, lang: str) -> str:
    """What the image shows, for a screen reader: the completion, and which quarters."""
    periods = list(measure["period"])
    if not periods:
        return completion
    trend = i18n.t("cockpit.sparkline", lang, first=periods[0], last=periods[-1])
    return f"{completion} · {trend}" if completion else trend

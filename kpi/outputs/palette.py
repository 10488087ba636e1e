"""One colour language: the colours and symbols of the lights and of the task states.

Every surface takes its colours from here: the pages' badges, the charts, the PDF and the DOCX,
and the legend on 方法与来源. Colours follow the Okabe-Ito palette (safe for the common kinds of
colour blindness) and each one always comes with a symbol and a word, so that no reader has to
tell two colours apart. A colour keeps one meaning in both palettes: blue is done (达标, 已完成),
green is on course (绿灯, 推进中), orange is a warning (黄灯, 未填报), vermillion is behind
(红灯, 滞后, 未达标) and grey is nothing yet (无数据, 未启动).
"""

from __future__ import annotations

import html
from typing import NamedTuple

import pandas as pd

from kpi.base import i18n

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
BLUISH_GREEN = "#009E73"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
GREY = "#BBBBBB"  # light: a mid grey looks like bluish green to a deuteranope


class Swatch(NamedTuple):
    """How one light or task state looks everywhere it is shown."""

    color: str  # charts: '#RRGGBB'
    symbol: str  # printed beside the word, so the colour is never the only cue
    badge: str  # Streamlit's named colour for :color-badge[...] (no hex there)
    fill: str  # print: table cell background, 'RRGGBB' (a light tint of `color`)
    ink: str  # print: text on `fill`, 'RRGGBB' (dark, contrast at least 7:1)


# Keys as kpi.measure.progress.LIGHTS names them. Red and missed share vermillion on purpose
# (both: below what was due); they never appear in the same quarter and differ in symbol and word.
LIGHTS: dict[str, Swatch] = {
    "achieved": Swatch(BLUE, "✔", "blue", "CCE3F0", "003A5C"),
    "green": Swatch(BLUISH_GREEN, "●", "green", "C9EDE1", "00493A"),
    "yellow": Swatch(ORANGE, "▲", "orange", "FBE6B5", "4A3100"),
    "red": Swatch(VERMILLION, "■", "red", "F7D3BD", "5E2300"),
    "missed": Swatch(VERMILLION, "✘", "red", "F7D3BD", "5E2300"),
    "grey": Swatch(GREY, "○", "gray", "E6E6E6", "404040"),
}

# Keys as kpi.measure.tasks.STATUSES names them, in the order a reader scans them.
TASK_STATES: dict[str, Swatch] = {
    "done": Swatch(BLUE, "✔", "blue", "CCE3F0", "003A5C"),
    "in_progress": Swatch(BLUISH_GREEN, "◐", "green", "C9EDE1", "00493A"),
    "no_update": Swatch(ORANGE, "▲", "orange", "FBE6B5", "4A3100"),
    "delayed": Swatch(VERMILLION, "■", "red", "F7D3BD", "5E2300"),
    "not_started": Swatch(GREY, "○", "gray", "E6E6E6", "404040"),
}

# Chart lines that are not a light: kept apart from the light colours above.
ACTUAL = "#1F2328"  # near-black: the figure itself is the line a reader follows
EXPECTED = "#6E7781"  # dashed
TARGET = "#7B3294"
ALT_TARGETS = ("#8C510A", "#4D4D4D", "#C51B7D", "#B35806")  # dotted
PROJECTION = SKY_BLUE  # dash-dot
DEMO = REDDISH_PURPLE  # the ring around a demo figure
TARGET_BAR = "#D0D7DE"
# The overview cards' completion bar: the theme's primaryColor (.streamlit/config.toml) on a
# light track, as st.progress drew it.
PROGRESS = "#0B4F9C"
PROGRESS_TRACK = "#E6EAF1"


def light(key: str | None) -> Swatch:
    """The swatch of a light; grey for an unknown or missing one."""
    return LIGHTS.get(key or "", LIGHTS["grey"])


def task_state(key: str | None) -> Swatch:
    """The swatch of a task state; a sub-task never updated (None) is 未填报."""
    return TASK_STATES.get(key or "no_update", TASK_STATES["no_update"])


def light_label(key: str | None, lang: str) -> str:
    """'■ 红灯': the light's symbol and word."""
    return f"{light(key).symbol} {i18n.light_name(key if key in LIGHTS else 'grey', lang)}"


def task_label(key: str | None, lang: str) -> str:
    """'✔ 已完成': the task state's symbol and word."""
    return f"{task_state(key).symbol} {i18n.task_status_name(key, lang)}"


def with_light_symbol(text: str, key: str | None) -> str:
    """A light-coloured cell's text with the light's symbol first ('■ 红灯', '● 85%'), so that
    the colour is never the only cue (a black-and-white print, a colour-blind reader)."""
    if not key:
        return text
    symbol = light(key).symbol
    return text if text.startswith(symbol) else f"{symbol} {text}"


def light_badge(key: str | None, lang: str, suffix: str = "") -> str:
    """':red-badge[■ 红灯]' for st.markdown; `suffix` goes inside the badge (a count)."""
    return f":{light(key).badge}-badge[{light_label(key, lang)}{suffix}]"


def light_badge_html(key: str | None, lang: str) -> str:
    """The light's badge as HTML (symbol and word on the light's print colours), for the parts
    of a page drawn as HTML: the overview's cards and behind list."""
    swatch = light(key)
    style = (
        f"background:#{swatch.fill};color:#{swatch.ink};border-radius:0.25rem;"
        "padding:0 0.3rem;font-size:0.875rem;white-space:nowrap"
    )
    return f'<span class="badge" style="{style}">{html.escape(light_label(key, lang))}</span>'


def light_counts_markdown(counts: dict[str, int], lang: str) -> str:
    """Counts by light on one line of badges, ':blue-badge[✔ 达标 **10**] :green-badge[...]',
    short enough for the first screen of a phone (five metric tiles fill it)."""
    return " ".join(light_badge(key, lang, f" **{n}**") for key, n in counts.items())


def print_colours() -> dict[str, tuple[str, str]]:
    """Light key -> (fill, ink) for the PDF and DOCX table cells."""
    return {key: (s.fill, s.ink) for key, s in LIGHTS.items()}


def legend_table(lang: str) -> pd.DataFrame:
    """Both palettes as a table for 方法与来源: group, symbol and word, meaning, colour (hex)."""
    rows = [
        (
            i18n.t("palette.group.lights", lang),
            light_label(key, lang),
            i18n.t(f"light_desc.{key}", lang),
            s.color,
        )
        for key, s in LIGHTS.items()
    ]
    rows += [
        (
            i18n.t("palette.group.tasks", lang),
            task_label(key, lang),
            i18n.t(f"palette.task_desc.{key}", lang),
            s.color,
        )
        for key, s in TASK_STATES.items()
    ]
    headers = [i18n.t(f"palette.col.{c}", lang) for c in ("group", "label", "meaning", "colour")]
    return pd.DataFrame(rows, columns=headers)


def legend_caption(lang: str) -> str:
    """The sentence under the legend: one meaning per colour, a symbol and a word with each."""
    return i18n.t("palette.caption", lang)


def legend_styles(lang: str) -> dict[str, list[str]]:
    """legend_table's colour column painted in each row's colour: a CSS declaration per row."""
    table = legend_table(lang)
    colour = table.columns[-1]
    return {colour: [f"background-color: {hex_}; color: {hex_}" for hex_ in table[colour]]}

"""kpi.outputs.palette: one colour language, readable without telling colours apart."""

import itertools

import pandas as pd
import pytest

from kpi.base import i18n
from kpi.measure import progress, tasks
from kpi.outputs import document, palette

# Viénot, Brettel & Mollon (1999): how a protanope and a deuteranope see linear RGB.
SIMULATIONS = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protan": ((0.11238, 0.88762, 0), (0.11238, 0.88762, 0), (0.00401, -0.00401, 1)),
    "deutan": ((0.29275, 0.70725, 0), (0.29275, 0.70725, 0), (-0.02234, 0.02234, 1)),
}


def _linear(hex_: str) -> list[float]:
    channels = [int(hex_.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear RGB colour."""
    r, g, b = (min(max(c, 0.0), 1.0) for c in rgb)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _seen(hex_: str, vision: str) -> tuple[float, float, float]:
    rgb = _linear(hex_)
    return _lab([sum(m * c for m, c in zip(row, rgb, strict=True)) for row in SIMULATIONS[vision]])


def _luminance(hex_: str) -> float:
    r, g, b = _linear(hex_)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_light_and_task_state_has_a_swatch() -> None:
    assert set(progress.LIGHTS) <= set(palette.LIGHTS)
    assert set(tasks.STATUSES) <= set(palette.TASK_STATES)
    # The bulletin's tables accept every light and print it in the palette's colours.
    lights = list(progress.LIGHTS)
    table = document.Table("t", pd.DataFrame({"x": lights}), lights, "x")
    assert set(table.lights) <= set(palette.print_colours())


def test_a_colour_means_the_same_in_both_palettes() -> None:
    same = {
        "done": "achieved",
        "in_progress": "green",
        "no_update": "yellow",
        "delayed": "red",
        "not_started": "grey",
    }
    for state, light in same.items():
        assert palette.TASK_STATES[state] == palette.LIGHTS[light]._replace(
            symbol=palette.TASK_STATES[state].symbol
        )


@pytest.mark.parametrize("swatches", [palette.LIGHTS, palette.TASK_STATES])
def test_every_swatch_has_its_own_symbol(swatches) -> None:
    symbols = [s.symbol for s in swatches.values()]
    assert len(set(symbols)) == len(symbols)


@pytest.mark.parametrize("vision", list(SIMULATIONS))
def test_light_colours_stay_apart_for_colour_blind_readers(vision: str) -> None:
    colours = sorted({s.color for s in palette.LIGHTS.values()})
    for a, b in itertools.combinations(colours, 2):
        pairs = zip(_seen(a, vision), _seen(b, vision), strict=True)
        distance = sum((x - y) ** 2 for x, y in pairs) ** 0.5
        # Orange and vermillion are the closest pair (about 20 for a deuteranope).
        assert distance > 15, (vision, a, b, round(distance, 1))


@pytest.mark.parametrize("swatch", list(palette.LIGHTS.values()))
def test_printed_text_is_readable_on_its_fill(swatch: palette.Swatch) -> None:
    light, dark = sorted((_luminance(swatch.fill), _luminance(swatch.ink)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 7  # WCAG AAA


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_table_lists_both_palettes_with_symbol_word_and_meaning(lang: str) -> None:
    table = palette.legend_table(lang)
    assert len(table) == len(palette.LIGHTS) + len(palette.TASK_STATES)
    labels = list(table.iloc[:, 1])
    assert labels[0] == f"✔ {i18n.light_name('achieved', lang)}"
    assert f"■ {i18n.task_status_name('delayed', lang)}" in labels
    assert not table.map(lambda cell: str(cell).startswith(("palette.", "light_desc."))).any().any()
    assert list(table.iloc[:, 3]) == [s.color for s in palette.LIGHTS.values()] + [
        s.color for s in palette.TASK_STATES.values()
    ]


def test_legend_styles_paint_each_colour_cell_in_its_own_colour() -> None:
    table = palette.legend_table("zh")
    styles = palette.legend_styles("zh")
    assert list(styles) == [table.columns[-1]]
    assert (
        styles[table.columns[-1]][0] == f"background-color: {palette.BLUE}; color: {palette.BLUE}"
    )
    assert len(styles[table.columns[-1]]) == len(table)


@pytest.mark.parametrize(
    ("text", "light", "expected"),
    [("红灯", "red", "■ 红灯"), ("85.0%", "green", "● 85.0%"), ("■ 红灯", "red", "■ 红灯")],
)
def test_with_light_symbol(text: str, light: str, expected: str) -> None:
    assert palette.with_light_symbol(text, light) == expected


def test_with_light_symbol_leaves_unshaded_cells_alone() -> None:
    assert palette.with_light_symbol("85.0%", None) == "85.0%"


def test_unknown_light_and_missing_task_state_fall_back() -> None:
    assert palette.light("nonsense") == palette.LIGHTS["grey"]
    assert palette.task_label(None, "zh") == "▲ " + i18n.task_status_name(None, "zh")


def test_light_counts_markdown_puts_every_count_on_one_line() -> None:
    text = palette.light_counts_markdown({"achieved": 10, "missed": 16, "grey": 0}, "zh")
    assert text == (
        ":blue-badge[✔ 达标 **10**] :red-badge[✘ 未达标 **16**] :gray-badge[○ 无数据 **0**]"
    )

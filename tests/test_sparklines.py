"""The overview cards' pictures: completion bar and trend line in one small SVG, not Plotly."""

import xml.etree.ElementTree as ET
from urllib.parse import unquote

import page_html
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.outputs import palette, sparklines

SVG = "{http://www.w3.org/2000/svg}"


def measure(values: list[float | None], first: int = 2023) -> pd.DataFrame:
    periods = [f"{first + n // 4}Q{n % 4 + 1}" for n in range(len(values))]
    return pd.DataFrame({"period": periods, "value": values})


def points(svg: str, tag: str = "polyline") -> list[tuple[float, float]]:
    shape = ET.fromstring(svg).find(f"{SVG}{tag}")
    return [tuple(map(float, xy.split(","))) for xy in shape.get("points").split()]


def test_line_has_a_point_per_quarter_equally_spaced_left_to_right() -> None:
    line = points(sparklines.svg(measure([1, 4, 2, 8, 5]), "green", 0.5))
    xs = [x for x, _ in line]
    assert len(line) == 5
    gaps = {round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}
    assert len(gaps) == 1 and gaps.pop() > 0
    assert xs[0] > 0 and xs[-1] < sparklines.WIDTH  # the line's ends are not cut


def test_higher_values_are_drawn_higher_and_stay_inside_the_box() -> None:
    line = points(sparklines.svg(measure([1, 4, 2, 8, 5]), "green", 0.5))
    ys = [y for _, y in line]
    assert ys[3] == min(ys) and ys[0] == max(ys)  # 8 highest, 1 lowest (SVG y runs down)
    assert all(sparklines.TOP < y < sparklines.HEIGHT for y in ys)  # below the bar


def test_area_is_filled_down_to_zero_and_a_fall_below_zero_stays_inside() -> None:
    rising = sparklines.svg(measure([10, 20]), "green", 0.5)
    area = points(rising, "polygon")
    bottom = area[0][1]
    assert area[-1][1] == bottom and bottom > max(y for _, y in points(rising))
    falling = points(sparklines.svg(measure([5, -5, 3]), "red", 0.5))
    assert all(sparklines.TOP < y < sparklines.HEIGHT for _, y in falling)


def test_line_takes_the_light_colour() -> None:
    root = ET.fromstring(sparklines.svg(measure([1, 2, 3]), "red", 0.5))
    assert root.find(f"{SVG}polyline").get("stroke") == palette.light("red").color


@pytest.mark.parametrize("values, dots", [([3], 1), ([3, 4], 2), ([3, 4, 5], 0)])
def test_one_or_two_quarters_are_shown_as_dots(values, dots) -> None:
    root = ET.fromstring(sparklines.svg(measure(values), "green", 0.5))
    assert len(root.findall(f"{SVG}circle")) == dots


def test_quarters_without_a_value_are_skipped_but_keep_their_place() -> None:
    line = points(sparklines.svg(measure([1, None, float("nan"), 4]), "green", 0.5))
    full = points(sparklines.svg(measure([1, 2, 3, 4]), "green", 0.5))
    assert [x for x, _ in line] == [full[0][0], full[3][0]]


def test_a_measure_without_values_draws_an_empty_box() -> None:
    root = ET.fromstring(sparklines.svg(measure([None, None]), "grey", 0.5))
    assert root.find(f"{SVG}polyline") is None


@pytest.mark.parametrize("progress, filled", [(0.5, 100), (0.0, 0), (1.0, 200), (1.7, 200)])
def test_bar_is_filled_to_the_completion_at_most_full(progress, filled) -> None:
    root = ET.fromstring(sparklines.svg(measure([1, 2, 3]), "green", progress))
    track, bar = root.findall(f"{SVG}rect")
    assert float(track.get("width")) == sparklines.WIDTH
    assert float(bar.get("width")) == filled * sparklines.WIDTH / 200


@pytest.mark.parametrize("lang, words", [("zh", "走势"), ("en", "Quarterly trend")])
def test_alt_text_gives_the_completion_and_names_the_quarters(lang, words) -> None:
    text = sparklines.alt_text(measure([1, 2, 3, 4, 5]), "完成 55.5%", lang)
    assert text.startswith("完成 55.5%")
    assert words in text and "2023Q1" in text and "2024Q1" in text


@pytest.mark.page
def test_overview_draws_each_card_picture_as_an_image_and_no_plotly(demo_db, monkeypatch) -> None:
    monkeypatch.setenv("KPI_DB", str(demo_db))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["as_of"] = "2025Q4"
    at.run()
    assert not at.exception
    assert not at.get("plotly_chart")
    images = page_html.card_images(at)
    assert len(images) == len(page_html.card_texts(at)) == 26
    for src, alt in images.values():
        svg = unquote(src.removeprefix("data:image/svg+xml,"))
        assert ET.fromstring(svg).find(f"{SVG}polyline") is not None
        assert "走势" in alt and "完成" in alt

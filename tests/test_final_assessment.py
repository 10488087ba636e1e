"""The final assessment (达标 / 未达标 from the plan's last quarter on), completion against a
baseline shown with what it is made of, and English units in the singular after 1."""

import re

import pytest

from kpi.measure import progress
from kpi.measure.progress import IndicatorInput, assess
from kpi.outputs import formatting, status_tables

FIVE_G = {
    "unit": "座",
    "unit_en": "sites",
    "display_unit": "万座",
    "display_unit_en": "10k sites",
    "display_factor": 10000,
}
FACTORIES = {
    "unit": "个",
    "unit_en": "factories",
    "display_unit": "个",
    "display_unit_en": "factories",
}
REVENUE = {"unit": "亿元", "unit_en": formatting.HUNDRED_MILLION_YUAN_EN, "display_unit": "亿元"}
REVENUE["display_unit_en"] = formatting.HUNDRED_MILLION_YUAN_EN


def unit(zh: str, en: str) -> dict[str, str]:
    """An indicator's units as the reference data gives them (no 万 scaling)."""
    return {"unit": zh, "unit_en": en, "display_unit": zh, "display_unit_en": en}


def five_g(figures: dict[str, float]) -> IndicatorInput:
    """18000 sites by 2025Q4 from 9000 at 2022Q4, milestone 13500 at 2024Q2."""
    return IndicatorInput("level", "2022Q4", "2025Q4", 18000.0, {"2024Q2": 13500.0}, figures)


# ------------------------------------------------------------------ the final light


@pytest.mark.parametrize("as_of", ["2025Q4", "2026Q1", "2027Q3"])
@pytest.mark.parametrize(
    ("latest", "light", "trend"),
    [
        (17379.0, "missed", "missed"),  # 93 % complete: green by the expected path, not final
        (18000.0, "achieved", "achieved"),
        (18500.0, "achieved", "achieved"),
    ],
)
def test_light_is_achieved_or_missed_when_at_or_after_end_period(
    as_of: str, latest: float, light: str, trend: str
) -> None:
    status = assess(five_g({"2022Q4": 9000.0, "2025Q3": latest - 500, "2025Q4": latest}), as_of)
    assert (status.is_final, status.light, status.trend_label) == (True, light, trend)
    assert status.final_margin == pytest.approx(latest - 18000.0)


@pytest.mark.parametrize("as_of", ["2025Q4", "2026Q2"])
def test_light_is_grey_when_final_without_data(as_of: str) -> None:
    status = assess(five_g({}), as_of)
    assert (status.light, status.trend_label, status.final_margin) == ("grey", "no_data", None)


@pytest.mark.parametrize(
    ("as_of", "latest", "light"),
    [
        ("2024Q2", 13000.0, "green"),  # 44.4 % done of the 50 % due: 5.6 points behind
        ("2025Q3", 17379.0, "green"),  # the quarter before the end: still the expected path
        ("2025Q3", 15000.0, "yellow"),
        ("2025Q3", 11000.0, "red"),
    ],
)
def test_light_follows_the_expected_path_when_before_end_period(
    as_of: str, latest: float, light: str
) -> None:
    status = assess(five_g({"2022Q4": 9000.0, as_of: latest}), as_of)
    assert status.is_final is False
    assert status.light == light
    assert status.light in progress.SEQUENTIAL_LIGHTS


def test_traffic_light_says_missed_only_when_final() -> None:
    assert progress.traffic_light(90.0, 100.0, 5.0) == "green"
    assert progress.traffic_light(90.0, 100.0, 5.0, final=True) == "missed"
    assert progress.traffic_light(100.0, 100.0, 0.0, final=True) == "achieved"
    assert progress.traffic_light(None, 100.0, None, final=True) == "grey"


@pytest.mark.parametrize(("final", "lights"), [(True, 3), (False, 5)])
def test_lights_of_a_quarter_are_the_tiles_shown(final: bool, lights: int) -> None:
    shown = progress.lights_of(final)
    assert len(shown) == lights and set(shown) <= set(progress.LIGHTS)
    assert ("missed" in shown) is final and ("green" in shown) is not final


# ------------------------------------------------------------------ completion and its parts


def _numbers(text: str) -> tuple[float, float, float]:
    """The percentage shown and the two numbers in brackets that make it."""
    pct = float(re.match(r"(-?[\d.]+)%", text).group(1))
    done, needed = re.search(r"[（(]\D*?(-?[\d,.]+)\D+?([\d,.]+)", text).groups()
    return pct, float(done.replace(",", "")), float(needed.replace(",", ""))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("meta", "actual", "target", "baseline"),
    [
        (FIVE_G, 17379.0, 18000.0, 9126.0),  # 93.0 %, where 1.74 / 1.8 万 would make 96.7 %
        (FIVE_G, 9126.0 + 1.0, 18000.0, 9126.0),
        ({"unit": "名", "unit_en": "people"}, 579.0, 1000.0, 438.0),  # 25.1 %, not 57.9 %
        (REVENUE, 80.0, 100.0, 55.1),
        (REVENUE, 52.5, 50.0, 0.0),
        (FACTORIES, 19.0, 20.0, 0.0),
        (FACTORIES, 1.0, 3.0, 0.0),  # 33.3 %
        ({"unit": "架", "unit_en": "racks"}, 37820.0, 50000.0, 21000.0),
        ({"unit": "名", "unit_en": "people"}, 400.0, 1000.0, 438.0),  # below the baseline
    ],
)
def test_completion_text_numbers_divide_to_the_percentage_shown(
    lang: str, meta: dict, actual: float, target: float, baseline: float
) -> None:
    completion = progress.completion(actual, baseline, target)
    row = {**meta, "actual": actual, "target": target, "baseline": baseline}
    text = formatting.completion_text(row | {"completion": completion}, lang, with_pair=True)
    pct, done, needed = _numbers(text)
    assert pct == round(completion, 1)
    assert f"{done / needed * 100:.1f}" == f"{pct:.1f}", text


def test_completion_text_names_the_baseline_when_there_is_one() -> None:
    row = {"unit": "名", "unit_en": "people", "actual": 579.0, "target": 1000.0, "baseline": 438.0}
    row["completion"] = progress.completion(579.0, 438.0, 1000.0)
    assert formatting.completion_text(row, "zh") == "25.1%（新增 141 / 应新增 562 名，基期 438 名）"
    assert formatting.completion_text(row, "en") == (
        "25.1% (141 of 562 people added since the baseline of 438 people)"
    )


def test_completion_text_is_the_percentage_alone_when_counted_from_zero_on_a_card() -> None:
    row = {**FACTORIES, "actual": 19.0, "target": 20.0, "baseline": 0.0, "completion": 95.0}
    assert formatting.completion_text(row, "zh") == "95.0%"
    assert formatting.completion_text(row, "zh", with_pair=True) == "95.0%（19 / 20 个）"
    assert formatting.completion_text({**row, "completion": None}, "zh") == "—"


def test_completion_text_takes_the_unit_from_a_unit_row() -> None:
    sector = {"actual": 6.0, "target": 10.0, "baseline": 0.0, "completion": 60.0}
    text = formatting.completion_text(sector, "en", FACTORIES, with_pair=True)
    assert text == "60.0% (6 / 10 factories)"


# ------------------------------------------------------------------ English units


@pytest.mark.parametrize(
    ("value", "meta", "zh", "en"),
    [
        (1.0, FACTORIES, "1 个", "1 factory"),
        (2.0, FACTORIES, "2 个", "2 factories"),
        (1.0, unit("名", "people"), "1 名", "1 person"),
        (1.0, unit("个", "platforms"), "1 个", "1 platform"),
        (1.0, unit("个", "sub-platforms"), "1 个", "1 sub-platform"),
        (1.5, FACTORIES, "1.5 个", "1.5 factories"),  # CLDR: "one" is 1 without decimals
        (80.0, REVENUE, "80.0 亿元", "CNY 8.00 billion"),
        (55.1, REVENUE, "55.1 亿元", "CNY 5.51 billion"),
    ],
)
def test_format_value_speaks_each_language(value: float, meta: dict, zh: str, en: str) -> None:
    assert formatting.format_value(value, meta, "zh") == zh
    assert formatting.format_value(value, meta, "en") == en


def test_signed_amounts_keep_the_sign_before_the_currency() -> None:
    assert formatting.format_value(2.5, REVENUE, "en", signed=True) == "+CNY 0.25 billion"
    assert formatting.format_value(-1.0, FACTORIES, "en", signed=True) == "−1 factory"


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("factories", "factory"), ("people", "person"), ("10k sites", "10k site"), ("firms", "firm")],
)
def test_singular_en(plural: str, singular: str) -> None:
    assert formatting.singular_en(plural) == singular


@pytest.mark.parametrize(
    ("actual", "target", "text"),
    [
        (1.0, 2.0, "1 / 2 factories"),
        (2.0, 1.0, "2 factories / 1 factory"),
        (1.0, 1.0, "1 / 1 factory"),
    ],
)
def test_pair_text_writes_the_unit_once_in_its_number(actual, target, text) -> None:
    assert formatting.pair_text(actual, target, FACTORIES, "en") == text


def test_margin_is_singular_when_short_by_one() -> None:
    from kpi.outputs import explain

    row = {**FACTORIES, "is_final": True, "final_margin": -1.0, "target": 20.0}
    assert explain.margin_text(row, "en") == "short by 1 factory"


# ------------------------------------------------------------------ the behind list


def test_behind_list_holds_missed_targets_worst_first() -> None:
    import pandas as pd

    status = pd.DataFrame(
        {
            "indicator_code": ["a", "b", "c", "d"],
            "light": ["missed", "achieved", "missed", "grey"],
            "gap_points": [7.0, -5.0, 40.0, None],
        }
    )
    assert list(status_tables.behind(status)["indicator_code"]) == ["c", "a"]

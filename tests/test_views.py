"""kpi.outputs (formatting, status and reference tables, explain): cards, the colour explanation
and the source checks."""

import pandas as pd
import pytest

from kpi.measure import assessment, series
from kpi.outputs import explain, formatting, status_tables
from kpi.store import db, queries

PLAN = "zhanjiang-dt-2023"
FIVE_G = {
    "unit": "座",
    "unit_en": "sites",
    "display_unit": "万座",
    "display_unit_en": "10k sites",
    "display_factor": 10000,
}
FIRMS = {
    "unit": "个",
    "unit_en": "firms",
    "display_unit": "个",
    "display_unit_en": "firms",
    "display_factor": 1,
}
YUAN = {
    "unit": "亿元",
    "unit_en": "CNY 100m",
    "display_unit": "亿元",
    "display_unit_en": "CNY 100m",
    "display_factor": 1,
}


@pytest.mark.parametrize(
    "value, row, lang, text",
    [
        (17379, FIVE_G, "zh", "1.74 万座"),
        (18000, FIVE_G, "zh", "1.8 万座"),
        (18600, FIVE_G, "zh", "1.86 万座"),
        (17379, FIVE_G, "en", "17,379 sites"),
        (600, FIVE_G, "zh", "600 座"),  # small amounts in the canonical unit
        (0, FIVE_G, "zh", "0 万座"),
        (1080, FIRMS, "zh", "1080 个"),
        (12345, FIRMS, "zh", "12,345 个"),
        (945.3, FIRMS, "en", "945 firms"),
        (12.5, FIRMS, "zh", "12.5 个"),
        (1080, FIRMS, "en", "1,080 firms"),
        (80, YUAN, "zh", "80.0 亿元"),
        (52.5, YUAN, "zh", "52.5 亿元"),
        (None, YUAN, "zh", "—"),
        (float("nan"), YUAN, "zh", "—"),
    ],
)
def test_format_value_uses_display_units(value, row, lang, text) -> None:
    assert formatting.format_value(value, row, lang) == text


@pytest.mark.parametrize("value, text", [(-455, "−455 个"), (120, "+120 个"), (0, "+0 个")])
def test_format_value_signed(value, text) -> None:
    assert formatting.format_value(value, FIRMS, "zh", signed=True) == text


@pytest.mark.parametrize(
    "actual, target, row, lang, text",
    [
        (1080, 1000, FIRMS, "zh", "1080 / 1000 个"),
        (17379, 18000, FIVE_G, "zh", "1.74 / 1.8 万座"),
        (500, 18000, FIVE_G, "zh", "500 座 / 1.8 万座"),
        (17379, 18000, FIVE_G, "en", "17,379 / 18,000 sites"),
        (None, 1000, FIRMS, "en", "— / 1,000 firms"),
    ],
)
def test_pair_text_writes_the_shared_unit_once(actual, target, row, lang, text) -> None:
    assert formatting.pair_text(actual, target, row, lang) == text


@pytest.mark.parametrize("value, text", [(46, "46.0%"), (91.25, "91.2%"), (None, "—")])
def test_format_pct_one_decimal(value, text) -> None:
    assert formatting.format_pct(value) == text


def _row(**changes) -> dict:
    row = {
        "indicator_code": "base_stations_5g",
        "light": "green",
        "actual": 13500.0,
        "target": 18000.0,
        "baseline": 9126.0,
        "baseline_assumed": False,
        "completion": 46.0,
        "expected_completion": 50.0,
        "gap_points": 4.0,
        "projected": 17100.0,
        "projected_low": 16500.0,
        "projected_high": 17700.0,
        "trend_label": "acceleration_needed",
        "required_per_quarter": 750.0,
        "data_period": "2024Q2",
        "previous_actual": 13000.0,
        "is_final": False,
        "final_margin": None,
        "semantics": "level",
        "is_demo": False,
        "name_zh": "5G 基站",
        "name_en": "5G base stations",
        **FIVE_G,
    }
    return row | changes


def _explain(row: dict, lang: str = "zh", as_of: str = "2024Q2") -> str:
    return explain.explain_status(
        row,
        lang,
        as_of=as_of,
        base_period="2022Q4",
        end_period="2025Q4",
        yellow_from=10,
        red_above=30,
    )


def test_explain_status_green_with_projection_and_run_rate() -> None:
    text = _explain(_row())
    assert text.startswith("截至2024Q2，实际 1.35 万座，完成目标（1.8 万座）的 46.0%")
    assert "按序时进度应完成 50.0%，落后 4.0 个百分点（<10），故为绿灯" in text
    assert "按近8个季度趋势预计2025Q4达到 1.71 万座（区间 1.65 万座–1.77 万座），需加快" in text
    assert "仍需每季度新增 750 座" in text
    assert "基数（2022Q4）：0.91 万座" in text


@pytest.mark.parametrize(
    "light, gap, phrase",
    [
        ("yellow", 12.2, "落后 12.2 个百分点（在 10–30 之间），故为黄灯"),
        ("red", 44.5, "落后 44.5 个百分点（>30），故为红灯"),
        ("green", -3.0, "超前 3.0 个百分点（<10），故为绿灯"),
    ],
)
def test_explain_status_names_the_rule_that_applies(light, gap, phrase) -> None:
    assert phrase in _explain(_row(light=light, gap_points=gap))


def test_explain_status_in_english() -> None:
    text = _explain(_row(light="yellow", gap_points=12.2), "en")
    assert "12.2 points behind (between 10 and 30), hence yellow" in text
    assert "13,500 sites" in text


def test_explain_status_flags_an_assumed_baseline() -> None:
    assert "基数为首个数据（假定）" in _explain(_row(baseline_assumed=True))


def test_explain_status_final_gives_the_verdict_and_the_margin() -> None:
    row = _row(is_final=True, actual=17379.0, final_margin=-621.0, light="missed")
    text = _explain(row, as_of="2025Q4")
    assert "此为最终评估：未达到目标（差 621 座），故为未达标" in text
    assert "趋势" not in text
    assert "序时" not in text


def test_explain_status_final_achieved_gives_the_margin() -> None:
    row = _row(is_final=True, actual=18080.0, final_margin=80.0, light="achieved")
    text = _explain(row, as_of="2025Q4")
    assert "已达到目标，故为达标" in text
    assert "此为最终评估：超出 80 座" in text


def test_explain_status_without_data() -> None:
    assert "尚无该指标的数据" in _explain(_row(light="grey", actual=None))


@pytest.mark.parametrize(
    "margin, text",
    [(-600.0, "差 600 座"), (800.0, "超出 800 座"), (0.0, "恰好达标"), (None, "")],
)
def test_margin_text(margin, text) -> None:
    assert explain.margin_text(_row(is_final=True, final_margin=margin), "zh") == text


def test_margin_text_empty_before_the_end() -> None:
    assert explain.margin_text(_row(final_margin=-5.0), "zh") == ""


def test_light_counts_in_order_with_zeros() -> None:
    status = pd.DataFrame({"light": ["red", "green", "red"]})
    assert series.light_counts(status) == {
        "achieved": 0,
        "green": 1,
        "yellow": 0,
        "red": 2,
        "missed": 0,
        "grey": 0,
    }


@pytest.fixture(scope="module")
def demo(store_copy):
    path = store_copy(True, "views")
    with db.connect(path) as con:
        data = assessment.read_plan_data(con, PLAN, "2024Q2")
        extra = {
            "indicator_tasks": queries.indicator_tasks(con, PLAN),
            "tasks": queries.tasks(con, PLAN),
            "units": queries.responsible_units(con, PLAN),
            "sectors": queries.sectors(con, PLAN),
            "districts": queries.districts(con, PLAN),
            "current": queries.current_figures(con, PLAN, "2024Q2"),
        }
    return data, assessment.status_table(data, "2024Q2"), extra


def test_sector_sum_check_finds_the_smart_equipment_gap(demo) -> None:
    data, _, _ = demo
    codes = ["smart_equipment", "smart_scenarios", "smart_factories"]
    check = series.sector_sum_check(data.targets, codes).set_index("indicator_code")
    row = check.loc["smart_equipment"]
    assert [row["city_target"], row["sector_target_sum"]] == [1600, 1380]
    assert row["target_difference"] == 220  # city minus the sectors: the city asks 220 台 more
    assert not row["targets_match"]
    for code, total in (("smart_scenarios", 80), ("smart_factories", 20)):
        assert check.loc[code, "sector_target_sum"] == total
        assert check.loc[code, "targets_match"]
    assert set(check["n_sectors"]) == {11}


def test_multi_target_indicators_include_5g(demo) -> None:
    data, _, _ = demo
    multi = series.multi_target_indicators(data.targets)
    assert "base_stations_5g" in multi and "smart_equipment" in multi
    assert "cloud_firms" not in multi


def test_cockpit_cards_one_per_indicator_with_demo_source(demo) -> None:
    data, status, _ = demo
    cards = status_tables.cockpit_cards(status, data, "zh")
    assert len(cards) == len(status)
    five_g = cards.set_index("indicator_code").loc["base_stations_5g"]
    assert five_g["source"] == "数据期 2024Q2 · 演示数据"
    assert five_g["actual_vs_target"].endswith(" / 1.8 万座")
    assert five_g["margin"] == ""
    assert cards["progress"].min() >= 0 and cards["progress"].max() <= 1


def test_laggards_red_first_with_units(demo) -> None:
    _, status, extra = demo
    table = status_tables.laggards(
        status, extra["indicator_tasks"], extra["tasks"], extra["units"], "en"
    )
    lights = list(table["Status"])
    assert set(lights) <= {"Red", "Yellow"}
    assert lights == sorted(lights, key=lambda x: x != "Red")
    assert len(table) == int(status["light"].isin(["red", "yellow"]).sum())
    assert table["Responsible units"].str.contains("Bureau of Industry").any()


def test_measure_frame_accumulates_new_since_base(demo) -> None:
    data, _, _ = demo
    measure = series.measure_frame(data, "smart_equipment")
    assert measure["value"].is_monotonic_increasing
    assert measure["is_demo"].all()


def test_breakdown_by_sector_has_targets(demo) -> None:
    data, _, extra = demo
    parts = series.breakdown(data, "smart_equipment", "sector_code", extra["sectors"], "zh")
    assert len(parts) == 11
    assert parts["target"].sum() == 1380
    assert parts["label"].iloc[0] == "绿色钢铁"


def test_linked_tasks_show_units_and_status(demo) -> None:
    _, _, extra = demo
    table = status_tables.linked_tasks(
        extra["indicator_tasks"], extra["tasks"], "smart_equipment", extra["units"], "zh"
    )
    assert "12(4) 推进1600台智能装备应用" in set(table["任务"])
    assert set(table["进展"]) == {"未填报"}


def test_most_behind_picks_the_worst_red() -> None:
    status = pd.DataFrame(
        {
            "indicator_code": ["a", "b", "c", "d"],
            "light": ["yellow", "red", "red", "achieved"],
            "gap_points": [25.0, 31.0, 60.0, -5.0],
            "sort_order": [1, 2, 3, 4],
        }
    )
    assert series.most_behind(status) == "c"
    assert series.most_behind(status.iloc[[0, 3]]) == "a"


def test_measure_frames_match_measure_frame(demo) -> None:
    data, _, _ = demo
    frames = series.measure_frames(data)
    assert set(frames) == set(data.indicators["indicator_code"])
    pd.testing.assert_frame_equal(
        frames["base_stations_5g"], series.measure_frame(data, "base_stations_5g")
    )


def test_breakdown_by_district_needs_the_full_figures(demo) -> None:
    data, _, extra = demo
    args = (data, "cloud_firms", "district_code", extra["districts"], "en")
    parts = series.breakdown(*args, extra["current"])
    assert len(parts) == 10
    assert parts["target"].isna().all()
    assert parts["period"].eq("2024Q2").all()

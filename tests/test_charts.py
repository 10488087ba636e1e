"""kpi.outputs.charts: the figures carry the traces the pages and the bulletin rely on."""

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kpi.measure import assessment
from kpi.outputs import chart_data, charts
from kpi.store import db

PLAN = "zhanjiang-dt-2023"


@pytest.fixture(scope="module")
def plan_2024q2(store_copy):
    path = store_copy(True, "charts")
    with db.connect(path) as con:
        data = assessment.read_plan_data(con, PLAN, "2024Q2")
    status = assessment.status_table(data, "2024Q2").set_index("indicator_code", drop=False)
    return data, status


def _names(fig: go.Figure) -> list[str]:
    return [trace.name or "" for trace in fig.data]


def _chart(plan, code: str, lang: str = "zh") -> go.Figure:
    data, status = plan
    row = status.loc[code].to_dict()
    return charts.indicator_chart(**chart_data.chart_inputs(data, row, lang))


def test_indicator_chart_has_actual_expected_targets_and_projection(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g")
    names = _names(fig)
    assert "实际值" in names
    assert "序时进度（应达到）" in names
    assert "阶段目标" in names
    assert any("1.8 万座" in n and "湛府〔2023〕14号" in n for n in names)
    assert any("1.86 万座" in n and "湛府办〔2022〕32号" in n for n in names)
    assert "趋势预测" in names
    band = [t for t in fig.data if t.fill == "tonexty"]
    assert len(band) == 1 and band[0].name == "预测区间（约80%）"


def test_indicator_chart_marks_demo_points(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g", "en")
    demo = next(t for t in fig.data if t.name == "Demo data")
    assert demo.marker.symbol == "circle-open"
    assert len(demo.x) > 0


def test_indicator_chart_values_are_in_display_units(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g")
    actual = next(t for t in fig.data if t.name == "实际值")
    assert max(actual.y) < 2  # 万座, not 座
    assert any(a.text == "单位：万座" for a in fig.layout.annotations)


def test_indicator_chart_draws_every_non_default_target(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "smart_equipment")
    targets = [n for n in _names(fig) if n.startswith("2025年目标")]
    assert len(targets) == 3
    assert any("1380 台" in n and "专栏1" in n for n in targets)


def test_indicator_chart_uses_cjk_font() -> None:
    empty = pd.DataFrame(columns=["period", "value", "is_demo"])
    fig = charts.indicator_chart(
        pd.DataFrame({"period": ["2023Q1"], "value": [1.0], "is_demo": [False]}),
        empty[["period", "value"]],
        pd.DataFrame(columns=["period", "value", "label", "short"]),
        pd.DataFrame(
            {
                "period": ["2025Q4"],
                "value": [2.0],
                "label": ["目标"],
                "short": ["目标"],
                "is_default": [True],
            }
        ),
        None,
    )
    assert "Noto Sans CJK SC" in fig.layout.font.family
    assert len(fig.data) == 2
    assert list(fig.layout.xaxis.categoryarray)[0] == "2023Q1"
    assert list(fig.layout.xaxis.categoryarray)[-1] == "2025Q4"


def test_every_chart_is_drawn_on_the_white_template() -> None:
    import plotly.io as pio

    fig = charts.base_layout(go.Figure(go.Scatter(x=["2024Q1"], y=[1.0])), title="图")
    assert fig.layout.template == pio.templates["plotly_white"]
    assert fig.to_dict()["layout"]["template"] == pio.templates["plotly_white"].to_plotly_json()


def test_breakdown_bar_scales_values_and_shows_targets() -> None:
    frame = pd.DataFrame(
        {"label": ["钢铁", "石化"], "value": [20000.0, 5000.0], "target": [30000.0, None]}
    )
    fig = charts.breakdown_bar(frame, factor=10000, unit="万座", target_label="目标")
    assert list(fig.data[0].x) == [0.5, 2.0]  # drawn bottom-up
    assert fig.data[1].name == "目标" and list(fig.data[1].x) == [3.0]


def test_figures_export_without_streamlit(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "service_revenue")
    assert fig.to_dict()["data"]
    assert Path(charts.__file__).read_text(encoding="utf-8").count("import streamlit") == 0


# ------------------------------------------------------------------ finishing (issue 11, item 9)


def _target_annotations(fig: go.Figure) -> list:
    return [a for a in fig.layout.annotations if "目标" in (a.text or "") and not a.showarrow]


def test_target_labels_say_the_value_once_without_the_document(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "smart_equipment")
    texts = sorted(a.text for a in _target_annotations(fig))
    # Two documents set 1600 台: one label; the documents are in the legend.
    assert texts == ["2025年目标 1380 台", "2025年目标 1600 台"]


def test_close_target_labels_go_to_opposite_sides_of_their_lines(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g")
    by_text = {a.text: a for a in _target_annotations(fig)}
    high, low = by_text["2025年目标 1.86 万座"], by_text["2025年目标 1.8 万座"]
    assert (high.yanchor, low.yanchor) == ("bottom", "top")


@pytest.mark.parametrize(
    ("values", "top", "expected"),
    [
        ([1.8, 1.86], 1.9, {1.86: ("left", True), 1.8: ("left", False)}),
        ([1600, 1380, 1600], 1700, {1600: ("left", True), 1380: ("left", False)}),
        # 990 under its line would overlap 1000's label under its own: it moves to the right.
        (
            [1100, 1000, 990],
            1200,
            {1100: ("left", True), 1000: ("left", False), 990: ("right", False)},
        ),
        ([5.0], 0.0, {5.0: ("left", True)}),
    ],
)
def test_target_label_places(values, top, expected) -> None:
    assert charts.target_label_places(values, top) == expected


def test_milestone_labels_show_the_value_away_from_the_marker(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g")
    labels = [a for a in fig.layout.annotations if a.showarrow is not False and a.ax]
    assert [a.text for a in labels] == ["0.9 万座", "1.2 万座", "1.5 万座"]
    assert all(a.ay < 0 and a.bgcolor for a in labels)  # above, on white
    assert labels[0].ax > 0 and labels[1].ax < 0  # the first quarter's label leans right
    milestones = next(t for t in fig.data if t.name == "阶段目标")
    assert milestones.mode == "markers"
    assert "湛府办〔2022〕32号" in milestones.customdata[0]  # the document, in the hover


def test_indicator_chart_leaves_room_between_the_y_axis_and_the_first_quarter(
    plan_2024q2,
) -> None:
    fig = _chart(plan_2024q2, "smart_equipment")
    n = len(fig.layout.xaxis.categoryarray)
    assert list(fig.layout.xaxis.range) == [-0.7, n - 0.5]
    assert fig.layout.yaxis.ticklabelstandoff > 0


def _grid(light: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name_zh": ["甲"],
            "name_en": ["A"],
            "indicator_code": ["x"],
            "actual": [3.0],
            "target": [10.0],
            "completion": [30.0],
            "light": [light],
        }
    )


def test_sector_bar_values_are_horizontal_and_carry_the_light_symbol() -> None:
    fig = charts.sector_bars(_grid("red"), "zh", unit="个")
    assert [t.textangle for t in fig.data] == [0, 0]
    assert fig.data[1].text == ("■ 3",)


def test_indicator_chart_labels_year_ends_only_so_a_phone_can_read_them(plan_2024q2) -> None:
    fig = _chart(plan_2024q2, "base_stations_5g")
    assert list(fig.layout.xaxis.tickvals) == ["2022Q4", "2023Q4", "2024Q4", "2025Q4"]
    assert fig.layout.xaxis.tickangle == 0

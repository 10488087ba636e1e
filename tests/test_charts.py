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
def plan_2024q2(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("charts") / "t.duckdb"
    db.ensure_database(path, with_demo=True)
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
        pd.DataFrame(columns=["period", "value", "label"]),
        pd.DataFrame(
            {"period": ["2025Q4"], "value": [2.0], "label": ["目标"], "is_default": [True]}
        ),
        None,
    )
    assert "Noto Sans CJK SC" in fig.layout.font.family
    assert len(fig.data) == 2
    assert list(fig.layout.xaxis.categoryarray)[0] == "2023Q1"
    assert list(fig.layout.xaxis.categoryarray)[-1] == "2025Q4"


def test_sparkline_has_one_trace_without_axes() -> None:
    fig = charts.sparkline(pd.DataFrame({"period": ["2024Q1", "2024Q2"], "value": [1, 3]}), "red")
    assert len(fig.data) == 1
    assert fig.data[0].line.color == charts.LIGHT_COLORS["red"]
    assert fig.layout.xaxis.visible is False


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

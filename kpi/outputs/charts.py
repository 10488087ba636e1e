"""Frame -> plotly figure. Never calls st.*; the bulletin exports the same figures with kaleido.

Values come in canonical units with the indicator's `factor` (display_factor) and display `unit`;
charts divide by the factor so axes read in display units (万座). Labels come from kpi.base.i18n in
the language passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kpi.base import i18n, periods
from kpi.outputs import palette

FONT_FAMILY = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
# Colours come from kpi.outputs.palette, the one colour language of pages, charts and bulletin.
LIGHT_COLORS = {key: swatch.color for key, swatch in palette.LIGHTS.items()}
TASK_STATUS_COLORS = {key: swatch.color for key, swatch in palette.TASK_STATES.items()}
ACTUAL_COLOR = palette.ACTUAL
EXPECTED_COLOR = palette.EXPECTED
TARGET_COLOR = palette.TARGET
ALT_TARGET_COLORS = palette.ALT_TARGETS
PROJECTION_COLOR = palette.PROJECTION
TARGET_BAR_COLOR = palette.TARGET_BAR
# Roughly how tall a target label is, as a share of the plot's height (11 px text in ~330 px).
LABEL_HEIGHT = 0.05
# Every figure here is drawn on plotly's white template. As plotly's default it is set when the
# figure is created, without re-validating it (~10 ms a figure when passed to update_layout).
TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE


def base_layout(fig: go.Figure, *, title: str = "", height: int = 420) -> go.Figure:
    """Shared look: CJK font, white background (TEMPLATE), legend below the plot."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        font={"family": FONT_FAMILY, "size": 13, "color": "#1f2328"},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig


def _scaled(values: Sequence[float] | pd.Series, factor: float) -> list[float]:
    return [float(v) / factor for v in values]


def _axis_periods(*period_lists: Sequence[str]) -> list[str]:
    found = sorted({p for ps in period_lists for p in ps})
    return periods.period_range(found[0], found[-1]) if found else []


def indicator_chart(
    measure: pd.DataFrame,
    expected: pd.DataFrame,
    milestones: pd.DataFrame,
    targets: pd.DataFrame,
    projection: Mapping | None,
    *,
    factor: float = 1.0,
    unit: str = "",
    lang: str = "zh",
    title: str = "",
) -> go.Figure:
    """Actuals, expected path with milestones, every target row and the projection band.

    Args:
        measure: period, value, is_demo — the quarterly actual (progress.measure_series).
        expected: period, value — the expected path's corners (progress.expected_path).
        milestones: period, value, label (with the document), short (the value alone).
        targets: period, value, label (with the document), short, is_default.
        projection: from_period, from_value, period, value, low, high — or None.
        factor, unit: display factor and display unit (values are divided by factor).
    """
    fig = go.Figure()
    axis = _axis_periods(
        measure["period"], expected["period"], targets["period"], milestones["period"]
    )
    first, last = (axis[0], axis[-1]) if axis else (None, None)
    hover = "%{x}: %{y:.4~g} " + unit + "<extra>%{fullData.name}</extra>"

    if not expected.empty:
        fig.add_trace(
            go.Scatter(
                x=list(expected["period"]),
                y=_scaled(expected["value"], factor),
                mode="lines",
                name=i18n.t("chart.expected", lang),
                line={"color": EXPECTED_COLOR, "width": 2, "dash": "dash"},
                hovertemplate=hover,
            )
        )
    if not milestones.empty:
        fig.add_trace(
            go.Scatter(
                x=list(milestones["period"]),
                y=_scaled(milestones["value"], factor),
                mode="markers",
                name=i18n.t("chart.milestone", lang),
                marker={"symbol": "diamond", "size": 12, "color": EXPECTED_COLOR},
                customdata=list(milestones["label"]),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
        for period, value, text in zip(
            milestones["period"],
            _scaled(milestones["value"], factor),
            milestones["short"],
            strict=True,
        ):
            # Up and to the left of its marker, on white: both lines rise to the right, so that
            # corner is free (at the axis start: up and to the right). The document is in the hover.
            at_start = period == first
            fig.add_annotation(
                x=period,
                y=value,
                text=str(text),
                ax=28 if at_start else -28,
                ay=-30,
                xanchor="left" if at_start else "right",
                arrowcolor=EXPECTED_COLOR,
                arrowwidth=1,
                arrowhead=0,
                bgcolor="rgba(255,255,255,0.85)",
                font={"color": EXPECTED_COLOR, "size": 11},
            )
    alt = 0
    target_labels: dict[float, tuple[str, str]] = {}
    for row in targets.sort_values("is_default", ascending=False).to_dict("records"):
        is_default = bool(row["is_default"])
        color = TARGET_COLOR if is_default else ALT_TARGET_COLORS[alt % len(ALT_TARGET_COLORS)]
        alt += 0 if is_default else 1
        value = float(row["value"]) / factor
        fig.add_trace(
            go.Scatter(
                x=[first, last],
                y=[value, value],
                mode="lines",
                name=str(row["label"]),
                line={
                    "color": color,
                    "width": 2 if is_default else 1.5,
                    "dash": "solid" if is_default else "dot",
                },
                hovertemplate=hover,
            )
        )
        # One label per value (two documents may set the same target); documents are in the legend.
        target_labels.setdefault(value, (str(row["short"]), color))
    top = max(
        [*target_labels, *_scaled(measure["value"], factor), *_scaled(expected["value"], factor)]
        + _scaled(milestones["value"], factor)
        + ([float(projection["high"]) / factor] if projection is not None else []),
        default=0.0,
    )
    for value, (side, above) in target_label_places(list(target_labels), top).items():
        text, color = target_labels[value]
        fig.add_annotation(
            x=first if side == "left" else last,
            y=value,
            text=text,
            showarrow=False,
            xanchor=side,
            yanchor="bottom" if above else "top",
            bgcolor="rgba(255,255,255,0.85)",
            font={"color": color, "size": 11},
        )
    if projection is not None:
        xs = [projection["from_period"], projection["period"]]
        y0 = float(projection["from_value"]) / factor
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[y0, float(projection["high"]) / factor],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                name=i18n.t("chart.band", lang) + " ↑",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[y0, float(projection["low"]) / factor],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(86,180,233,0.18)",  # palette.PROJECTION, faint
                name=i18n.t("chart.band", lang),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[y0, float(projection["value"]) / factor],
                mode="lines+markers",
                name=i18n.t("chart.projection", lang),
                line={"color": PROJECTION_COLOR, "width": 2, "dash": "dashdot"},
                marker={"size": [0, 9], "color": PROJECTION_COLOR},
                hovertemplate=hover,
            )
        )
    if not measure.empty:
        demo = measure["is_demo"].fillna(False).astype(bool)
        fig.add_trace(
            go.Scatter(
                x=list(measure["period"]),
                y=_scaled(measure["value"], factor),
                mode="lines+markers",
                name=i18n.t("chart.actual", lang),
                line={"color": ACTUAL_COLOR, "width": 3},
                marker={
                    "size": 8,
                    "color": ["white" if d else ACTUAL_COLOR for d in demo],
                    "line": {"color": ACTUAL_COLOR, "width": 2},
                },
                hovertemplate=hover,
            )
        )
        if demo.any():
            fig.add_trace(
                go.Scatter(
                    x=list(measure.loc[demo, "period"]),
                    y=_scaled(measure.loc[demo, "value"], factor),
                    mode="markers",
                    name=i18n.t("chart.demo", lang),
                    marker={
                        "symbol": "circle-open",
                        "size": 13,
                        "color": palette.DEMO,
                        "line": {"width": 2},
                    },
                    hovertemplate=hover,
                )
            )
    base_layout(fig, title=title, height=460)
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=axis,
        # Room before the first quarter and beside the y axis' labels, so that '2022Q4' and the
        # 0 do not touch (also in print, where the text is larger).
        range=[-0.7, len(axis) - 0.5] if axis else None,
        # Year ends (and the first and last quarter) only: thirteen quarters' labels do not fit
        # a phone's width; every point still names its quarter on hover.
        tickvals=[p for i, p in enumerate(axis) if p.endswith("Q4") or i in (0, len(axis) - 1)],
        tickangle=0,
        title_text=i18n.t("chart.period", lang),
    )
    # Room above the highest line for its label.
    fig.update_yaxes(
        rangemode="tozero", range=[0, top * 1.12] if top > 0 else None, ticklabelstandoff=6
    )
    _unit_above_axis(fig, unit, lang, title)
    return fig


def target_label_places(values: Sequence[float], top: float) -> dict[float, tuple[str, bool]]:
    """Where each target line's label goes: value -> (side 'left' or 'right', above the line?).

    The highest target is labelled above its line, the others below theirs, all at the axis
    start where the actual and expected lines are still low. A label that would overlap the one
    above it moves to the axis end; LABEL_HEIGHT * top is a label's height in data units.
    """
    height = LABEL_HEIGHT * top if top > 0 else 0.0
    lowest = {"left": float("inf"), "right": float("inf")}  # lowest edge taken on each side
    places: dict[float, tuple[str, bool]] = {}
    for i, value in enumerate(sorted(set(values), reverse=True)):
        if i == 0:
            places[value] = ("left", True)
            lowest["left"] = value
            continue
        side = "left" if value <= lowest["left"] else "right"
        if side == "right" and value > lowest["right"]:
            side = "left"  # crowded on both sides: keep to the left, under its own line
        places[value] = (side, False)
        lowest[side] = value - height
    return places


def _unit_above_axis(fig: go.Figure, unit: str, lang: str, title: str) -> None:
    # A rotated axis title turns 个 into an arrow-like glyph: the unit goes above the axis.
    fig.add_annotation(
        text=i18n.t("chart.unit", lang, unit=unit),
        xref="paper",
        yref="paper",
        x=0,
        y=1.02,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12, "color": EXPECTED_COLOR},
    )
    fig.update_layout(margin={"l": 50, "r": 20, "t": 70 if title else 40})


def breakdown_bar(
    frame: pd.DataFrame,
    *,
    factor: float = 1.0,
    unit: str = "",
    title: str = "",
    target_label: str = "",
) -> go.Figure:
    """Horizontal bars of `value` by `label` (sector or district); `target` as a marker if there."""
    frame = frame.iloc[::-1]  # plotly draws the first row at the bottom
    fig = go.Figure(
        go.Bar(
            x=_scaled(frame["value"], factor),
            y=list(frame["label"]),
            orientation="h",
            marker={"color": ACTUAL_COLOR},
            name=unit,
            text=[f"{v:.4g}" for v in _scaled(frame["value"], factor)],
            textposition="auto",
            textangle=0,
            hovertemplate="%{y}: %{x:.4~g} " + unit + "<extra></extra>",
        )
    )
    if "target" in frame and frame["target"].notna().any():
        has = frame["target"].notna()
        fig.add_trace(
            go.Scatter(
                x=_scaled(frame.loc[has, "target"], factor),
                y=list(frame.loc[has, "label"]),
                mode="markers",
                name=target_label,
                marker={
                    "symbol": "line-ns-open",
                    "size": 18,
                    "color": TARGET_COLOR,
                    "line": {"width": 3},
                },
            )
        )
    base_layout(fig, title=title, height=max(220, 34 * len(frame) + 80))
    fig.update_xaxes(title_text=unit)
    return fig


# ------------------------------------------------------------------ sectors and tasks


def _pct_text(completion: float | None) -> str:
    return "—" if completion is None or pd.isna(completion) else f"{completion:.0f}%"


def _count_text(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):g}"


def _wrap(text: str, width: int) -> str:
    """Break a long label at spaces into lines of about `width` characters (plotly <br>)."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def sector_bars(
    grid: pd.DataFrame, lang: str = "zh", *, unit: str = "", title: str = ""
) -> go.Figure:
    """Grouped horizontal bars per sector (document order, top down): the sector target and the
    actual in its light's colour. Horizontal, so that names and values stay readable on a phone.
    """
    sectors = [_wrap(name, 24) for name in grid[i18n.column("name", lang)]]
    lights = [lt if lt in LIGHT_COLORS else "grey" for lt in grid["light"]]
    hover = "%{y}: %{x:.4~g} " + unit
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=sectors,
            x=[float(v) for v in grid["target"]],
            orientation="h",
            name=i18n.t("sectors.target", lang),
            marker={"color": TARGET_BAR_COLOR},
            text=[_count_text(v) for v in grid["target"]],
            textposition="outside",
            textangle=0,
            cliponaxis=False,
            hovertemplate=hover + "<extra>%{fullData.name}</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=sectors,
            x=[None if pd.isna(v) else float(v) for v in grid["actual"]],
            orientation="h",
            name=i18n.t("sectors.actual_by_light", lang),
            marker={"color": [LIGHT_COLORS[lt] for lt in lights]},
            # The light's symbol beside each bar: its colour is never the only cue.
            text=[
                f"{palette.light(lt).symbol} {_count_text(a)}"
                for lt, a in zip(lights, grid["actual"], strict=True)
            ],
            textposition="outside",
            textangle=0,
            cliponaxis=False,
            customdata=[
                f"{palette.light_label(lt, lang)} · {_pct_text(c)}"
                for lt, c in zip(lights, grid["completion"], strict=True)
            ],
            hovertemplate=hover + " · %{customdata}<extra>%{fullData.name}</extra>",
        )
    )
    base_layout(fig, title=title, height=max(260, 44 * len(sectors) + 110))
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        margin={"t": 40, "r": 40},  # room for the value beside the longest bar
    )
    fig.update_yaxes(autorange="reversed", type="category")
    # Horizontal, the unit can be the axis title: its glyphs are not rotated.
    fig.update_xaxes(rangemode="tozero", title_text=i18n.t("chart.unit", lang, unit=unit))
    return fig


def unit_status_bars(card: pd.DataFrame, lang: str = "zh", *, title: str = "") -> go.Figure:
    """Horizontal stacked bars of each unit's sub-tasks by status, in the scorecard's order."""
    names = list(card[i18n.column("unit", lang)])
    # Every unit's full name, wrapped (a cut name may not say which unit it is).
    labels = [_wrap(n, 36) for n in names]
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    fig = go.Figure()
    for status, color in TASK_STATUS_COLORS.items():
        if status not in card or not card[status].any():
            continue
        name = palette.task_label(status, lang)
        fig.add_trace(
            go.Bar(
                x=[int(v) for v in card[status]],
                y=labels,
                orientation="h",
                name=name,
                marker={"color": color},
                customdata=names,
                hovertemplate="%{customdata}<br>" + name + ": %{x}<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=max(260, (12 + 12 * lines) * len(card) + 120))
    fig.update_layout(
        barmode="stack",
        showlegend=True,
        legend={"yanchor": "bottom", "y": 1.0, "traceorder": "normal"},
        margin={"t": 40},
    )
    fig.update_yaxes(autorange="reversed", type="category")
    most = int(card["n_subtasks"].max()) if len(card) else 0
    fig.update_xaxes(
        title_text=i18n.t("chart.subtasks", lang),
        tickformat="d",
        dtick=1 if most <= 10 else None,
        rangemode="tozero",
    )
    return fig

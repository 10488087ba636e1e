"""Unit tests for kpi.measure.progress: every formula with hand-computed cases, and edge cases."""

import math
from collections.abc import Mapping

import numpy as np
import pytest

from kpi.base.periods import add_quarters
from kpi.measure.progress import (
    DEFAULT_THRESHOLDS,
    IndicatorInput,
    Projection,
    Status,
    Thresholds,
    assess,
    baseline_of,
    completion,
    expected_path,
    expected_value_at,
    measure_series,
    project,
    required_per_quarter,
    traffic_light,
    trend_label,
)

NAN = float("nan")
# 5G base stations: 9000 at the end of 2022, 12000 / 15000 / 18000 at the end of 2023 / 24 / 25.
FIVE_G_MILESTONES = {"2023Q4": 12000.0, "2024Q4": 15000.0}


def five_g(figures: Mapping[str, float]) -> IndicatorInput:
    """Return the 5G indicator (level, base 2022Q4, target 18000 at 2025Q4) with `figures`."""
    return IndicatorInput(
        semantics="level",
        base_period="2022Q4",
        end_period="2025Q4",
        target=18000.0,
        milestones=FIVE_G_MILESTONES,
        figures=figures,
    )


def straight(semantics: str, target: float, figures: Mapping[str, float]) -> IndicatorInput:
    """Return an indicator with base 2022Q4, end 2025Q4 (12 quarters) and no milestones."""
    return IndicatorInput(semantics, "2022Q4", "2025Q4", target, {}, figures)


def series(start: str, values: list[float]) -> dict[str, float]:
    """Return consecutive quarters from `start` mapped to `values`."""
    return {add_quarters(start, k): value for k, value in enumerate(values)}


def expected_5g(period: str, milestones: Mapping[str, float] = FIVE_G_MILESTONES) -> float:
    """Return expected_value_at for the 5G plan with baseline 9000."""
    return expected_value_at(
        period,
        base_period="2022Q4",
        baseline=9000.0,
        milestones=milestones,
        end_period="2025Q4",
        target=18000.0,
    )


# ------------------------------------------------------------------------------ measure_series


def test_measure_series_is_each_figure_in_period_order_when_level() -> None:
    measure = measure_series("level", {"2023Q2": 12.0, "2022Q4": 9.0, "2023Q1": 10.0}, "2022Q4")
    assert list(measure.items()) == [("2022Q4", 9.0), ("2023Q1", 10.0), ("2023Q2", 12.0)]


def test_measure_series_is_running_sum_after_base_when_new_since_base() -> None:
    # 2022Q4 is the base itself: not new. Then 5, 5+3 = 8, 8+0 = 8 (2023Q3 missing), 8+4 = 12.
    figures = {"2022Q3": 50.0, "2022Q4": 99.0, "2023Q1": 5.0, "2023Q2": 3.0, "2023Q4": 4.0}
    assert measure_series("new_since_base", figures, "2022Q4") == {
        "2023Q1": 5.0,
        "2023Q2": 8.0,
        "2023Q3": 8.0,
        "2023Q4": 12.0,
    }


def test_measure_series_starts_at_first_report_when_new_since_base_reports_late() -> None:
    # Nothing reported for 2023Q1-Q2: the series starts at the first reported quarter.
    assert measure_series("new_since_base", {"2023Q3": 2.0, "2024Q1": 1.0}, "2022Q4") == {
        "2023Q3": 2.0,
        "2023Q4": 2.0,
        "2024Q1": 3.0,
    }


def test_measure_series_is_empty_when_new_since_base_has_figures_only_up_to_base() -> None:
    assert measure_series("new_since_base", {"2022Q3": 4.0, "2022Q4": 6.0}, "2022Q4") == {}


def test_measure_series_is_four_quarter_sum_when_yearly_flow() -> None:
    # 2023Q4: 10+20+30+40 = 100; 2024Q1: 20+30+40+50 = 140; earlier quarters lack four.
    figures = series("2023Q1", [10.0, 20.0, 30.0, 40.0, 50.0])
    assert measure_series("yearly_flow", figures, "2022Q4") == {"2023Q4": 100.0, "2024Q1": 140.0}


def test_measure_series_skips_windows_with_a_gap_when_yearly_flow_misses_a_quarter() -> None:
    # 2024Q1 is missing: the windows ending 2024Q1..2024Q4 are incomplete; 2024Q2 has no sum.
    figures = {"2023Q1": 10.0, "2023Q2": 20.0, "2023Q3": 30.0, "2023Q4": 40.0, "2024Q2": 60.0}
    assert measure_series("yearly_flow", figures, "2022Q4") == {"2023Q4": 100.0}


@pytest.mark.parametrize("semantics", ["level", "new_since_base", "yearly_flow"])
def test_measure_series_is_empty_when_no_figures(semantics: str) -> None:
    assert measure_series(semantics, {}, "2022Q4") == {}


def test_measure_series_treats_nan_and_none_as_missing_when_level() -> None:
    figures = {"2023Q1": 1.0, "2023Q2": NAN, "2023Q3": None}
    assert measure_series("level", figures, "2022Q4") == {"2023Q1": 1.0}  # type: ignore[arg-type]


def test_measure_series_raises_when_semantics_unknown() -> None:
    with pytest.raises(ValueError, match="semantics"):
        measure_series("cumulative", {"2023Q1": 1.0}, "2022Q4")


def test_measure_series_raises_when_period_not_canonical() -> None:
    with pytest.raises(ValueError):
        measure_series("level", {"2023q1": 1.0}, "2022Q4")


# ------------------------------------------------------------------------------ baseline_of


@pytest.mark.parametrize(
    ("semantics", "figures", "expected"),
    [
        # level: the stored base figure.
        ("level", {"2022Q4": 9000.0, "2023Q1": 9500.0}, (9000.0, False)),
        # level, base missing: the first figure, flagged as assumed.
        ("level", {"2023Q2": 9800.0, "2023Q1": 9500.0}, (9500.0, True)),
        # level, base missing: "first" is the earliest, even before the base.
        ("level", {"2022Q2": 8000.0, "2023Q1": 9500.0}, (8000.0, True)),
        ("level", {}, (None, False)),
        # new_since_base: always 0, data or not.
        ("new_since_base", {"2023Q1": 5.0}, (0.0, False)),
        ("new_since_base", {}, (0.0, False)),
        # yearly_flow: 2022Q1..Q4 = 1+2+3+4 = 10.
        ("yearly_flow", series("2022Q1", [1, 2, 3, 4, 5]), (10, False)),
        # yearly_flow, 2022Q1 missing: first complete sum ends 2023Q1 = 2+3+4+5 = 14.
        ("yearly_flow", series("2022Q2", [2, 3, 4, 5]), (14, True)),
        # yearly_flow with only three quarters: no sum at all.
        ("yearly_flow", series("2022Q2", [2, 3, 4]), (None, False)),
    ],
)
def test_baseline_of_follows_semantics_when_given_figures(
    semantics: str, figures: Mapping[str, float], expected: tuple[float | None, bool]
) -> None:
    assert baseline_of(semantics, figures, "2022Q4") == expected


# ------------------------------------------------------------------------------ expected path


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2022Q2", 9000.0),  # before base: the baseline
        ("2022Q4", 9000.0),  # base
        ("2023Q2", 10500.0),  # 9000 + (12000 - 9000) * 2/4
        ("2023Q4", 12000.0),  # first milestone
        ("2024Q2", 13500.0),  # 12000 + (15000 - 12000) * 2/4
        ("2025Q1", 15750.0),  # 15000 + (18000 - 15000) * 1/4
        ("2025Q4", 18000.0),  # end: the target
        ("2026Q3", 18000.0),  # after end: the target
    ],
)
def test_expected_value_at_follows_milestones_when_5g_plan(period: str, expected: float) -> None:
    assert expected_5g(period) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("period", "expected", "straight_line"),
    [
        # Slow first year: 9000 -> 10000 over 4 quarters, then 10000 -> 18000 over 8.
        ("2023Q2", 9500.0, 10500.0),  # 9000 + 1000 * 2/4   vs 9000 + 9000 * 2/12
        ("2024Q4", 14000.0, 15000.0),  # 10000 + 8000 * 4/8 vs 9000 + 9000 * 8/12
    ],
)
def test_expected_value_at_bends_away_from_straight_line_when_milestone_off_line(
    period: str, expected: float, straight_line: float
) -> None:
    assert expected_5g(period, {"2023Q4": 10000.0}) == pytest.approx(expected)
    assert expected_5g(period, {}) == pytest.approx(straight_line)


def test_expected_value_at_ignores_milestones_when_at_or_before_base() -> None:
    # Same as without them: 9000 + 3000 * 2/4 = 10500.
    bends = {"2022Q2": 1.0, "2022Q4": 5000.0, "2023Q4": 12000.0}
    assert expected_5g("2023Q2", bends) == pytest.approx(10500.0)


def test_expected_value_at_ignores_milestones_when_at_or_after_end() -> None:
    bends = {"2025Q4": 99999.0, "2026Q4": 1.0}
    assert expected_5g("2025Q4", bends) == 18000.0
    assert expected_5g("2025Q2", bends) == pytest.approx(16500.0)  # 9000 + 9000 * 10/12


def test_expected_value_at_sorts_milestones_when_given_out_of_order() -> None:
    bends = {"2024Q4": 15000.0, "2023Q4": 12000.0}
    assert expected_5g("2024Q2", bends) == pytest.approx(13500.0)


def test_expected_value_at_is_exactly_target_when_at_end_period() -> None:
    value = expected_value_at(
        "2025Q4", base_period="2022Q4", baseline=0.1, milestones={}, end_period="2025Q4", target=0.3
    )
    assert value == 0.3


def test_expected_value_at_raises_when_end_not_after_base() -> None:
    with pytest.raises(ValueError):
        expected_value_at(
            "2023Q1",
            base_period="2025Q4",
            baseline=1.0,
            milestones={},
            end_period="2025Q4",
            target=2,
        )


def test_expected_path_lists_base_milestones_and_end_when_5g_plan() -> None:
    ind = IndicatorInput(
        "level", "2022Q4", "2025Q4", 18000.0, {**FIVE_G_MILESTONES, "2022Q2": 1.0}, {}
    )
    assert expected_path(ind, 9000.0) == [
        ("2022Q4", 9000.0),
        ("2023Q4", 12000.0),
        ("2024Q4", 15000.0),
        ("2025Q4", 18000.0),
    ]


# ------------------------------------------------------------------------------ completion


@pytest.mark.parametrize(
    ("actual", "baseline", "target", "expected"),
    [
        (13000.0, 9000.0, 18000.0, 400 / 9),  # 4000 / 9000 * 100 = 44.44
        (9000.0, 9000.0, 18000.0, 0.0),  # at the baseline
        (18000.0, 9000.0, 18000.0, 100.0),  # at the target
        (19800.0, 9000.0, 18000.0, 120.0),  # 10800 / 9000 * 100
        (8100.0, 9000.0, 18000.0, -10.0),  # below the baseline: -900 / 9000 * 100
        (30.0, 0.0, 40.0, 75.0),  # new_since_base: baseline 0
        (50.0, 50.0, 50.0, 100.0),  # baseline == target, met
        (60.0, 50.0, 50.0, 100.0),  # baseline == target, exceeded
        (49.0, 50.0, 50.0, 0.0),  # baseline == target, missed
        (None, 9000.0, 18000.0, None),
        (13000.0, None, 18000.0, None),
    ],
)
def test_completion_is_share_of_baseline_to_target_gap_when_computed(
    actual: float | None, baseline: float | None, target: float, expected: float | None
) -> None:
    assert completion(actual, baseline, target) == pytest.approx(expected)


# ------------------------------------------------------------------------------ traffic light


@pytest.mark.parametrize(
    ("actual", "gap", "light"),
    [
        (None, None, "grey"),
        (None, 50.0, "grey"),
        (100.0, 50.0, "achieved"),  # at the target, whatever the gap
        (120.0, 0.0, "achieved"),
        (60.0, -20.0, "green"),  # ahead of plan
        (60.0, 0.0, "green"),
        (60.0, 9.99, "green"),
        (60.0, 10.0, "yellow"),  # exactly 10 points: yellow
        (60.0, 10.0 - 1e-12, "yellow"),  # float noise of 10
        (60.0, 20.0, "yellow"),
        (60.0, 30.0, "yellow"),  # exactly 30 points: still yellow
        (60.0, 30.0 + 1e-12, "yellow"),  # float noise of 30
        (60.0, 30.01, "red"),
        (60.0, 100.0, "red"),
    ],
)
def test_traffic_light_follows_gap_when_default_thresholds(
    actual: float | None, gap: float | None, light: str
) -> None:
    assert traffic_light(actual, 100.0, gap) == light


@pytest.mark.parametrize(
    ("gap", "light"),
    [(4.9, "green"), (5.0, "yellow"), (15.0, "yellow"), (15.1, "red"), (12.0, "yellow")],
)
def test_traffic_light_follows_given_thresholds_when_configured(gap: float, light: str) -> None:
    assert traffic_light(60.0, 100.0, gap, Thresholds(yellow_from=5.0, red_above=15.0)) == light


def test_thresholds_default_to_10_and_30_when_not_given() -> None:
    assert (DEFAULT_THRESHOLDS.yellow_from, DEFAULT_THRESHOLDS.red_above) == (10.0, 30.0)
    assert Thresholds() == DEFAULT_THRESHOLDS


def test_thresholds_raise_when_yellow_above_red() -> None:
    with pytest.raises(ValueError):
        Thresholds(yellow_from=40.0, red_above=20.0)


# ------------------------------------------------------------------------------ projection


@pytest.mark.parametrize(
    ("values", "slope", "projected"),
    [
        # 100, 110, ..., 170 for 2023Q1..2024Q4; 2025Q4 is 4 more quarters: 170 + 4 * 10.
        ([100.0 + 10 * k for k in range(8)], 10.0, 210.0),
        # A falling line: 50 - 2.5 * 7 = 32.5 at 2024Q4, 32.5 - 4 * 2.5 = 22.5 at 2025Q4.
        ([50.0 - 2.5 * k for k in range(8)], -2.5, 22.5),
        # Flat: slope exactly 0.
        ([0.3] * 8, 0.0, 0.3),
    ],
)
def test_project_equals_line_with_zero_band_when_series_exactly_linear(
    values: list[float], slope: float, projected: float
) -> None:
    result = project(series("2023Q1", values), as_of="2024Q4", end_period="2025Q4")
    assert result is not None
    assert result.projected == pytest.approx(projected)
    assert result.slope_per_quarter == pytest.approx(slope)
    assert result.low == result.projected == result.high
    assert result.n_points == 8


def test_project_has_exact_zero_slope_when_series_flat() -> None:
    result = project(series("2023Q1", [0.1 + 0.2] * 8), as_of="2024Q4", end_period="2025Q4")
    assert result is not None
    assert result.slope_per_quarter == 0.0


def test_project_is_closer_to_recent_slope_than_unweighted_fit_when_slope_changes() -> None:
    # Flat at 100 for five quarters, then +30 a quarter for the last three.
    values = [100.0] * 5 + [130.0, 160.0, 190.0]
    result = project(series("2023Q1", values), as_of="2024Q4", end_period="2025Q4")
    x = np.arange(8.0)
    plain_slope, plain_intercept = np.polyfit(x, values, 1)
    assert result is not None
    assert abs(result.slope_per_quarter - 30.0) < abs(plain_slope - 30.0)
    assert result.projected > plain_intercept + plain_slope * 11  # 2025Q4 is x = 11


def test_project_matches_numpy_weighted_fit_when_decay_below_one() -> None:
    values = [100.0] * 5 + [130.0, 160.0, 190.0]
    result = project(series("2023Q1", values), as_of="2024Q4", end_period="2025Q4", decay=0.8)
    x = np.arange(8.0)
    age = 7 - x
    # polyfit weights multiply the residuals, so pass the square root of decay ** age.
    slope, intercept = np.polyfit(x, values, 1, w=np.sqrt(0.8**age))
    assert result is not None
    assert result.slope_per_quarter == pytest.approx(slope)
    assert result.projected == pytest.approx(intercept + slope * 11)


def test_project_matches_unweighted_fit_when_decay_is_one() -> None:
    values = [3.0, 7.0, 6.0, 11.0, 12.0, 18.0]
    result = project(series("2023Q3", values), as_of="2024Q4", end_period="2025Q4", decay=1.0)
    slope, intercept = np.polyfit(np.arange(6.0), values, 1)
    assert result is not None
    assert result.slope_per_quarter == pytest.approx(slope)
    assert result.projected == pytest.approx(intercept + slope * 9)  # 2025Q4 is x = 9


def test_project_band_is_hand_computed_prediction_interval_when_unweighted() -> None:
    # x = 0, 1, 2 (2024Q2..Q4), y = 0, 2, 1, all weights 1. Mean x 1, mean y 1, Sxx 2, Sxy 1:
    # slope 0.5, fit 0.5, 1.0, 1.5, residuals -0.5, 1, -0.5, s² = 1.5 / (3 - 2) = 1.5.
    # 2025Q4 is x = 6: projected 0.5 + 0.5 * 6 = 3.5; se² = 1.5 (1 + 1/3 + (6 - 1)² / 2) = 20.75.
    result = project(
        series("2024Q2", [0.0, 2.0, 1.0]), as_of="2024Q4", end_period="2025Q4", decay=1.0
    )
    half = 1.28 * math.sqrt(20.75)
    assert result == Projection(
        pytest.approx(3.5),
        pytest.approx(3.5 - half),
        pytest.approx(3.5 + half),
        pytest.approx(0.5),
        3,
    )


def test_project_band_matches_matrix_wls_formula_when_weighted() -> None:
    values = [10.0, 14.0, 13.0, 19.0, 22.0, 21.0, 27.0, 33.0]
    result = project(series("2023Q1", values), as_of="2024Q4", end_period="2025Q4", decay=0.8)
    # Independent check: beta = (X'WX)^-1 X'Wy, s² = r'Wr / (n - 2),
    # var = s² (1 + x0'(X'WX)^-1 x0) for a new quarter weighted like the latest one.
    x = np.arange(8.0)
    design = np.column_stack([np.ones(8), x])
    weights = np.diag(0.8 ** (7 - x))
    inverse = np.linalg.inv(design.T @ weights @ design)
    beta = inverse @ design.T @ weights @ np.array(values)
    residuals = np.array(values) - design @ beta
    s2 = residuals @ weights @ residuals / 6
    x0 = np.array([1.0, 11.0])
    half = 1.28 * math.sqrt(s2 * (1 + x0 @ inverse @ x0))
    assert result is not None
    assert result.projected == pytest.approx(x0 @ beta)
    assert result.high - result.projected == pytest.approx(half)
    assert result.projected - result.low == pytest.approx(half)


def test_project_uses_only_last_window_quarters_when_series_longer() -> None:
    # Four wild early quarters, then eight on the line 100 + 10k: the fit sees only the line.
    values = [1000.0, -500.0, 3.0, 7000.0] + [100.0 + 10 * k for k in range(8)]
    result = project(series("2022Q1", values), as_of="2024Q4", end_period="2025Q4")
    assert result is not None
    assert result.n_points == 8
    assert result.projected == pytest.approx(210.0)
    assert result.low == result.high


def test_project_counts_window_in_calendar_quarters_when_reports_have_gaps() -> None:
    # 2022Q1 is 11 quarters before 2024Q4, outside an 8-quarter window: two points remain.
    measure = {"2022Q1": 0.0, "2024Q3": 10.0, "2024Q4": 12.0}
    result = project(measure, as_of="2024Q4", end_period="2025Q4")
    assert result is not None
    assert result.n_points == 2
    assert result.slope_per_quarter == pytest.approx(2.0)
    assert result.projected == pytest.approx(20.0)  # 12 + 4 * 2
    assert result.low == result.high  # two points: no residual variance


def test_project_ignores_quarters_after_as_of_when_measure_runs_ahead() -> None:
    measure = {"2024Q3": 10.0, "2024Q4": 12.0, "2025Q1": 999.0}
    result = project(measure, as_of="2024Q4", end_period="2025Q4")
    assert result is not None
    assert result.projected == pytest.approx(20.0)


@pytest.mark.parametrize("measure", [{}, {"2024Q4": 5.0}, {"2024Q4": 5.0, "2025Q1": 6.0}])
def test_project_is_none_when_fewer_than_two_points(measure: dict[str, float]) -> None:
    assert project(measure, as_of="2024Q4", end_period="2025Q4") is None


@pytest.mark.parametrize("as_of", ["2025Q4", "2026Q2"])
def test_project_is_latest_actual_when_as_of_not_before_end(as_of: str) -> None:
    measure = {"2025Q1": 10.0, "2025Q2": 20.0, "2025Q3": 30.0, "2025Q4": 35.0}
    result = project(measure, as_of=as_of, end_period="2025Q4")
    assert result is not None
    assert (result.projected, result.low, result.high) == (35.0, 35.0, 35.0)
    assert result.slope_per_quarter > 0


@pytest.mark.parametrize(("window", "decay"), [(1, 0.8), (8, 0.0), (8, 1.5), (8, -0.5)])
def test_project_raises_when_window_or_decay_invalid(window: int, decay: float) -> None:
    with pytest.raises(ValueError):
        project(
            {"2024Q3": 1.0, "2024Q4": 2.0},
            as_of="2024Q4",
            end_period="2025Q4",
            window=window,
            decay=decay,
        )


# ------------------------------------------------------------------------------ run-rate


@pytest.mark.parametrize(
    ("actual", "target", "as_of", "expected"),
    [
        (13500.0, 18000.0, "2024Q2", 750.0),  # 4500 / 6 quarters left
        (17000.0, 18000.0, "2025Q3", 1000.0),  # 1000 / 1
        (18000.0, 18000.0, "2024Q2", 0.0),  # met
        (19000.0, 18000.0, "2024Q2", 0.0),  # exceeded
        (19000.0, 18000.0, "2026Q1", 0.0),  # exceeded, after the end
        (17000.0, 18000.0, "2025Q4", None),  # no quarter left
        (17000.0, 18000.0, "2026Q1", None),
        (None, 18000.0, "2024Q2", None),
    ],
)
def test_required_per_quarter_spreads_remaining_gap_when_computed(
    actual: float | None, target: float, as_of: str, expected: float | None
) -> None:
    assert required_per_quarter(actual, target, as_of, "2025Q4") == pytest.approx(expected)


# ------------------------------------------------------------------------------ trend label


def rising(projected: float) -> Projection:
    """Return a projection with a positive slope ending at `projected`."""
    return Projection(projected, projected - 5, projected + 5, 2.0, 4)


@pytest.mark.parametrize(
    ("actual", "previous", "projection", "label"),
    [
        (None, None, None, "no_data"),
        (100.0, 120.0, Projection(90, 80, 100, -3.0, 4), "achieved"),  # met beats falling
        (80.0, 85.0, rising(120.0), "regressing"),  # below last quarter
        (80.0, 70.0, Projection(60, 50, 70, -1.0, 4), "regressing"),  # negative slope
        (80.0, None, None, "insufficient_data"),  # a single point
        (80.0, 70.0, rising(100.0), "on_track"),  # projected exactly at target
        (80.0, 70.0, rising(99.9), "acceleration_needed"),
        (80.0, 80.0, Projection(80, 80, 80, 0.0, 4), "acceleration_needed"),  # flat is not falling
    ],
)
def test_trend_label_applies_first_matching_rule_when_given_inputs(
    actual: float | None, previous: float | None, projection: Projection | None, label: str
) -> None:
    assert trend_label(actual, previous, 100.0, projection) == label


# ------------------------------------------------------------------------------ assess


def test_assess_reports_path_and_gap_when_5g_milestones_bend_path() -> None:
    figures = {"2022Q4": 9000.0, "2023Q4": 11700.0, "2024Q1": 12600.0, "2024Q2": 13050.0}
    status = assess(five_g(figures), "2024Q2")
    assert status.baseline == 9000.0
    assert status.baseline_assumed is False
    assert status.actual == 13050.0
    assert status.expected == pytest.approx(13500.0)  # halfway from 12000@2023Q4 to 15000@2024Q4
    assert status.expected_completion == pytest.approx(50.0)  # 4500 / 9000
    assert status.completion == pytest.approx(45.0)  # 4050 / 9000
    assert status.gap_points == pytest.approx(5.0)
    assert status.light == "green"
    assert status.data_period == "2024Q2"
    assert status.previous_actual == 12600.0
    assert status.required_per_quarter == pytest.approx(825.0)  # 4950 / 6
    assert status.projected is not None
    assert status.is_final is False
    assert status.final_margin is None


def test_assess_raises_bar_when_latest_quarter_unreported() -> None:
    # Same figures one quarter later: expected 12000 + 3000 * 3/4 = 14250 -> 5250 / 9000 = 58.33 %.
    figures = {"2022Q4": 9000.0, "2023Q4": 11700.0, "2024Q1": 12600.0, "2024Q2": 13050.0}
    status = assess(five_g(figures), "2024Q3")
    assert status.data_period == "2024Q2"
    assert status.actual == 13050.0
    assert status.expected == pytest.approx(14250.0)
    assert status.expected_completion == pytest.approx(175 / 3)
    assert status.gap_points == pytest.approx(40 / 3)  # 58.33 - 45 = 13.33
    assert status.light == "yellow"
    assert status.required_per_quarter == pytest.approx(990.0)  # 4950 / 5


@pytest.mark.parametrize(
    ("thresholds", "light"),
    [
        (Thresholds(), "yellow"),  # gap 13.33
        (Thresholds(yellow_from=15.0, red_above=40.0), "green"),
        (Thresholds(yellow_from=5.0, red_above=12.0), "red"),
    ],
)
def test_assess_uses_given_thresholds_when_configured(thresholds: Thresholds, light: str) -> None:
    figures = {"2022Q4": 9000.0, "2023Q4": 11700.0, "2024Q1": 12600.0, "2024Q2": 13050.0}
    assert assess(five_g(figures), "2024Q3", thresholds).light == light


def test_assess_ignores_figures_when_after_as_of() -> None:
    figures = {"2022Q4": 9000.0, "2024Q2": 13050.0, "2024Q3": 99999.0}
    status = assess(five_g(figures), "2024Q2")
    assert status.actual == 13050.0
    assert status.data_period == "2024Q2"


@pytest.mark.parametrize("figures", [{}, {"2025Q1": 17000.0}])
def test_assess_is_grey_no_data_when_no_figures_up_to_as_of(figures: dict[str, float]) -> None:
    status = assess(five_g(figures), "2024Q2")
    assert status == Status(
        actual=None,
        target=18000.0,
        baseline=None,
        baseline_assumed=False,
        completion=None,
        expected=None,
        expected_completion=None,
        gap_points=None,
        light="grey",
        projected=None,
        projected_low=None,
        projected_high=None,
        projected_completion=None,
        trend_label="no_data",
        required_per_quarter=None,
        data_period=None,
        previous_actual=None,
        is_final=False,
        final_margin=None,
    )


def test_assess_keeps_expected_when_new_since_base_has_no_data() -> None:
    # Baseline 0 needs no data, so the plan's expectation is known: 40 * 6/12 = 20 -> 50 %.
    status = assess(straight("new_since_base", 40.0, {}), "2024Q2")
    assert (status.actual, status.baseline, status.light) == (None, 0.0, "grey")
    assert status.expected == pytest.approx(20.0)
    assert status.expected_completion == pytest.approx(50.0)
    assert status.gap_points is None
    assert status.trend_label == "no_data"


def test_assess_is_insufficient_data_when_one_quarter_reported() -> None:
    # Base 2022Q4 missing, so the only figure is the assumed baseline: completion 0.
    # Expected 9500 + (12000 - 9500) * 1/4 = 10125 -> 625 / 8500 = 7.35 % -> green.
    status = assess(five_g({"2023Q1": 9500.0}), "2023Q1")
    assert (status.baseline, status.baseline_assumed) == (9500.0, True)
    assert status.completion == 0.0
    assert status.expected == pytest.approx(10125.0)
    assert status.gap_points == pytest.approx(625 / 85)
    assert status.light == "green"
    assert status.trend_label == "insufficient_data"
    assert status.projected is None
    assert status.projected_completion is None
    assert status.previous_actual is None


def test_assess_is_achieved_when_target_already_met() -> None:
    status = assess(five_g({"2022Q4": 9000.0, "2023Q4": 18500.0}), "2024Q1")
    assert status.light == "achieved"
    assert status.trend_label == "achieved"
    assert status.required_per_quarter == 0.0
    assert status.completion == pytest.approx(950 / 9)  # 9500 / 9000 * 100 = 105.56
    assert status.gap_points is not None and status.gap_points < 0  # ahead of plan
    assert status.is_final is False


def test_assess_is_achieved_when_yearly_sum_equals_target_up_to_float_noise() -> None:
    # 12.3 + 15.6 + 14.2 + 15.9 == 57.99999999999999 in floating point; shown as 58.0.
    figures = series("2022Q1", [10.0, 10.0, 10.0, 10.0, 12.3, 15.6, 14.2, 15.9])
    status = assess(straight("yearly_flow", 58.0, figures), "2023Q4")
    assert status.actual is not None and status.actual < 58.0
    assert status.light == "achieved"
    assert status.trend_label == "achieved"
    assert status.required_per_quarter == 0.0


def test_assess_is_regressing_when_latest_below_previous_quarter() -> None:
    # Expected at 2023Q3: 9000 + 3000 * 3/4 = 11250 -> 25 %; actual 1500 / 9000 = 16.67 %.
    figures = {"2022Q4": 9000.0, "2023Q1": 10000.0, "2023Q2": 11000.0, "2023Q3": 10500.0}
    status = assess(five_g(figures), "2023Q3")
    assert status.trend_label == "regressing"
    assert status.previous_actual == 11000.0
    assert status.gap_points == pytest.approx(25.0 - 50 / 3)  # 8.33: the light is independent
    assert status.light == "green"


def test_assess_is_regressing_when_fitted_slope_negative() -> None:
    # Latest equals the previous quarter, but the four-quarter trend is falling.
    figures = {"2022Q4": 12000.0, "2023Q1": 11000.0, "2023Q2": 10000.0, "2023Q3": 10000.0}
    status = assess(straight("level", 18000.0, figures), "2023Q3")
    assert status.previous_actual == status.actual == 10000.0
    assert status.trend_label == "regressing"


@pytest.mark.parametrize(
    ("latest", "light", "completion", "gap"),
    [
        (48.0, "red", 0.0, 100.0),  # expected stays 50 = target: 100 % expected, 0 % done
        (50.0, "achieved", 100.0, 0.0),
        (51.0, "achieved", 100.0, 0.0),
    ],
)
def test_assess_scores_all_or_nothing_when_baseline_equals_target(
    latest: float, light: str, completion: float, gap: float
) -> None:
    status = assess(straight("level", 50.0, {"2022Q4": 50.0, "2023Q4": latest}), "2023Q4")
    assert status.expected == 50.0
    assert status.expected_completion == 100.0
    assert status.completion == completion
    assert status.gap_points == gap
    assert status.light == light


def test_assess_gives_final_margin_when_after_plan_period() -> None:
    # Completion 8400 / 9000 = 93.33 %, expected 100 % after the end: gap 6.67, margin -600.
    figures = {"2022Q4": 9000.0, "2024Q4": 15000.0, "2025Q3": 17000.0, "2025Q4": 17400.0}
    status = assess(five_g(figures), "2026Q2")
    assert status.is_final is True
    assert status.final_margin == pytest.approx(-600.0)
    assert status.expected == 18000.0
    assert status.expected_completion == 100.0
    assert status.gap_points == pytest.approx(20 / 3)
    assert status.required_per_quarter is None
    assert status.projected == status.projected_low == status.projected_high == 17400.0
    assert status.projected_completion == status.completion


def test_assess_uses_figures_after_end_when_as_of_later_still() -> None:
    figures = {"2022Q4": 9000.0, "2025Q4": 17400.0, "2026Q1": 18100.0}
    status = assess(five_g(figures), "2026Q2")
    assert status.actual == 18100.0
    assert status.final_margin == pytest.approx(100.0)
    assert status.light == "achieved"


@pytest.mark.parametrize(("as_of", "is_final"), [("2025Q3", False), ("2025Q4", True)])
def test_assess_is_final_when_as_of_reaches_end_period(as_of: str, is_final: bool) -> None:
    status = assess(five_g({"2022Q4": 9000.0, "2025Q3": 17000.0}), as_of)
    assert status.is_final is is_final
    assert status.final_margin == (pytest.approx(-1000.0) if is_final else None)


def test_assess_has_no_margin_when_final_without_data() -> None:
    status = assess(five_g({}), "2026Q1")
    assert (status.is_final, status.final_margin, status.light) == (True, None, "grey")


def test_assess_sums_new_items_when_new_since_base_misses_a_quarter() -> None:
    # 3 + 4 + 0 (2023Q3 missing) + 5 = 12 of 40 -> 30 %; expected 40 * 4/12 = 13.33 -> 33.33 %.
    figures = {"2022Q4": 7.0, "2023Q1": 3.0, "2023Q2": 4.0, "2023Q4": 5.0}
    status = assess(straight("new_since_base", 40.0, figures), "2023Q4")
    assert (status.actual, status.baseline, status.baseline_assumed) == (12.0, 0.0, False)
    assert status.previous_actual == 7.0
    assert status.completion == pytest.approx(30.0)
    assert status.expected == pytest.approx(40 / 3)
    assert status.gap_points == pytest.approx(10 / 3)
    assert status.light == "green"


def test_assess_keeps_running_sum_when_new_since_base_as_of_unreported() -> None:
    # No 2024Q1 report: actual stays 12; expected 40 * 5/12 = 16.67 -> gap 41.67 - 30 = 11.67.
    figures = {"2023Q1": 3.0, "2023Q2": 4.0, "2023Q4": 5.0}
    status = assess(straight("new_since_base", 40.0, figures), "2024Q1")
    assert (status.actual, status.data_period) == (12.0, "2023Q4")
    assert status.gap_points == pytest.approx(35 / 3)
    assert status.light == "yellow"


def test_assess_uses_four_quarter_sums_when_yearly_flow() -> None:
    # Baseline 20+25+25+30 = 100; 2023: 25+30+30+35 = 120 of target 160 -> 20 / 60 = 33.33 %.
    # Expected 100 + 60 * 4/12 = 120 -> same 33.33 %: no gap. Previous (2023Q3): 30+25+30+30.
    figures = series("2022Q1", [20.0, 25.0, 25.0, 30.0, 25.0, 30.0, 30.0, 35.0])
    status = assess(straight("yearly_flow", 160.0, figures), "2023Q4")
    assert (status.baseline, status.baseline_assumed) == (100.0, False)
    assert status.actual == 120.0
    assert status.previous_actual == 115.0
    assert status.completion == pytest.approx(100 / 3)
    assert status.expected == pytest.approx(120.0)
    assert status.gap_points == pytest.approx(0.0, abs=1e-9)
    assert status.light == "green"


def test_assess_uses_latest_complete_sum_when_yearly_flow_misses_a_quarter() -> None:
    # 2023Q3 missing: sums exist up to 2023Q2 only: 2023Q1 = 25+25+30+25 = 105, Q2 = 110.
    figures = series("2022Q1", [20.0, 25.0, 25.0, 30.0, 25.0, 30.0])
    figures["2023Q4"] = 35.0
    status = assess(straight("yearly_flow", 160.0, figures), "2023Q4")
    assert (status.actual, status.data_period, status.previous_actual) == (110.0, "2023Q2", 105.0)


def test_assess_has_no_previous_when_level_skips_a_quarter() -> None:
    status = assess(five_g({"2022Q4": 9000.0, "2023Q2": 10000.0, "2023Q4": 11000.0}), "2023Q4")
    assert (status.actual, status.data_period, status.previous_actual) == (
        11000.0,
        "2023Q4",
        None,
    )


def test_assess_is_on_track_when_linear_trend_reaches_target() -> None:
    # 9000 + 750 a quarter from 2022Q4 reaches 9000 + 750 * 12 = 18000 at 2025Q4.
    figures = series("2022Q4", [9000.0 + 750 * k for k in range(9)])
    status = assess(straight("level", 18000.0, figures), "2024Q4")
    assert status.projected == pytest.approx(18000.0)
    assert status.projected_low == status.projected == status.projected_high
    assert status.projected_completion == pytest.approx(100.0)
    assert status.trend_label == "on_track"
    assert status.gap_points == pytest.approx(0.0, abs=1e-9)


def test_assess_needs_acceleration_when_linear_trend_falls_short() -> None:
    # +500 a quarter from 11000 at 2023Q1: 14500 at 2024Q4, + 4 * 500 = 16500 < 18000 at 2025Q4.
    figures = series("2023Q1", [11000.0 + 500 * k for k in range(8)])
    status = assess(straight("level", 18000.0, figures), "2024Q4")
    assert status.projected == pytest.approx(16500.0)
    assert status.trend_label == "acceleration_needed"
    assert status.required_per_quarter == pytest.approx(875.0)  # 3500 / 4


def test_status_as_dict_has_every_field_when_converted() -> None:
    status = assess(five_g({"2022Q4": 9000.0, "2024Q2": 13050.0}), "2024Q2")
    data = status.as_dict()
    assert list(data) == [
        "actual",
        "target",
        "baseline",
        "baseline_assumed",
        "completion",
        "expected",
        "expected_completion",
        "gap_points",
        "light",
        "projected",
        "projected_low",
        "projected_high",
        "projected_completion",
        "trend_label",
        "required_per_quarter",
        "data_period",
        "previous_actual",
        "is_final",
        "final_margin",
    ]
    assert data["actual"] == 13050.0
    assert data["light"] == status.light


@pytest.mark.parametrize(
    ("semantics", "base", "end", "figures"),
    [
        ("stock", "2022Q4", "2025Q4", {}),  # unknown semantics
        ("level", "2025Q4", "2025Q4", {}),  # end not after base
        ("level", "2022Q4", "2025Q4", {"2023 Q1": 1.0}),  # messy period
    ],
)
def test_indicator_input_raises_when_invalid(
    semantics: str, base: str, end: str, figures: dict[str, float]
) -> None:
    with pytest.raises(ValueError):
        IndicatorInput(semantics, base, end, 10.0, {}, figures)

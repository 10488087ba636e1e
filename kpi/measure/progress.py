"""Pure progress maths: measure, baseline, expected path, completion, light, projection, run-rate.

Every indicator is assumed to be "higher is better" (all targets of the plan are floors). Nothing
here rounds: the UI does. Comparisons with a target or a threshold ignore float noise (relative
1e-9). Periods are canonical 'YYYYQn' strings (see kpi.base.periods).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from kpi.base.periods import add_quarters, period_from_index, quarter_index

LEVEL = "level"
NEW_SINCE_BASE = "new_since_base"
YEARLY_FLOW = "yearly_flow"
SEMANTICS = (LEVEL, NEW_SINCE_BASE, YEARLY_FLOW)

ACHIEVED = "achieved"
GREEN = "green"
YELLOW = "yellow"
RED = "red"
MISSED = "missed"
GREY = "grey"
# Before the plan's last quarter a target is judged against the expected path (序时进度); from
# the last quarter on it is final: reached (达标) or not (未达标), no green/yellow/red any more.
SEQUENTIAL_LIGHTS = (ACHIEVED, GREEN, YELLOW, RED, GREY)
FINAL_LIGHTS = (ACHIEVED, MISSED, GREY)
LIGHTS = (ACHIEVED, GREEN, YELLOW, RED, MISSED, GREY)
# Lights that put an indicator on the behind list, most serious first (missed ranks with red).
BEHIND_RANK = {RED: 0, MISSED: 0, YELLOW: 1}

REGRESSING = "regressing"
ON_TRACK = "on_track"
ACCELERATION_NEEDED = "acceleration_needed"
NO_DATA = "no_data"
INSUFFICIENT_DATA = "insufficient_data"
TREND_LABELS = (
    ACHIEVED,
    MISSED,
    REGRESSING,
    ON_TRACK,
    ACCELERATION_NEEDED,
    NO_DATA,
    INSUFFICIENT_DATA,
)

# Two-sided ~80 % interval of a normal distribution.
BAND_Z = 1.28
# Relative float noise: 12.3 + 15.6 + 14.2 + 15.9 is 57.99999999999999, which the UI shows as 58
# and must count as reaching a target of 58; likewise a gap of 9.99999999999 points is 10.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Thresholds:
    """Gap (in percentage points, positive = behind) at which the light turns yellow / red."""

    yellow_from: float = 10.0
    red_above: float = 30.0

    def __post_init__(self) -> None:
        if self.yellow_from > self.red_above:
            raise ValueError(f"yellow_from {self.yellow_from} > red_above {self.red_above}")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Projection:
    """Trend value projected to the end period, with its ~80 % prediction band."""

    projected: float
    low: float
    high: float
    slope_per_quarter: float
    n_points: int


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator's plan (base, end, target, milestones) and its stored quarterly figures."""

    semantics: str
    base_period: str
    end_period: str
    target: float
    milestones: Mapping[str, float]
    figures: Mapping[str, float]

    def __post_init__(self) -> None:
        _check_semantics(self.semantics)
        if quarter_index(self.end_period) <= quarter_index(self.base_period):
            raise ValueError(f"end_period {self.end_period} not after base {self.base_period}")
        for period in [*self.milestones, *self.figures]:
            quarter_index(period)


@dataclass(frozen=True)
class Status:
    """Assessment of one indicator at one as-of quarter; nothing is rounded."""

    actual: float | None
    target: float
    baseline: float | None
    baseline_assumed: bool
    completion: float | None
    expected: float | None
    expected_completion: float | None
    gap_points: float | None
    light: str
    projected: float | None
    projected_low: float | None
    projected_high: float | None
    projected_completion: float | None
    trend_label: str
    required_per_quarter: float | None
    data_period: str | None
    previous_actual: float | None
    is_final: bool
    final_margin: float | None

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for frames, JSON and the CLI)."""
        return asdict(self)


def _reaches(value: float, bound: float) -> bool:
    """Return value >= bound, up to float noise."""
    return value >= bound - _TOLERANCE * max(1.0, abs(bound))


def _exceeds(value: float, bound: float) -> bool:
    """Return value > bound, beyond float noise."""
    return value > bound + _TOLERANCE * max(1.0, abs(bound))


def _check_semantics(semantics: str) -> None:
    """Raise ValueError unless `semantics` is one of SEMANTICS."""
    if semantics not in SEMANTICS:
        raise ValueError(f"unknown semantics {semantics!r}; expected one of {SEMANTICS}")


def _by_index(figures: Mapping[str, float | None]) -> dict[int, float]:
    """Return figures keyed by quarter index in period order; None and NaN count as not reported."""
    reported = {
        quarter_index(p): float(v)
        for p, v in figures.items()
        if v is not None and not math.isnan(v)
    }
    return dict(sorted(reported.items()))


def measure_series(
    semantics: str, figures: Mapping[str, float], base_period: str
) -> dict[str, float]:
    """Return the "actual" measure per quarter, in period order.

    - level: the figure itself (each figure is the cumulative level at quarter end).
    - new_since_base: running sum of the figures of periods after base_period, from the first to
      the last reported such quarter; a missing quarter in between adds 0.
    - yearly_flow: sum of the four quarters ending at that quarter, only where all four are
      reported (equals the calendar year at Q4).
    """
    _check_semantics(semantics)
    base = quarter_index(base_period)
    reported = _by_index(figures)
    series: dict[int, float] = {}
    if semantics == LEVEL:
        series = reported
    elif semantics == NEW_SINCE_BASE:
        after = {i: v for i, v in reported.items() if i > base}
        if after:
            total = 0.0
            for i in range(min(after), max(after) + 1):
                total += after.get(i, 0.0)
                series[i] = total
    else:
        for i in reported:
            quarters = range(i - 3, i + 1)
            if all(j in reported for j in quarters):
                series[i] = sum(reported[j] for j in quarters)
    return {period_from_index(i): v for i, v in series.items()}


def baseline_of(
    semantics: str, figures: Mapping[str, float], base_period: str
) -> tuple[float | None, bool]:
    """Return (baseline, assumed).

    - new_since_base: (0.0, False) always, data or not.
    - level / yearly_flow: the measure at base_period; when it is missing, the first available
      measure (first figure, first complete 4-quarter sum) with assumed=True; (None, False) when
      there is no measure at all.
    """
    measure = measure_series(semantics, figures, base_period)
    if semantics == NEW_SINCE_BASE:
        return 0.0, False
    if base_period in measure:
        return measure[base_period], False
    if not measure:
        return None, False
    return next(iter(measure.values())), True


def _path_points(
    base_period: str,
    baseline: float,
    milestones: Mapping[str, float],
    end_period: str,
    target: float,
) -> list[tuple[int, float]]:
    """Return the expected path's corners as (quarter index, value), base first, end last."""
    base, end = quarter_index(base_period), quarter_index(end_period)
    if end <= base:
        raise ValueError(f"end_period {end_period} not after base_period {base_period}")
    bends = sorted((quarter_index(p), float(v)) for p, v in milestones.items())
    inner = [(i, v) for i, v in bends if base < i < end]
    return [(base, float(baseline)), *inner, (end, float(target))]


def expected_value_at(
    period: str,
    *,
    base_period: str,
    baseline: float,
    milestones: Mapping[str, float],
    end_period: str,
    target: float,
) -> float:
    """Return the planned value at `period` on the expected path.

    The path is piecewise-linear in quarter index from (base_period, baseline) through each
    milestone strictly after base_period and before end_period, to (end_period, target). Before
    base_period it is the baseline, after end_period the target. Milestones at or before the base
    are ignored: the baseline is the stored actual.
    """
    x = quarter_index(period)
    points = _path_points(base_period, baseline, milestones, end_period, target)
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            t = (x - x0) / (x1 - x0)
            # This form is exact at both corners, so the end quarter gives the target exactly.
            return (1.0 - t) * y0 + t * y1
    return points[-1][1]


def expected_path(ind: IndicatorInput, baseline: float) -> list[tuple[str, float]]:
    """Return the expected path's corners (base, milestones in between, end) for charts."""
    points = _path_points(ind.base_period, baseline, ind.milestones, ind.end_period, ind.target)
    return [(period_from_index(i), v) for i, v in points]


def completion(actual: float | None, baseline: float | None, target: float) -> float | None:
    """Return percent complete (85.0 means 85 %): (actual - baseline) / (target - baseline) * 100.

    When baseline == target: 100 if actual >= target else 0. None if actual (or baseline) is None.
    """
    if actual is None or baseline is None:
        return None
    if baseline == target:
        return 100.0 if _reaches(actual, target) else 0.0
    return (actual - baseline) / (target - baseline) * 100.0


def is_final(as_of: str, end_period: str) -> bool:
    """Is `as_of` the plan's last quarter or later, where the assessment is final?"""
    return quarter_index(as_of) >= quarter_index(end_period)


def lights_of(final: bool) -> tuple[str, ...]:
    """The lights a quarter can show, in display order: FINAL_LIGHTS or SEQUENTIAL_LIGHTS."""
    return FINAL_LIGHTS if final else SEQUENTIAL_LIGHTS


def traffic_light(
    actual: float | None,
    target: float,
    gap_points: float | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    final: bool = False,
) -> str:
    """Return 'achieved', 'green', 'yellow', 'red', 'missed' or 'grey' (no data).

    achieved: actual >= target. Final (the plan's last quarter or later): missed otherwise.
    Before that by gap (expected - actual completion, points): green below yellow_from (ahead
    of plan is green), yellow from yellow_from up to and including red_above, red above it.
    """
    if actual is None or gap_points is None:
        return GREY
    if _reaches(actual, target):
        return ACHIEVED
    if final:
        return MISSED
    if not _reaches(gap_points, thresholds.yellow_from):
        return GREEN
    if not _exceeds(gap_points, thresholds.red_above):
        return YELLOW
    return RED


def project(
    measure: Mapping[str, float],
    *,
    as_of: str,
    end_period: str,
    window: int = 8,
    decay: float = 0.8,
) -> Projection | None:
    """Return the weighted linear trend of `measure` projected to end_period, or None.

    Points: the measure's quarters up to as_of that fall within `window` quarters ending at the
    latest of them. Weighted least squares on x = quarter index, weight = decay ** age (age in
    quarters before the latest point). Band: projected ± 1.28 × standard error of prediction,
    se² = s² (1 + 1/Σw + (x0 - x̄w)² / Sxxw) with s² = Σw·r² / (n - 2); it collapses to the point
    when the residuals are zero (always so with two points). None with fewer than two points.
    When as_of >= end_period there is nothing to extrapolate: projected = low = high = latest.
    """
    if window < 2:
        raise ValueError(f"window must be at least 2, got {window}")
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    cutoff = quarter_index(as_of)
    points = [(i, v) for i, v in _by_index(measure).items() if i <= cutoff]
    if not points:
        return None
    latest_x, latest_y = points[-1]
    points = [(i, v) for i, v in points if i > latest_x - window]
    n = len(points)
    if n < 2:
        return None

    # Centred on the latest point so that a flat series gives a slope of exactly 0.
    x = np.array([i - latest_x for i, _ in points], dtype=float)
    y = np.array([v - latest_y for _, v in points], dtype=float)
    w = decay ** (-x)
    w_sum = float(w.sum())
    x_mean = float((w * x).sum()) / w_sum
    y_mean = float((w * y).sum()) / w_sum
    sxx = float((w * (x - x_mean) ** 2).sum())
    slope = float((w * (x - x_mean) * (y - y_mean)).sum()) / sxx
    scale = max(1.0, max(abs(v) for _, v in points))
    if abs(slope) <= _TOLERANCE * scale:
        slope = 0.0
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    exact = float(np.abs(residuals).max()) <= _TOLERANCE * scale
    s2 = 0.0 if exact or n == 2 else float((w * residuals**2).sum()) / (n - 2)

    end = quarter_index(end_period)
    if cutoff >= end:
        return Projection(latest_y, latest_y, latest_y, slope, n)
    x0 = float(end - latest_x)
    projected = latest_y + intercept + slope * x0
    half = BAND_Z * math.sqrt(s2 * (1.0 + 1.0 / w_sum + (x0 - x_mean) ** 2 / sxx))
    return Projection(projected, projected - half, projected + half, slope, n)


def required_per_quarter(
    actual: float | None, target: float, as_of: str, end_period: str
) -> float | None:
    """Return the gain per remaining quarter needed to reach the target.

    (target - actual) / quarters from as_of to end_period; 0.0 once actual >= target (even after
    the end); None with no data or when no quarter remains.
    """
    if actual is None:
        return None
    if _reaches(actual, target):
        return 0.0
    remaining = quarter_index(end_period) - quarter_index(as_of)
    if remaining <= 0:
        return None
    return (target - actual) / remaining


def trend_label(
    actual: float | None,
    previous_actual: float | None,
    target: float,
    projection: Projection | None,
    *,
    final: bool = False,
) -> str:
    """Return the trend label, first rule that applies.

    no_data (no actual); achieved (actual >= target); missed (final: no quarter is left to
    catch up, so no advice); regressing (actual below the previous quarter's, or negative
    fitted slope); insufficient_data (no projection: a single point); on_track (projected >=
    target); acceleration_needed otherwise.
    """
    if actual is None:
        return NO_DATA
    if _reaches(actual, target):
        return ACHIEVED
    if final:
        return MISSED
    falling = previous_actual is not None and _exceeds(previous_actual, actual)
    if falling or (projection is not None and projection.slope_per_quarter < 0):
        return REGRESSING
    if projection is None:
        return INSUFFICIENT_DATA
    if _reaches(projection.projected, target):
        return ON_TRACK
    return ACCELERATION_NEEDED


def assess(
    ind: IndicatorInput,
    as_of: str,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Status:
    """Return the status of `ind` at quarter `as_of`, ignoring figures after as_of.

    actual = measure at the latest period <= as_of that has one (data_period). Expected and
    expected completion are taken at as_of itself, so an unreported quarter still raises the bar;
    after end_period the expected value is the target (100 %). is_final once as_of >= end_period:
    the light is then achieved, missed or grey, and final_margin = actual - target.
    """
    cutoff = quarter_index(as_of)
    figures = {p: v for p, v in ind.figures.items() if quarter_index(p) <= cutoff}
    measure = measure_series(ind.semantics, figures, ind.base_period)
    baseline, assumed = baseline_of(ind.semantics, figures, ind.base_period)

    data_period = next(reversed(measure), None)
    actual = measure[data_period] if data_period is not None else None
    previous = measure.get(add_quarters(data_period, -1)) if data_period is not None else None

    expected = None
    if baseline is not None:
        expected = expected_value_at(
            as_of,
            base_period=ind.base_period,
            baseline=baseline,
            milestones=ind.milestones,
            end_period=ind.end_period,
            target=ind.target,
        )
    done = completion(actual, baseline, ind.target)
    expected_done = completion(expected, baseline, ind.target)
    gap = expected_done - done if expected_done is not None and done is not None else None
    projection = project(measure, as_of=as_of, end_period=ind.end_period)
    final = is_final(as_of, ind.end_period)

    return Status(
        actual=actual,
        target=float(ind.target),
        baseline=baseline,
        baseline_assumed=assumed,
        completion=done,
        expected=expected,
        expected_completion=expected_done,
        gap_points=gap,
        light=traffic_light(actual, ind.target, gap, thresholds, final=final),
        projected=projection.projected if projection is not None else None,
        projected_low=projection.low if projection is not None else None,
        projected_high=projection.high if projection is not None else None,
        projected_completion=(
            completion(projection.projected, baseline, ind.target)
            if projection is not None
            else None
        ),
        trend_label=trend_label(actual, previous, ind.target, projection, final=final),
        required_per_quarter=required_per_quarter(actual, ind.target, as_of, ind.end_period),
        data_period=data_period,
        previous_actual=previous,
        is_final=final,
        final_margin=actual - ind.target if final and actual is not None else None,
    )

"""Sentences built from the status numbers: why a light, the final margin, the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.measure import progress
from kpi.outputs.formatting import completion_text, format_pct, format_points, format_value

PROJECTION_WINDOW = 8  # quarters, progress.project's default


def explain_status(
    row: Mapping[str, Any],
    lang: str,
    *,
    as_of: str,
    base_period: str,
    end_period: str,
    yellow_from: float,
    red_above: float,
) -> str:
    """Why the light is what it is, in one plain paragraph built from the status numbers."""

    def t(key: str, **values: Any) -> str:
        return i18n.t(key, lang, **values)

    def v(x: float | None) -> str:
        return format_value(x, row, lang)

    light = row["light"]
    if light == "grey" or is_missing(row.get("actual")):
        return t("explain.no_data", as_of=as_of)
    period = row.get("data_period")
    parts = [
        t(
            "explain.actual",
            as_of=as_of,
            actual=v(row["actual"]),
            data_period="" if period == as_of else t("explain.data_period", period=period),
            target=v(row["target"]),
            completion=completion_text(row, lang),
        )
    ]
    gap = row.get("gap_points")
    if light == "achieved":
        parts.append(t("explain.achieved"))
        if row.get("is_final"):
            parts.append(t("explain.final", end=end_period, margin=margin_text(row, lang)))
    elif light == progress.MISSED:
        # The final verdict: reached or not; the expected path no longer decides anything.
        parts.append(t("final.explain_missed", end=end_period, margin=margin_text(row, lang)))
    else:
        side = (
            t("explain.ahead", points=format_points(-gap))
            if gap < 0
            else t("explain.behind", points=format_points(gap))
        )
        rule = t(f"explain.rule.{light}", yellow_from=yellow_from, red_above=red_above)
        expected = format_pct(row.get("expected_completion"))
        parts.append(t("explain.expected", expected=expected, side=side, rule=rule))
    if not row.get("is_final") and not is_missing(row.get("projected")):
        parts.append(
            t(
                "explain.projection",
                window=PROJECTION_WINDOW,
                end=end_period,
                projected=v(row["projected"]),
                low=v(row["projected_low"]),
                high=v(row["projected_high"]),
                # Mid-sentence: "on track", not "On track" (Chinese has no case).
                trend=i18n.trend_name(row["trend_label"], lang).lower(),
            )
        )
        need = row.get("required_per_quarter")
        if not is_missing(need) and need > 0:
            parts.append(t("explain.need", need=v(need)))
        else:
            parts.append(t("format.full_stop"))
    if row.get("semantics") != progress.NEW_SINCE_BASE and not is_missing(row.get("baseline")):
        key = "explain.baseline_assumed" if row.get("baseline_assumed") else "explain.baseline"
        parts.append(t(key, baseline=v(row["baseline"]), base=base_period))
    if row.get("is_demo"):
        parts.append(t("explain.demo"))
    return "".join(parts).strip()


def margin_text(row: Mapping[str, Any], lang: str) -> str:
    """Final assessment: '差 600 座' / '超出 80 家' / '恰好达标'; '' before the end or no data."""
    margin = row.get("final_margin")
    if not row.get("is_final") or is_missing(margin):
        return ""
    if abs(margin) <= 1e-9 * max(1.0, abs(row["target"])):
        return i18n.t("cockpit.margin_exact", lang)
    key = "cockpit.margin_over" if margin > 0 else "cockpit.margin_short"
    return i18n.t(key, lang, value=format_value(abs(margin), row, lang))


def change_text(row: Mapping[str, Any], lang: str) -> str:
    """Change of the actual on the previous quarter, signed, in display units; '' if unknown."""
    actual, previous = row.get("actual"), row.get("previous_actual")
    if is_missing(actual) or is_missing(previous):
        return ""
    return i18n.t(
        "cockpit.change", lang, change=format_value(actual - previous, row, lang, signed=True)
    )

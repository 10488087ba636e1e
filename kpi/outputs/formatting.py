"""Numbers and labels as a reader sees them: values in display units, percentages, badges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing

# Streamlit markdown colours for the badges.
LIGHT_BADGE_COLORS = {
    "achieved": "blue",
    "green": "green",
    "yellow": "orange",
    "red": "red",
    "grey": "gray",
}
LIGHT_ICONS = {"achieved": "✔", "green": "●", "yellow": "▲", "red": "■", "grey": "○"}


def _counts_in_wan(lang: str) -> bool:
    """Does `lang` group digits by 万 (10 000)? Chinese does, English does not.

    A rule of the language, not a text, so it lives here rather than in the catalogs: Chinese
    writes 1.74 万座 and puts no thousands separator below 10000 (1080 个); English has no 万,
    so it writes 17,379 sites, always with thousands separators.
    """
    return lang != "en"


def translated_frame(columns: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """A table as shown: catalog key of each column header -> the column's values."""
    return pd.DataFrame({i18n.t(key, lang): list(values) for key, values in columns.items()})


def unit_names(units: pd.DataFrame, lang: str) -> dict[str, str]:
    """Chinese unit name (the key the data uses) -> its name in `lang`, from a frame with
    unit_zh and unit_en columns (responsible units, the warning list, the scorecard)."""
    return dict(zip(units["unit_zh"], units[i18n.column("unit", lang)], strict=True))


def _number(value: float, decimals: int, lang: str) -> str:
    grouped = not _counts_in_wan(lang) or abs(value) >= 10000
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def format_number(value: float | None, row: Mapping[str, Any], lang: str = "zh") -> str:
    """A value in the indicator's display units, without the unit: 17379 座 -> '1.74'.

    万-scaled units get up to 2 decimals, 亿元 one, counts none when whole or from 100 on
    (a projected 945.3 firms shows as 945), else one.
    """
    if is_missing(value):
        return "—"
    factor = float(row.get("display_factor") or 1)
    shown = float(value) / factor
    if factor != 1:
        text = _number(shown, 2, lang)
        return text.rstrip("0").rstrip(".") if "." in text else text
    if row.get("unit") == "亿元":
        return _number(shown, 1, lang)
    if shown == round(shown) or abs(shown) >= 100:
        return _number(shown, 0, lang)
    return _number(shown, 1, lang)


def format_value(
    value: float | None, row: Mapping[str, Any], lang: str = "zh", *, signed: bool = False
) -> str:
    """A value with its display unit: '1.74 万座', '80.0 亿元', '1080 个'; '—' when missing."""
    if is_missing(value):
        return "—"
    factor = float(row.get("display_factor") or 1)
    display = True
    if factor != 1 and (not _counts_in_wan(lang) or 0 < abs(value) < factor / 10):
        # English shows 17,379 sites, not 1.74 10k sites. And 900 座 reads better than
        # 0.09 万座: small amounts use the canonical unit.
        row, display = {**row, "display_factor": 1}, False
    text = format_number(abs(value) if signed else value, row, lang)
    if signed:
        text = ("+" if value >= 0 else "−") + text
    return f"{text} {i18n.unit(row, lang, display=display)}".strip()


def format_pct(value: float | None) -> str:
    """A percentage with one decimal: 46.0%."""
    return "—" if is_missing(value) else f"{value:.1f}%"


def format_points(value: float | None) -> str:
    """Percentage points with one decimal: 4.0."""
    return "—" if is_missing(value) else f"{value:.1f}"


def chart_scale(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """factor and unit for chart axes: 万座 in Chinese, the canonical unit (sites) in English."""
    factor = float(row.get("display_factor") or 1)
    if factor != 1 and not _counts_in_wan(lang):
        return {"factor": 1.0, "unit": i18n.unit(row, lang, display=False)}
    return {"factor": factor, "unit": i18n.unit(row, lang)}


def light_badge_markdown(light: str, lang: str) -> str:
    """':red-badge[■ 红灯]' and the like, for st.markdown."""
    color = LIGHT_BADGE_COLORS.get(light, "gray")
    return f":{color}-badge[{LIGHT_ICONS.get(light, '')} {i18n.light_name(light, lang)}]"


def pair_text(actual: float | None, target: float, row: Mapping[str, Any], lang: str) -> str:
    """'1080 / 1000 个': actual over target, the unit written once when both share it."""
    left, right = format_value(actual, row, lang), format_value(target, row, lang)
    unit = right.split(" ", 1)[1] if " " in right else ""
    if unit and left.endswith(f" {unit}"):
        left = left[: -len(unit) - 1]
    return f"{left} / {right}"


EDITED_MARK = " ✎"  # after a target or milestone value that an admin edit replaced


def is_edited(row: Mapping[str, Any]) -> bool:
    """True when an admin edit is in force on a target or milestone row (kpi.store.target_edits)."""
    return not is_missing(row.get("edited_value"))


def edit_text(row: Mapping[str, Any], meta: Mapping[str, Any], lang: str) -> str:
    """'管理员 admin 于 2026-11-23 调整：1.8 万座 → 1.86 万座。原因：…'; '' when not edited."""
    if not is_edited(row):
        return ""
    when = row.get("edited_at")
    return i18n.t(
        "targets.edit_text",
        lang,
        user=row.get("edited_by") or "",
        date="" if when is None or pd.isna(when) else pd.Timestamp(when).strftime("%Y-%m-%d"),
        old=format_value(row.get("source_value"), meta, lang),
        new=format_value(row["edited_value"], meta, lang),
        reason=row.get("edit_reason") or "",
    )


def doc_label(row: Mapping[str, Any], lang: str) -> str:
    doc = row.get("doc_no")
    if isinstance(doc, str) and doc:
        return doc
    return i18n.name(row, lang, "source_title")[:24]


def check_mark(flag: Any) -> str:
    """'✔' for a true flag, '' for false or missing."""
    return "" if is_missing(flag) or not bool(flag) else "✔"

"""Numbers and labels as a reader sees them: values in display units, percentages, badges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing

# The English unit of 亿元 (100 million yuan) in the reference data. English writes such amounts
# in billions: CNY 8.00 billion, not 80.0 CNY 100m.
HUNDRED_MILLION_YUAN_EN = "CNY 100m"
# English nouns whose singular is not the plural less its -s (or -ies -> -y).
_IRREGULAR_SINGULARS = {"people": "person", "staff": "staff", "series": "series"}


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


def _in_billions(row: Mapping[str, Any], lang: str) -> bool:
    """Is this an amount of 亿元 shown in English, hence in billions of yuan?"""
    return lang == "en" and row.get("unit_en") == HUNDRED_MILLION_YUAN_EN


def singular_en(unit: str) -> str:
    """The singular of an English unit (its last word): 'factories' -> 'factory', 'people' ->
    'person', '10k sites' -> '10k site'.

    A rule of the language, like _counts_in_wan: the reference data writes units in the plural,
    English takes the singular after exactly 1 (CLDR's "one": 1 without decimals).
    """
    head, space, word = unit.rpartition(" ")
    if word in _IRREGULAR_SINGULARS:
        word = _IRREGULAR_SINGULARS[word]
    elif word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return f"{head}{space}{word}"


def _with_unit(text: str, row: Mapping[str, Any], lang: str, *, display: bool) -> str:
    """A formatted number (sign included) with its unit, in the singular after a bare 1."""
    if _in_billions(row, lang):
        sign = text[0] if text[:1] in ("+", "−") else ""
        return sign + i18n.t("completion.yuan_billions", lang, value=text.removeprefix(sign))
    unit = i18n.unit(row, lang, display=display)
    if lang == "en" and text.lstrip("+−") == "1":
        unit = singular_en(unit)
    return f"{text} {unit}".strip()


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
    if _in_billions(row, lang):
        return _number(float(value) / 10, 2, lang)
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
    return _with_unit(text, row, lang, display=display)


def format_pct(value: float | None) -> str:
    """A percentage with one decimal: 46.0%."""
    return "—" if is_missing(value) else f"{value:.1f}%"


def format_points(value: float | None) -> str:
    """Percentage points with one decimal: 4.0."""
    return "—" if is_missing(value) else f"{value:.1f}"


def _amount(value: float, decimals: int, row: Mapping[str, Any], lang: str) -> str:
    """A value in the canonical unit (billions of yuan in English) with `decimals` decimals."""
    return _number(value / 10 if _in_billions(row, lang) else value, decimals, lang)


def _dividing(
    done: float, needed: float, pct: float, row: Mapping[str, Any], lang: str
) -> tuple[str, str, int]:
    """done and needed as texts (needed with its unit) that divide to `pct` as shown, and the
    decimals used.

    Canonical units (8253 座, not 0.83 万座: rounding to 万 would change the quotient), with
    the fewest decimals whose quotient rounds to the same tenth of a percent.
    """
    scale = 10 if _in_billions(row, lang) else 1
    whole = done == round(done) and needed == round(needed)
    start = 2 if scale != 1 else 0 if whole else 1
    shown = format_pct(pct)
    # Numbers that do not make `pct` at all (a hand-made row) keep their natural decimals.
    decimals = next(
        (
            d
            for d in range(start, start + 4)
            if round(needed / scale, d)
            and format_pct(round(done / scale, d) / round(needed / scale, d) * 100) == shown
        ),
        start,
    )
    done_text = _amount(done, decimals, row, lang)
    needed_text = _with_unit(_amount(needed, decimals, row, lang), row, lang, display=False)
    return done_text, needed_text, decimals


def completion_text(
    status: Mapping[str, Any],
    lang: str,
    unit_row: Mapping[str, Any] | None = None,
    *,
    with_pair: bool = False,
) -> str:
    """The completion and what it is made of, so that the numbers shown divide to it.

    Against a baseline: '25.1%（新增 141 / 应新增 562 名，基期 438 名）' (actual 579 of 1000 is
    (579 - 438) / (1000 - 438)). From zero: '60.0%（3 / 5 个）', the pair only `with_pair` (a
    card shows it already). `unit_row` holds the unit when `status` does not (sector rows).
    """
    pct = status.get("completion")
    if is_missing(pct):
        return "—"
    text = format_pct(pct)
    row = {**unit_row, **status} if unit_row is not None else status
    actual, target, baseline = status.get("actual"), status.get("target"), status.get("baseline")
    if any(is_missing(x) for x in (actual, target, baseline)) or target == baseline:
        return text
    if baseline == 0:
        if not with_pair:
            return text
        done, needed, _ = _dividing(actual, target, pct, row, lang)
        parts = f"{done} / {needed}"
    else:
        done, needed, decimals = _dividing(actual - baseline, target - baseline, pct, row, lang)
        base = _with_unit(_amount(baseline, decimals, row, lang), row, lang, display=False)
        parts = i18n.t("completion.parts", lang, done=done, needed=needed, baseline=base)
    return i18n.t("format.with_note", lang, text=text, note=parts)


def chart_scale(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """factor and unit for chart axes: 万座 in Chinese, the canonical unit (sites) in English."""
    factor = float(row.get("display_factor") or 1)
    if factor != 1 and not _counts_in_wan(lang):
        return {"factor": 1.0, "unit": i18n.unit(row, lang, display=False)}
    return {"factor": factor, "unit": i18n.unit(row, lang)}


def pair_text(actual: float | None, target: float, row: Mapping[str, Any], lang: str) -> str:
    """'1080 / 1000 个': actual over target, the unit written once when both share it."""
    left, right = format_value(actual, row, lang), format_value(target, row, lang)
    unit = right.split(" ", 1)[1] if " " in right else ""
    # '1 / 2 sub-platforms': the actual's unit may be the singular of the target's.
    for shown in (unit, singular_en(unit)) if unit else ():
        if left.endswith(f" {shown}"):
            return f"{left[: -len(shown) - 1]} / {right}"
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

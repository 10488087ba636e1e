"""Pure frame shaping and text for the pages: formatting, cards, explanations, source checks.

No streamlit here: every function takes frames or rows and a language and returns data or text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi import i18n, periods, progress
from kpi.assessment import PlanData, indicator_input

LIGHT_ORDER = ("achieved", "green", "yellow", "red", "grey")
# Streamlit markdown colours for the badges.
LIGHT_BADGE_COLORS = {
    "achieved": "blue",
    "green": "green",
    "yellow": "orange",
    "red": "red",
    "grey": "gray",
}
LIGHT_ICONS = {"achieved": "✔", "green": "●", "yellow": "▲", "red": "■", "grey": "○"}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: float, decimals: int, lang: str) -> str:
    # Thousands separators: always in English; in Chinese only from 10000 on (1080 个).
    grouped = lang == "en" or abs(value) >= 10000
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def format_number(value: float | None, row: Mapping[str, Any], lang: str = "zh") -> str:
    """A value in the indicator's display units, without the unit: 17379 座 -> '1.74'.

    万-scaled units get up to 2 decimals, 亿元 one, counts none when whole or from 100 on
    (a projected 945.3 firms shows as 945), else one.
    """
    if _is_missing(value):
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
    if _is_missing(value):
        return "—"
    factor = float(row.get("display_factor") or 1)
    display = True
    if factor != 1 and (lang == "en" or 0 < abs(value) < factor / 10):
        # 万 is a Chinese way of grouping digits: English shows 17,379 sites, not 1.74 10k
        # sites. And 900 座 reads better than 0.09 万座: small amounts use the canonical unit.
        row, display = {**row, "display_factor": 1}, False
    text = format_number(abs(value) if signed else value, row, lang)
    if signed:
        text = ("+" if value >= 0 else "−") + text
    return f"{text} {i18n.unit(row, lang, display=display)}".strip()


def format_pct(value: float | None) -> str:
    """A percentage with one decimal: 46.0%."""
    return "—" if _is_missing(value) else f"{value:.1f}%"


def format_points(value: float | None) -> str:
    """Percentage points with one decimal: 4.0."""
    return "—" if _is_missing(value) else f"{value:.1f}"


def chart_scale(row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """factor and unit for chart axes: 万座 in Chinese, the canonical unit (sites) in English."""
    factor = float(row.get("display_factor") or 1)
    if lang == "en" and factor != 1:
        return {"factor": 1.0, "unit": i18n.unit(row, lang, display=False)}
    return {"factor": factor, "unit": i18n.unit(row, lang)}


def light_badge_markdown(light: str, lang: str) -> str:
    """':red-badge[■ 红灯]' and the like, for st.markdown."""
    color = LIGHT_BADGE_COLORS.get(light, "gray")
    return f":{color}-badge[{LIGHT_ICONS.get(light, '')} {i18n.light_name(light, lang)}]"


# ------------------------------------------------------------------ measures


def light_counts(status: pd.DataFrame) -> dict[str, int]:
    """Number of indicators per light, in LIGHT_ORDER (zeros included)."""
    counts = status["light"].value_counts()
    return {light: int(counts.get(light, 0)) for light in LIGHT_ORDER}


def most_behind(status: pd.DataFrame) -> str:
    """The indicator to open first: the furthest behind among the worst light."""
    rank = status["light"].map({"red": 0, "yellow": 1, "green": 2, "grey": 3, "achieved": 4})
    ordered = status.assign(rank=rank, behind=status["gap_points"].fillna(-1e9))
    ordered = ordered.sort_values(["rank", "behind", "sort_order"], ascending=[True, False, True])
    return str(ordered["indicator_code"].iloc[0])


def _city(figures: pd.DataFrame) -> pd.DataFrame:
    return figures[figures["sector_code"].isna() & figures["district_code"].isna()]


def measure_frame(data: PlanData, code: str, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quarterly actual (period, value, is_demo) of one indicator, city-wide by default."""
    rows = _city(data.figures) if figures is None else figures
    rows = rows[rows["indicator_code"] == code]
    semantics = data.indicators.loc[data.indicators["indicator_code"] == code, "semantics"].iloc[0]
    series = progress.measure_series(
        semantics,
        dict(zip(rows["period"], rows["value"].astype(float), strict=True)),
        data.plan["base_period"],
    )
    demo = dict(zip(rows["period"], rows["is_demo"].astype(bool), strict=True))
    return pd.DataFrame(
        {
            "period": list(series),
            "value": list(series.values()),
            "is_demo": [demo.get(p, False) for p in series],
        },
        columns=["period", "value", "is_demo"],
    )


def measure_frames(data: PlanData) -> dict[str, pd.DataFrame]:
    """measure_frame of every indicator, city-wide, grouped in one pass (for the sparklines)."""
    groups = dict(tuple(_city(data.figures).groupby("indicator_code")))
    return {
        code: measure_frame(data, code, groups[code])
        if code in groups
        else measure_frame(data, code, data.figures.iloc[0:0])
        for code in data.indicators["indicator_code"]
    }


# ------------------------------------------------------------------ cockpit


def _source_text(row: Mapping[str, Any], latest: Mapping[tuple, tuple], lang: str) -> str:
    """'数据期 2025Q4 · 演示数据' or '数据期 2025Q4 · 批次 7 q3.xlsx'; `latest` maps (code, period)
    to (is_demo, batch_id, file_name) of the city-wide figure."""
    if _is_missing(row.get("data_period")) or not row.get("data_period"):
        return i18n.t("common.no_data", lang)
    period = i18n.t("common.period", lang, period=row["data_period"])
    found = latest.get((row["indicator_code"], row["data_period"]))
    if found is None:
        return period
    is_demo, batch, file_name = (tuple(found) + (None,))[:3]
    if is_demo:
        return f"{period} · {i18n.t('demo.short', lang)}"
    if batch is None or batch is pd.NA or _is_missing(batch):
        return period
    text = f"{period} · {i18n.t('common.batch', lang, batch=int(batch))}"
    if isinstance(file_name, str) and file_name:
        # Only the name as uploaded, without folders, cut to keep the card on one line.
        name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
        text += f" {name if len(name) <= 28 else name[:27] + '…'}"
    return text


def margin_text(row: Mapping[str, Any], lang: str) -> str:
    """Final assessment: '差 600 座' / '超出 80 家' / '恰好达标'; '' before the end or no data."""
    margin = row.get("final_margin")
    if not row.get("is_final") or _is_missing(margin):
        return ""
    if abs(margin) <= 1e-9 * max(1.0, abs(row["target"])):
        return i18n.t("cockpit.margin_exact", lang)
    key = "cockpit.margin_over" if margin > 0 else "cockpit.margin_short"
    return i18n.t(key, lang, value=format_value(abs(margin), row, lang))


def change_text(row: Mapping[str, Any], lang: str) -> str:
    """Change of the actual on the previous quarter, signed, in display units; '' if unknown."""
    actual, previous = row.get("actual"), row.get("previous_actual")
    if _is_missing(actual) or _is_missing(previous):
        return ""
    return i18n.t(
        "cockpit.change", lang, change=format_value(actual - previous, row, lang, signed=True)
    )


def pair_text(actual: float | None, target: float, row: Mapping[str, Any], lang: str) -> str:
    """'1080 / 1000 个': actual over target, the unit written once when both share it."""
    left, right = format_value(actual, row, lang), format_value(target, row, lang)
    unit = right.split(" ", 1)[1] if " " in right else ""
    if unit and left.endswith(f" {unit}"):
        left = left[: -len(unit) - 1]
    return f"{left} / {right}"


def cockpit_cards(status: pd.DataFrame, data: PlanData, lang: str) -> pd.DataFrame:
    """One card per indicator in display order: the texts the cockpit shows."""
    city = _city(data.figures)
    # queries.status_figures (PlanData.figures) carries the batch id and the file name.
    batches = city["batch_id"] if "batch_id" in city else [None] * len(city)
    files = city["file_name"] if "file_name" in city else [None] * len(city)
    latest = {
        (code, period): (bool(demo), batch, file_name)
        for code, period, demo, batch, file_name in zip(
            city["indicator_code"], city["period"], city["is_demo"], batches, files, strict=True
        )
    }
    # Indicators whose city-wide default target is an admin edit (kpi.admin), flagged on the card.
    defaults = data.targets[data.targets["sector_code"].isna() & data.targets["is_default"]]
    edited = {r["indicator_code"] for r in defaults.to_dict("records") if is_edited(r)}
    cards = []
    for row in status.sort_values("sort_order").to_dict("records"):
        cards.append(
            {
                "indicator_code": row["indicator_code"],
                "category": i18n.name(row, lang, "category"),
                "name": i18n.name(row, lang),
                "light": row["light"],
                "badge": light_badge_markdown(row["light"], lang),
                # "达标 已达标" would say it twice.
                "trend": ""
                if row["light"] == "achieved"
                else i18n.trend_name(row["trend_label"], lang),
                "actual_vs_target": pair_text(row["actual"], row["target"], row, lang),
                "completion": i18n.t(
                    "cockpit.completion", lang, done=format_pct(row["completion"])
                ),
                "expected": i18n.t(
                    "cockpit.expected", lang, expected=format_pct(row["expected_completion"])
                ),
                "progress": (
                    0.0
                    if _is_missing(row["completion"])
                    else min(max(float(row["completion"]) / 100.0, 0.0), 1.0)
                ),
                "change": change_text(row, lang),
                "source": _source_text(row, latest, lang),
                "target_note": i18n.t("targets.edited_mark", lang)
                if row["indicator_code"] in edited
                else "",
                "margin": margin_text(row, lang),
                "is_demo": bool(row.get("is_demo")),
            }
        )
    return pd.DataFrame(cards)


def _unit_names(units: Any, unit_en: Mapping[str, str], lang: str) -> list[str]:
    if units is None or (isinstance(units, float) and math.isnan(units)):
        return []
    names = [str(u) for u in list(units)]
    return [unit_en.get(u, u) for u in names] if lang == "en" else names


def linked_tasks(
    indicator_tasks: pd.DataFrame,
    tasks: pd.DataFrame,
    code: str,
    responsible_units: pd.DataFrame,
    lang: str,
    latest_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sub-tasks linked to one indicator: group, task text, units, status and the link's note."""
    unit_en = dict(zip(responsible_units["unit_zh"], responsible_units["unit_en"], strict=True))
    links = indicator_tasks[indicator_tasks["indicator_code"] == code]
    merged = links.merge(tasks, on=["group_no", "subtask_no"], how="left")
    if latest_status is not None and not latest_status.empty:
        merged = merged.merge(
            latest_status[["group_no", "subtask_no", "status", "last_period"]],
            on=["group_no", "subtask_no"],
            how="left",
        )
    else:
        merged["status"] = None
    rows = []
    for r in merged.to_dict("records"):
        text = i18n.name(r, lang, "text")
        rows.append(
            {
                i18n.t("col.task", lang): f"{r['group_no']}({r['subtask_no']}) {text}",
                i18n.t("col.group", lang): i18n.name(r, lang, "group_name"),
                i18n.t("col.units", lang): "、".join(_unit_names(r.get("units"), unit_en, lang))
                if lang == "zh"
                else "; ".join(_unit_names(r.get("units"), unit_en, lang)),
                i18n.t("col.status", lang): i18n.task_status_name(
                    r.get("status") if isinstance(r.get("status"), str) else None, lang
                ),
                i18n.t("col.link_note", lang): r.get("note") or "",
            }
        )
    return pd.DataFrame(rows)


MAX_UNITS_SHOWN = 4


def laggards(
    status: pd.DataFrame,
    indicator_tasks: pd.DataFrame,
    tasks: pd.DataFrame,
    responsible_units: pd.DataFrame,
    lang: str,
    max_units: int = MAX_UNITS_SHOWN,
) -> pd.DataFrame:
    """Red and yellow indicators, red first and most behind first, with their linked units."""
    unit_en = dict(zip(responsible_units["unit_zh"], responsible_units["unit_en"], strict=True))
    behind = status[status["light"].isin(["red", "yellow"])].copy()
    behind["rank"] = behind["light"].map({"red": 0, "yellow": 1})
    behind = behind.sort_values(["rank", "gap_points"], ascending=[True, False])
    links = indicator_tasks.merge(tasks, on=["group_no", "subtask_no"], how="left")
    rows = []
    for row in behind.to_dict("records"):
        linked = links[links["indicator_code"] == row["indicator_code"]]
        units: list[str] = []
        for value in linked["units"]:
            for u in _unit_names(value, unit_en, lang):
                if u not in units:
                    units.append(u)
        task_ids = [
            f"{g}({s})" for g, s in zip(linked["group_no"], linked["subtask_no"], strict=True)
        ]
        sep = "、" if lang == "zh" else "; "
        units_text = sep.join(units[:max_units])
        if len(units) > max_units:
            units_text += i18n.t("cockpit.more_units", lang, n=len(units))
        rows.append(
            {
                i18n.t("col.light", lang): i18n.light_name(row["light"], lang),
                i18n.t("col.indicator", lang): i18n.name(row, lang),
                i18n.t("col.completion", lang): format_pct(row["completion"]),
                i18n.t("col.gap", lang): format_points(row["gap_points"]),
                i18n.t("col.units", lang): units_text or i18n.t("cockpit.no_units", lang),
                i18n.t("col.tasks", lang): ", ".join(task_ids),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ indicator detail

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
    zh = lang != "en"

    def v(x: float | None) -> str:
        return format_value(x, row, lang)

    light = row["light"]
    if light == "grey" or _is_missing(row.get("actual")):
        return (
            f"截至{as_of}尚无该指标的数据，故为“无数据”。"
            if zh
            else f"There are no figures for this indicator up to {as_of}, hence “no data”."
        )
    parts = []
    period = row.get("data_period")
    data_note = "" if period == as_of else (f"（数据期 {period}）" if zh else f" (data {period})")
    if zh:
        parts.append(
            f"截至{as_of}，实际 {v(row['actual'])}{data_note}，"
            f"完成目标（{v(row['target'])}）的 {format_pct(row['completion'])}；"
        )
    else:
        parts.append(
            f"As of {as_of} the actual is {v(row['actual'])}{data_note}, "
            f"{format_pct(row['completion'])} of the target {v(row['target'])}; "
        )
    gap = row.get("gap_points")
    expected = format_pct(row.get("expected_completion"))
    if light == "achieved":
        parts.append("已达到目标，故为达标。" if zh else "the target is reached, hence achieved.")
    else:
        if zh:
            if gap < 0:
                side = f"超前 {format_points(-gap)} 个百分点"
            else:
                side = f"落后 {format_points(gap)} 个百分点"
            rule = {
                "green": f"（<{yellow_from:g}），故为绿灯",
                "yellow": f"（在 {yellow_from:g}–{red_above:g} 之间），故为黄灯",
                "red": f"（>{red_above:g}），故为红灯",
            }[light]
            parts.append(f"按序时进度应完成 {expected}，{side}{rule}。")
        else:
            side = (
                f"{format_points(-gap)} points ahead"
                if gap < 0
                else f"{format_points(gap)} points behind"
            )
            rule = {
                "green": f" (< {yellow_from:g}), hence green",
                "yellow": f" (between {yellow_from:g} and {red_above:g}), hence yellow",
                "red": f" (> {red_above:g}), hence red",
            }[light]
            parts.append(f"the expected path asks for {expected}: {side}{rule}. ")
    if row.get("is_final"):
        margin = margin_text(row, lang)
        parts.append(
            f"规划期已结束（{end_period}），此为最终评估：{margin}。"
            if zh
            else f"The plan period ended in {end_period}; this is the final assessment: {margin}."
        )
    elif not _is_missing(row.get("projected")):
        band = f"{v(row['projected_low'])}–{v(row['projected_high'])}"
        trend = i18n.trend_name(row["trend_label"], lang)
        if zh:
            parts.append(
                f"按近{PROJECTION_WINDOW}个季度趋势预计{end_period}达到 {v(row['projected'])}"
                f"（区间 {band}），{trend}"
            )
        else:
            parts.append(
                f"The trend of the last {PROJECTION_WINDOW} quarters projects "
                f"{v(row['projected'])} by {end_period} (band {band}): {trend.lower()}"
            )
        need = row.get("required_per_quarter")
        if not _is_missing(need) and need > 0:
            parts.append(
                f"；要按期达标，仍需每季度新增 {v(need)}。"
                if zh
                else f"; reaching the target in time needs {v(need)} more per quarter."
            )
        else:
            parts.append("。" if zh else ".")
    if row.get("semantics") != progress.NEW_SINCE_BASE and not _is_missing(row.get("baseline")):
        if row.get("baseline_assumed"):
            parts.append(
                f" 基数为首个数据（假定）：{v(row['baseline'])}，因为缺少 {base_period} 的数据。"
                if zh
                else f" The baseline is the first figure (assumed), {v(row['baseline'])}, "
                f"as {base_period} is missing."
            )
        else:
            parts.append(
                f" 基数（{base_period}）：{v(row['baseline'])}。"
                if zh
                else f" Baseline ({base_period}): {v(row['baseline'])}."
            )
    if row.get("is_demo"):
        parts.append(" ⚠ 以上为演示数据。" if zh else " ⚠ These are demo figures.")
    return "".join(parts).strip()


def _doc(row: Mapping[str, Any], lang: str) -> str:
    doc = row.get("doc_no")
    if isinstance(doc, str) and doc:
        return doc
    return i18n.name(row, lang, "source_title")[:24]


def target_lines(targets: pd.DataFrame, code: str, row: Mapping[str, Any], lang: str):
    """City-wide target rows of one indicator for the chart: period, value, label, is_default."""
    rows = targets[(targets["indicator_code"] == code) & targets["sector_code"].isna()]
    docs = [_doc(r, lang) for r in rows.to_dict("records")]
    out = []
    for r, doc in zip(rows.to_dict("records"), docs, strict=True):
        # Several rows from the same document are told apart by their clause.
        where = f"{doc} {r['source_ref']}" if docs.count(doc) > 1 else doc
        year = periods.year_of(r["period"])
        label = f"{i18n.t('chart.target', lang, year=year)} {format_value(r['value'], row, lang)}"
        if is_edited(r):
            label += f" ({i18n.t('targets.edited_mark', lang)})"
        out.append(
            {
                "period": r["period"],
                "value": float(r["value"]),
                "label": f"{label} · {where}",
                "is_default": bool(r["is_default"]),
            }
        )
    return pd.DataFrame(out, columns=["period", "value", "label", "is_default"])


def milestone_points(milestones: pd.DataFrame, code: str, row: Mapping[str, Any], lang: str):
    """City-wide milestones of one indicator: period, value, label (value · document)."""
    rows = milestones[(milestones["indicator_code"] == code) & milestones["sector_code"].isna()]
    return pd.DataFrame(
        [
            {
                "period": r["period"],
                "value": float(r["value"]),
                "label": f"{format_value(r['value'], row, lang)} · {_doc(r, lang)}"
                + (f" ({i18n.t('targets.edited_mark', lang)})" if is_edited(r) else ""),
            }
            for r in rows.to_dict("records")
        ],
        columns=["period", "value", "label"],
    )


def chart_inputs(data: PlanData, row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Keyword arguments for charts.indicator_chart for one status row."""
    code = row["indicator_code"]
    expected = pd.DataFrame(columns=["period", "value"])
    if not _is_missing(row.get("baseline")):
        series = _city(data.figures)
        series = series[series["indicator_code"] == code]
        ind = indicator_input(data, code, series, float(row["target"]))
        expected = pd.DataFrame(
            progress.expected_path(ind, float(row["baseline"])), columns=["period", "value"]
        )
    projection = None
    if not _is_missing(row.get("projected")) and not row.get("is_final"):
        projection = {
            "from_period": row["data_period"],
            "from_value": row["actual"],
            "period": data.plan["end_period"],
            "value": row["projected"],
            "low": row["projected_low"],
            "high": row["projected_high"],
        }
    return {
        "measure": measure_frame(data, code),
        "expected": expected,
        "milestones": milestone_points(data.milestones, code, row, lang),
        "targets": target_lines(data.targets, code, row, lang),
        "projection": projection,
        **chart_scale(row, lang),
        "lang": lang,
    }


def breakdown(
    data: PlanData,
    code: str,
    by: str,
    names: pd.DataFrame,
    lang: str,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The actual per sector or district (`by` = 'sector_code' / 'district_code').

    `figures` defaults to data.figures, which has no district rows: pass
    queries.current_figures for districts. Returns label, value (latest measure up to as-of),
    period, target (sector default target).
    """
    other = "district_code" if by == "sector_code" else "sector_code"
    figures = data.figures if figures is None else figures
    rows = figures[
        (figures["indicator_code"] == code) & figures[by].notna() & figures[other].isna()
    ]
    label_of = {r[by]: i18n.name(r, lang) for r in names.to_dict("records")}
    order = {c: i for i, c in enumerate(names[by])}
    out = []
    for key, group in rows.groupby(by):
        measure = measure_frame(data, code, group)
        if measure.empty:
            continue
        target = data.default_target(code, key) if by == "sector_code" else None
        out.append(
            {
                "code": key,
                "label": label_of.get(key, key),
                "value": float(measure["value"].iloc[-1]),
                "period": measure["period"].iloc[-1],
                "target": target,
            }
        )
    frame = pd.DataFrame(out, columns=["code", "label", "value", "period", "target"])
    return frame.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)


def breakdown_table(frame: pd.DataFrame, row: Mapping[str, Any], by: str, lang: str):
    """The breakdown frame with formatted values and translated headers."""
    col = i18n.t("col.sector" if by == "sector_code" else "col.district", lang)
    table = pd.DataFrame(
        {
            col: frame["label"],
            i18n.t("col.period", lang): frame["period"],
            i18n.t("col.actual", lang): [format_value(x, row, lang) for x in frame["value"]],
        }
    )
    if frame["target"].notna().any():
        table[i18n.t("col.target", lang)] = [format_value(x, row, lang) for x in frame["target"]]
        table[i18n.t("col.completion", lang)] = [
            format_pct(a / t * 100) if t else "—"
            for a, t in zip(frame["value"], frame["target"].fillna(0), strict=True)
        ]
    return table


def _check(flag: Any) -> str:
    return "✔" if bool(flag) else ""


def history_table(
    history: pd.DataFrame,
    row: Mapping[str, Any],
    lang: str,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
) -> pd.DataFrame:
    """Every version of an indicator's figures: value, in force, batch, file, who, when."""
    sector = {r["sector_code"]: i18n.name(r, lang) for r in sectors.to_dict("records")}
    district = {r["district_code"]: i18n.name(r, lang) for r in districts.to_dict("records")}

    def text(x: Any) -> str:
        return "" if _is_missing(x) or x is pd.NA else str(x)

    return pd.DataFrame(
        {
            i18n.t("col.period", lang): history["period"],
            i18n.t("col.sector", lang): [sector.get(x, text(x)) for x in history["sector_code"]],
            i18n.t("col.district", lang): [
                district.get(x, text(x)) for x in history["district_code"]
            ],
            i18n.t("col.value", lang): [format_value(x, row, lang) for x in history["value"]],
            i18n.t("col.current", lang): [_check(x) for x in history["is_current"]],
            i18n.t("col.demo", lang): [_check(x) for x in history["is_demo"]],
            i18n.t("col.batch", lang): history["batch_id"],
            i18n.t("col.file", lang): [text(x) for x in history["file_name"]],
            i18n.t("col.user", lang): [text(x) for x in history["user_name"]],
            i18n.t("col.loaded_at", lang): [
                "" if pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d %H:%M")
                for x in history["loaded_at"]
            ],
            i18n.t("col.superseded_by", lang): [text(x) for x in history["superseded_by"]],
        }
    )


def targets_table(
    targets: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    lang: str,
    code: str | None = None,
) -> pd.DataFrame:
    """Target rows (all of them, or one indicator's) with their document and clause."""
    rows = targets if code is None else targets[targets["indicator_code"] == code]
    ind = indicators.set_index("indicator_code")
    sector = {r["sector_code"]: i18n.name(r, lang) for r in sectors.to_dict("records")}
    city = "全市" if lang == "zh" else "City-wide"
    out = []
    for r in rows.to_dict("records"):
        meta = ind.loc[r["indicator_code"]].to_dict()
        out.append(
            {
                i18n.t("col.indicator", lang): i18n.name(meta, lang),
                i18n.t("col.sector", lang): sector.get(r["sector_code"], city)
                if isinstance(r["sector_code"], str)
                else city,
                i18n.t("col.period", lang): r["period"],
                i18n.t("col.target", lang): format_value(r["value"], meta, lang)
                + (EDITED_MARK if is_edited(r) else ""),
                # Dropped below when no row is edited; next to the target so it is seen.
                i18n.t("col.admin_edit", lang): edit_text(r, meta, lang),
                i18n.t("col.comparator", lang): r["comparator"],
                i18n.t("col.as_written", lang): f"{r['value_as_written']} {r['unit_as_written']}",
                i18n.t("col.doc_no", lang): _doc(r, lang),
                i18n.t("col.clause", lang): r["source_ref"],
                i18n.t("col.default", lang): _check(r["is_default"]),
            }
        )
    frame = pd.DataFrame(out)
    if not frame.empty and not frame[i18n.t("col.admin_edit", lang)].astype(bool).any():
        # No admin edit among these rows: the column would be empty.
        frame = frame.drop(columns=[i18n.t("col.admin_edit", lang)])
    if code is not None and not frame.empty:
        frame = frame.drop(columns=[i18n.t("col.indicator", lang)])
    return frame


EDITED_MARK = " ✎"  # after a target or milestone value that an admin edit replaced


def is_edited(row: Mapping[str, Any]) -> bool:
    """True when an admin edit is in force on a target or milestone row (kpi.admin)."""
    return not _is_missing(row.get("edited_value")) and row.get("edited_value") is not pd.NA


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


# ------------------------------------------------------------------ method and sources


def multi_target_indicators(targets: pd.DataFrame) -> list[str]:
    """Indicators with more than one city-wide target row (the sources disagree or repeat)."""
    city = targets[targets["sector_code"].isna()]
    counts = city.groupby("indicator_code").size()
    return sorted(counts[counts > 1].index)


def sector_sum_check(targets: pd.DataFrame) -> pd.DataFrame:
    """Sum of the sector default targets against the city default target, per indicator.

    Returns indicator_code, city_target, sector_sum, n_sectors, difference (sum - city),
    consistent (difference is zero up to float noise).
    """
    defaults = targets[targets["is_default"].astype(bool)]
    sectors = defaults[defaults["sector_code"].notna()]
    city = defaults[defaults["sector_code"].isna()].set_index("indicator_code")["value"]
    rows = []
    for code, group in sectors.groupby("indicator_code"):
        total = float(group["value"].sum())
        city_target = float(city[code]) if code in city.index else float("nan")
        difference = total - city_target
        rows.append(
            {
                "indicator_code": code,
                "city_target": city_target,
                "sector_sum": total,
                "n_sectors": len(group),
                "difference": difference,
                "consistent": abs(difference) <= 1e-9 * max(1.0, abs(city_target)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator_code",
            "city_target",
            "sector_sum",
            "n_sectors",
            "difference",
            "consistent",
        ],
    )


def sector_sum_table(targets: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """sector_sum_check with names, formatted values and translated headers."""
    check = sector_sum_check(targets)
    ind = indicators.set_index("indicator_code")
    out = []
    for r in check.to_dict("records"):
        meta = ind.loc[r["indicator_code"]].to_dict()
        out.append(
            {
                i18n.t("col.indicator", lang): i18n.name(meta, lang),
                i18n.t("col.city_target", lang): format_value(r["city_target"], meta, lang),
                i18n.t("col.sector_sum", lang): format_value(r["sector_sum"], meta, lang),
                i18n.t("col.difference", lang): format_value(
                    r["difference"], meta, lang, signed=True
                ),
                i18n.t("col.consistent", lang): "✔" if r["consistent"] else "✘",
            }
        )
    return pd.DataFrame(out)


def sources_table(
    sources: pd.DataFrame, targets: pd.DataFrame, milestones: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Each source document with how many targets and milestones the plan takes from it."""
    n_targets = targets.groupby("source_id").size()
    n_milestones = milestones.groupby("source_id").size()
    label_targets = "目标数" if lang == "zh" else "Targets"
    label_milestones = "阶段目标数" if lang == "zh" else "Milestones"
    return pd.DataFrame(
        {
            i18n.t("col.doc_no", lang): [
                d if isinstance(d, str) and d else "—" for d in sources["doc_no"]
            ],
            i18n.t("col.title", lang): [
                i18n.name(r, lang, "title") for r in sources.to_dict("records")
            ],
            i18n.t("col.issued_on", lang): [
                "" if pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d")
                for x in sources["issued_on"]
            ],
            label_targets: [int(n_targets.get(s, 0)) for s in sources["source_id"]],
            label_milestones: [int(n_milestones.get(s, 0)) for s in sources["source_id"]],
        }
    )


def milestones_table(milestones: pd.DataFrame, indicators: pd.DataFrame, lang: str):
    """Every milestone with its indicator, value, document and clause."""
    ind = indicators.set_index("indicator_code")
    out = []
    for r in milestones.to_dict("records"):
        meta = ind.loc[r["indicator_code"]].to_dict()
        out.append(
            {
                i18n.t("col.indicator", lang): i18n.name(meta, lang),
                i18n.t("col.period", lang): r["period"],
                i18n.t("col.milestone", lang): format_value(r["value"], meta, lang)
                + (EDITED_MARK if is_edited(r) else ""),
                i18n.t("col.admin_edit", lang): edit_text(r, meta, lang),
                i18n.t("col.doc_no", lang): _doc(r, lang),
                i18n.t("col.clause", lang): r["source_ref"],
            }
        )
    frame = pd.DataFrame(out)
    if not frame.empty and not frame[i18n.t("col.admin_edit", lang)].astype(bool).any():
        frame = frame.drop(columns=[i18n.t("col.admin_edit", lang)])
    return frame


def semantics_table(indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Each measure, how its actual is computed and which indicators use it."""
    sep = "、" if lang == "zh" else "; "
    return pd.DataFrame(
        [
            {
                i18n.t("col.semantics", lang): i18n.semantics_name(s, lang),
                i18n.t("col.rule", lang): i18n.t(f"semantics_desc.{s}", lang),
                i18n.t("col.indicator", lang): sep.join(
                    i18n.name(r, lang)
                    for r in indicators[indicators["semantics"] == s].to_dict("records")
                ),
            }
            for s in progress.SEMANTICS
        ]
    )

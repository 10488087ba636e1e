"""Status as shown: overview cards, the behind list, linked tasks, breakdowns, revisions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.measure import progress
from kpi.measure.assessment import PlanData
from kpi.measure.series import city_rows
from kpi.outputs.explain import change_text, margin_text
from kpi.outputs.formatting import (
    check_mark,
    completion_text,
    format_pct,
    format_points,
    format_value,
    is_edited,
    pair_text,
    unit_names,
)


def _source_text(row: Mapping[str, Any], latest: Mapping[tuple, tuple], lang: str) -> str:
    """'数据期 2025Q4 · 演示数据' or '数据期 2025Q4 · 批次 7 q3.xlsx'; `latest` maps (code, period)
    to (is_demo, batch_id, file_name) of the city-wide figure."""
    if is_missing(row.get("data_period")) or not row.get("data_period"):
        return i18n.t("common.no_data", lang)
    period = i18n.t("common.period", lang, period=row["data_period"])
    found = latest.get((row["indicator_code"], row["data_period"]))
    if found is None:
        return period
    is_demo, batch, file_name = (tuple(found) + (None,))[:3]
    if is_demo:
        return f"{period} · {i18n.t('demo.short', lang)}"
    if batch is None or batch is pd.NA or is_missing(batch):
        return period
    text = f"{period} · {i18n.t('common.batch', lang, batch=int(batch))}"
    if isinstance(file_name, str) and file_name:
        # Only the name as uploaded, without folders, cut to keep the card on one line.
        name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
        text += f" {name if len(name) <= 28 else name[:27] + '…'}"
    return text


def is_final(status: pd.DataFrame) -> bool:
    """Is this the status at the plan's last quarter or later (达标 / 未达标 only)?"""
    return bool(status["is_final"].any()) if "is_final" in status else False


def legend(status: pd.DataFrame, lang: str, *, end: str, yellow: float, red: float) -> str:
    """How the lights are decided: the 序时进度 thresholds, or the final verdict from `end` on."""
    if is_final(status):
        return i18n.t("final.legend", lang, end=end)
    return i18n.t("cockpit.legend", lang, yellow=f"{yellow:g}", red=f"{red:g}")


def behind_title(status: pd.DataFrame, lang: str, *, empty: bool = False) -> str:
    """The behind list's heading, or what to say when it is empty."""
    if empty:
        return i18n.t("final.laggards_none" if is_final(status) else "cockpit.laggards_none", lang)
    return i18n.t("final.laggards" if is_final(status) else "cockpit.laggards", lang)


def behind(status: pd.DataFrame) -> pd.DataFrame:
    """Red, yellow and missed indicators: most serious light first, then most behind."""
    rows = status[status["light"].isin(progress.BEHIND_RANK)].copy()
    rows["rank"] = rows["light"].map(progress.BEHIND_RANK)
    return rows.sort_values(["rank", "gap_points"], ascending=[True, False])


def cockpit_cards(status: pd.DataFrame, data: PlanData, lang: str) -> pd.DataFrame:
    """One card per indicator in display order: the texts the cockpit shows."""
    city = city_rows(data.figures)
    # queries.status_figures (PlanData.figures) carries the batch id and the file name.
    batches = city["batch_id"] if "batch_id" in city else [None] * len(city)
    files = city["file_name"] if "file_name" in city else [None] * len(city)
    latest = {
        (code, period): (bool(demo), batch, file_name)
        for code, period, demo, batch, file_name in zip(
            city["indicator_code"], city["period"], city["is_demo"], batches, files, strict=True
        )
    }
    # Indicators whose city-wide default target is an admin edit, flagged on the card.
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
                # "达标 已达标" would say it twice; after the plan there is no advice to give.
                "trend": ""
                if row["light"] == "achieved" or row["is_final"]
                else i18n.trend_name(row["trend_label"], lang),
                "actual_vs_target": pair_text(row["actual"], row["target"], row, lang),
                "completion": i18n.t("cockpit.completion", lang, done=completion_text(row, lang)),
                # The expected path ends at the target: after the plan there is nothing to pace.
                "expected": ""
                if row["is_final"]
                else i18n.t(
                    "cockpit.expected", lang, expected=format_pct(row["expected_completion"])
                ),
                "progress": (
                    0.0
                    if is_missing(row["completion"])
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


def _shown_units(units: Any, names: Mapping[str, str]) -> list[str]:
    if units is None or (isinstance(units, float) and math.isnan(units)):
        return []
    return [names.get(str(u), str(u)) for u in list(units)]


def linked_tasks(
    indicator_tasks: pd.DataFrame,
    tasks: pd.DataFrame,
    code: str,
    responsible_units: pd.DataFrame,
    lang: str,
    latest_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sub-tasks linked to one indicator: group, task text, units, status and the link's note."""
    names = unit_names(responsible_units, lang)
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
                i18n.t("col.units", lang): i18n.join(_shown_units(r.get("units"), names), lang),
                i18n.t("col.status", lang): i18n.task_status_name(
                    r.get("status") if isinstance(r.get("status"), str) else None, lang
                ),
                i18n.t("col.link_note", lang): r.get("note") or "",
            }
        )
    return pd.DataFrame(rows)


def laggards(
    status: pd.DataFrame,
    indicator_tasks: pd.DataFrame,
    tasks: pd.DataFrame,
    responsible_units: pd.DataFrame,
    lang: str,
    max_units: int | None = None,
) -> pd.DataFrame:
    """Red and yellow indicators (missed ones after the plan), red first and most behind first,
    with every linked unit (or the first `max_units` and a count, for a summary sentence). After
    the plan the gap to the expected path gives way to the margin to the target ('差 621 座')."""
    names = unit_names(responsible_units, lang)
    links = indicator_tasks.merge(tasks, on=["group_no", "subtask_no"], how="left")
    rows = []
    for row in behind(status).to_dict("records"):
        linked = links[links["indicator_code"] == row["indicator_code"]]
        units: list[str] = []
        for value in linked["units"]:
            for u in _shown_units(value, names):
                if u not in units:
                    units.append(u)
        task_ids = [
            f"{g}({s})" for g, s in zip(linked["group_no"], linked["subtask_no"], strict=True)
        ]
        units_text = i18n.join(units[:max_units], lang)
        if max_units is not None and len(units) > max_units:
            units_text += i18n.t("cockpit.more_units", lang, n=len(units))
        rows.append(
            {
                i18n.t("col.light", lang): i18n.light_name(row["light"], lang),
                i18n.t("col.indicator", lang): i18n.name(row, lang),
                i18n.t("col.completion", lang): completion_text(row, lang, with_pair=True),
                **(
                    {i18n.t("final.col.margin", lang): margin_text(row, lang)}
                    if row["is_final"]
                    else {i18n.t("col.gap", lang): format_points(row["gap_points"])}
                ),
                i18n.t("col.units", lang): units_text or i18n.t("cockpit.no_units", lang),
                i18n.t("col.tasks", lang): ", ".join(task_ids),
            }
        )
    return pd.DataFrame(rows)


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
        # Actual over target as shown beside it, not the completion against the baseline.
        table[i18n.t("completion.col.ratio", lang)] = [
            format_pct(a / t * 100) if t else "—"
            for a, t in zip(frame["value"], frame["target"].fillna(0), strict=True)
        ]
    return table


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
        return "" if is_missing(x) or x is pd.NA else str(x)

    return pd.DataFrame(
        {
            i18n.t("col.period", lang): history["period"],
            i18n.t("col.sector", lang): [sector.get(x, text(x)) for x in history["sector_code"]],
            i18n.t("col.district", lang): [
                district.get(x, text(x)) for x in history["district_code"]
            ],
            i18n.t("col.value", lang): [format_value(x, row, lang) for x in history["value"]],
            i18n.t("col.current", lang): [check_mark(x) for x in history["is_current"]],
            i18n.t("col.demo", lang): [check_mark(x) for x in history["is_demo"]],
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

"""Key tasks as shown: the board, unit scorecard, overdue units, sector checks, history."""

from __future__ import annotations

import html

import pandas as pd

from kpi.base import i18n
from kpi.measure.tasks import (
    CROSS_SECTOR,
    DELAYED,
    DONE,
    IN_PROGRESS,
    NO_UPDATE,
    NOT_STARTED,
    SOURCE_REF_SEPARATOR,
)
from kpi.outputs import formatting, palette


def unit_labels(board: pd.DataFrame, lang: str) -> dict[str, str]:
    """Chinese unit name -> its name in `lang`."""
    shown = board[i18n.column("units", lang)].explode()
    pairs = zip(board["units"].explode(), shown, strict=True)
    return {zh: name for zh, name in pairs if isinstance(zh, str)}


def sector_options(sectors: pd.DataFrame, lang: str) -> dict[str, str]:
    """Sector filter options in document order, then the cross-sector groups: code -> label."""
    options = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    options[CROSS_SECTOR] = i18n.t("tasks.cross_sector", lang)
    return options


# Document parts as the source refs in the reference data write them -> their catalog keys.
_DOC_PARTS = {
    "正文": "tables.doc_part.main_text",
    "附件": "tables.doc_part.annex",
    "专栏": "tables.doc_part.box",
    "表": "tables.doc_part.table",
}


def source_ref_text(refs: str, lang: str) -> str:
    """Source refs ('正文 ...；附件1 12(4)') with the document parts named in `lang`."""
    out = []
    for ref in refs.split(SOURCE_REF_SEPARATOR):
        for part, key in _DOC_PARTS.items():
            if ref.startswith(part):
                ref = i18n.t(key, lang) + ref[len(part) :]
                break
        out.append(ref)
    return i18n.t("format.clause_separator", lang).join(out)


def overdue_text(reason: str | None, lang: str) -> str:
    """'⚠ 滞后' / '⚠ 本季未填报' (or English) for an overdue sub-task, '' otherwise."""
    if not reason:
        return ""
    return "⚠ " + i18n.t(f"tasks.overdue.{reason}", lang)


def board_table(board: pd.DataFrame, lang: str, *, with_group: bool = True) -> pd.DataFrame:
    """The board as shown: ref, group, status, overdue, last update, task, units, note, evidence.

    Status and overdue come before the long texts so a narrow screen still shows them.
    """
    groups = zip(board["group_no"], board[i18n.column("group_name", lang)], strict=True)
    columns = {
        "col.task_ref": board["task_ref"],
        "col.group": [f"{g} {name}" for g, name in groups],
        "col.status": [palette.task_label(s, lang) for s in board["status"]],
        "col.overdue": [overdue_text(r, lang) for r in board["overdue_reason"]],
        "col.last_period": board["last_period"].fillna("—"),
        "col.task": board[i18n.column("text", lang)],
        "col.units": [i18n.join(u, lang) for u in board[i18n.column("units", lang)]],
        "col.note": board["note"].fillna(""),
        "col.evidence": board["evidence"].fillna(""),
    }
    if not with_group:
        del columns["col.group"]
    return formatting.translated_frame(columns, lang)


def scorecard_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The unit scorecard with translated headers (rates stay fractions for progress columns)."""
    columns = {
        "col.unit": card[i18n.column("unit", lang)],
        "col.n_subtasks": card["n_subtasks"],
        "col.overdue": card["overdue"],
        "col.overdue_rate": card["overdue_rate"],
        "col.done_rate": card["completion_rate"],
        **{f"task_status.{s}": card[s] for s in (DONE, IN_PROGRESS, DELAYED, NOT_STARTED)},
        f"task_status.{NO_UPDATE}": card[NO_UPDATE],
    }
    return formatting.translated_frame(columns, lang)


SHORT_CELL = 24  # characters: shorter cells share a line in responsible_html
_BEHIND_CSS = "<style>.kpi-behind p{margin:0 0 1rem;line-height:1.6}</style>"


def responsible_html(behind: pd.DataFrame, lang: str) -> str:
    """The behind list (status_tables.laggards) as one paragraph per indicator, for a narrow
    screen: light badge and indicator in bold, then every other column as 'header：value', short
    ones on one line, long ones (every responsible unit, every task) on lines of their own,
    nothing cut. HTML, every text escaped: one element, where Markdown of the same list cost the
    browser about 50 ms a rerun."""
    light_col, name_col = i18n.t("col.light", lang), i18n.t("col.indicator", lang)
    keys = {i18n.light_name(key, lang): key for key in palette.LIGHTS}
    entries = []
    for row in behind.to_dict("records"):
        badge = palette.light_badge_html(keys.get(row.get(light_col, "")), lang)
        lines = [f"{badge} <b>{html.escape(str(row.get(name_col, '')))}</b>"]
        joinable = False  # may the next short cell share the last line?
        for column, value in row.items():
            if column in (light_col, name_col):
                continue
            text = html.escape(i18n.t("units.field", lang, name=column, value=value))
            short = len(str(value)) <= SHORT_CELL
            if short and joinable:
                lines[-1] += " · " + text
            else:
                lines.append(text)
            joinable = short
        entries.append(f"<p>{'<br>'.join(lines)}</p>")
    return f"{_BEHIND_CSS}<div class='kpi-behind'>{''.join(entries)}</div>"


def overdue_units_table(by_unit: pd.DataFrame, lang: str, top: int | None = None) -> pd.DataFrame:
    """`overdue_by_unit` as shown (the first `top` units): unit, overdue count, task refs."""
    shown = by_unit if top is None else by_unit.head(top)
    separator = i18n.t("tables.task_ref_separator", lang)
    columns = {
        "col.unit": shown[i18n.column("unit", lang)],
        "col.overdue": shown["overdue"].astype(int),
        "col.task_ref": [separator.join(refs) for refs in shown["task_refs"]],
    }
    return formatting.translated_frame(columns, lang)


def _check_rows(check: pd.DataFrame, indicators: pd.DataFrame, lang: str, build) -> pd.DataFrame:
    rows = indicators.set_index("indicator_code")
    out = []
    for item in check.to_dict("records"):
        ind = rows.loc[item["indicator_code"]].to_dict()

        def value(v, ind=ind):
            return formatting.format_value(v, ind, lang)

        out.append({"col.indicator": i18n.name(ind, lang), **build(item, value)})
    keys = list(out[0]) if out else ["col.indicator"]
    return pd.DataFrame(
        [[r[k] for k in keys] for r in out], columns=[i18n.t(k, lang) for k in keys]
    )


def sector_target_check_table(
    check: pd.DataFrame, indicators: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Sum of sector targets against the city-wide target, with units, then both sources."""

    def build(item: dict, value) -> dict:
        source = source_ref_text(item["sector_source"], lang)
        return {
            "col.sector_sum": value(item["sector_target_sum"]),
            "col.city_target": value(item["city_target"]),
            "col.difference": value(item["target_difference"]),
            "col.consistent": i18n.t("common.yes" if item["targets_match"] else "common.no", lang),
            "sectors.col.sector_source": i18n.t(
                "sectors.sum_source", lang, source=source, n=item["n_sectors"]
            ),
            "sectors.col.city_source": source_ref_text(item["city_sources"], lang),
        }

    return _check_rows(check, indicators, lang, build)


def sector_actual_check_table(
    check: pd.DataFrame, indicators: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Sum of sector actuals against the city-wide actual, with units."""

    def build(item: dict, value) -> dict:
        return {
            "sectors.col.sector_actual_sum": value(item["sector_actual_sum"]),
            "sectors.col.city_actual": value(item["city_actual"]),
            "sectors.col.actual_difference": value(item["actual_difference"]),
        }

    return _check_rows(check, indicators, lang, build)


def mismatch_messages(check: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per indicator whose sector targets do not add up to the city-wide target."""
    rows = indicators.set_index("indicator_code")
    messages = []
    for item in check[~check["targets_match"].astype(bool)].to_dict("records"):
        ind = rows.loc[item["indicator_code"]].to_dict()
        messages.append(
            i18n.t(
                "sectors.mismatch",
                lang,
                indicator=i18n.name(ind, lang),
                source_sum=i18n.t(
                    "sectors.sum_source",
                    lang,
                    source=source_ref_text(item["sector_source"], lang),
                    n=item["n_sectors"],
                ),
                sum=formatting.format_value(item["sector_target_sum"], ind, lang),
                city=formatting.format_value(item["city_target"], ind, lang),
                source_city=source_ref_text(item["city_sources"], lang),
                diff=formatting.format_value(item["target_difference"], ind, lang),
            )
        )
    return messages


def subtask_label(row: dict, lang: str = "zh") -> str:
    """'1(2) 推动宝钢…' for a picker (text cut to 60 characters)."""
    text = str(row[i18n.column("text", lang)])
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{row['group_no']}({row['subtask_no']}) {text}"


def task_history_table(
    history: pd.DataFrame, lang: str = "zh", unit_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every update of a sub-task as shown: quarter, status, note, evidence, who, unit, when.

    `unit_names` maps a Chinese unit name to its name in `lang` (formatting.unit_names).
    """
    records = history.to_dict("records")
    names = unit_names or {}

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    columns = {
        "col.period": [r["period"] for r in records],
        "col.status": [palette.task_label(r["status"], lang) for r in records],
        "col.note": [text(r["note"]) for r in records],
        "col.evidence": [text(r["evidence"]) for r in records],
        "intake.col.reported_by": [r["user_name"] for r in records],
        "intake.col.reporting_unit": [
            names.get(text(r["unit_zh"]), text(r["unit_zh"])) or "—" for r in records
        ],
        "intake.col.updated_at": [
            pd.Timestamp(r["updated_at"]).strftime("%Y-%m-%d %H:%M") for r in records
        ],
        "col.demo": [i18n.t("common.yes" if r["is_demo"] else "common.no", lang) for r in records],
    }
    return formatting.translated_frame(columns, lang)

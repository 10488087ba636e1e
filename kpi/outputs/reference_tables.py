"""The plan as shown: targets with sources and edits, milestones, measures, documents."""

from __future__ import annotations

import pandas as pd

from kpi.base import i18n
from kpi.measure import progress
from kpi.outputs import formatting
from kpi.outputs.formatting import (
    EDITED_MARK,
    check_mark,
    doc_label,
    edit_text,
    format_value,
    is_edited,
)


def targets_table(
    rows: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    lang: str,
    code: str | None = None,
    *,
    admin: bool = False,
) -> pd.DataFrame:
    """Targets and milestones as shown, each with its document and clause; an admin edit in force
    is marked ✎ and explained beside the value it replaced.

    `rows` are queries.targets rows, queries.milestones rows, or both kinds with a `kind` column
    (target_edits.editable_rows). With `code`, one indicator's rows without the indicator column.
    `admin` (the 目标调整 page) shows the value in force and the cited value side by side and
    always keeps the edit column; elsewhere it is dropped when no row is edited.
    """
    rows = rows if code is None else rows[rows["indicator_code"] == code]
    if "kind" in rows:
        kinds = rows["kind"].tolist()
    else:
        kinds = ["target" if "is_default" in rows else "milestone"] * len(rows)
    ind = indicators.set_index("indicator_code")
    sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    only = set(kinds) or {"target"}
    value_key = (
        "targets.col.in_force"
        if admin or len(only) > 1
        else "col.target"
        if only == {"target"}
        else "col.milestone"
    )
    out = []
    for r, kind in zip(rows.to_dict("records"), kinds, strict=True):
        meta = ind.loc[r["indicator_code"]].to_dict()
        target = kind == "target"
        cells = {
            "targets.col.kind": i18n.t(f"targets.kind.{kind}", lang),
            "col.indicator": i18n.name(meta, lang),
            "col.sector": _place(r.get("sector_code"), sector_names, lang),
            "col.period": r["period"],
            value_key: format_value(r["value"], meta, lang) + (EDITED_MARK if is_edited(r) else ""),
            "targets.col.cited": format_value(r.get("source_value"), meta, lang),
            "col.admin_edit": edit_text(r, meta, lang),
            "col.comparator": (r.get("comparator") or "") if target else "",
            "col.as_written": f"{r['value_as_written']} {r['unit_as_written']}".strip()
            if target
            else "",
            "col.doc_no": doc_label(r, lang),
            "col.clause": r["source_ref"],
            "col.default": check_mark(r.get("is_default")) if target else "",
        }
        out.append(cells)
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    dropped = set()
    if len(only) == 1 and not admin:
        dropped.add("targets.col.kind")
    if code is not None:
        dropped.add("col.indicator")
    if not admin:
        dropped.add("targets.col.cited")
        if not frame["col.admin_edit"].astype(bool).any():
            dropped.add("col.admin_edit")
    if only == {"milestone"}:
        dropped |= {"col.comparator", "col.as_written", "col.default"}
    frame = frame.drop(columns=sorted(dropped))
    return frame.rename(columns=lambda key: i18n.t(key, lang))


def sources_table(
    sources: pd.DataFrame, targets: pd.DataFrame, milestones: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Each source document with how many targets and milestones the plan takes from it."""
    n_targets = targets.groupby("source_id").size()
    n_milestones = milestones.groupby("source_id").size()
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
            i18n.t("tables.col.targets", lang): [
                int(n_targets.get(s, 0)) for s in sources["source_id"]
            ],
            i18n.t("tables.col.milestones", lang): [
                int(n_milestones.get(s, 0)) for s in sources["source_id"]
            ],
        }
    )


def semantics_table(indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Each measure, how its actual is computed and which indicators use it."""
    return pd.DataFrame(
        [
            {
                i18n.t("col.semantics", lang): i18n.semantics_name(s, lang),
                i18n.t("col.rule", lang): i18n.t(f"semantics_desc.{s}", lang),
                i18n.t("col.indicator", lang): i18n.join(
                    [
                        i18n.name(r, lang)
                        for r in indicators[indicators["semantics"] == s].to_dict("records")
                    ],
                    lang,
                ),
            }
            for s in progress.SEMANTICS
        ]
    )


def _place(sector_code, sector_names: dict[str, str], lang: str) -> str:
    if isinstance(sector_code, str) and sector_code:
        return sector_names.get(sector_code, sector_code)
    return i18n.t("targets.city", lang)


def row_label(row: dict, indicator: dict, sector_names: dict[str, str], lang: str) -> str:
    """'目标 · 5G 基站 · 全市 · 2025Q4 · 湛府〔2023〕14号 表1 … · 考核采用' for a picker.

    Only what never changes with an edit (the value is shown under the picker), so the label
    a browser keeps for the chosen option stays true after saving.
    """
    parts = [
        i18n.t(f"targets.kind.{row['kind']}", lang),
        i18n.name(indicator, lang),
        _place(row.get("sector_code"), sector_names, lang),
        row["period"],
        f"{doc_label(row, lang)} {row['source_ref']}",
    ]
    if row["kind"] == "target" and row.get("is_default"):
        parts.append(i18n.t("col.default", lang))
    return " · ".join(parts)


def edit_history_table(
    edits: pd.DataFrame, indicators: pd.DataFrame, sectors: pd.DataFrame, lang: str = "zh"
) -> pd.DataFrame:
    """Every edit, newest first: when, who, which row, old -> new, cited value, reason."""
    ind = indicators.set_index("indicator_code").to_dict("index")
    sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    out = []
    for r in edits.to_dict("records"):
        meta = ind.get(r["indicator_code"], {"name_zh": r["indicator_code"]})
        out.append(
            {
                i18n.t("intake.col.time", lang): pd.Timestamp(r["edited_at"]).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                i18n.t("audit.filter_user", lang): r["user_name"],
                i18n.t("targets.col.kind", lang): i18n.t(f"targets.kind.{r['kind']}", lang),
                i18n.t("col.indicator", lang): i18n.name(meta, lang) or r["indicator_code"],
                i18n.t("col.sector", lang): _place(r.get("sector_code"), sector_names, lang),
                i18n.t("col.period", lang): r["period"],
                i18n.t("intake.col.old", lang): formatting.format_value(r["old_value"], meta, lang),
                i18n.t("intake.col.new", lang): formatting.format_value(r["new_value"], meta, lang),
                i18n.t("targets.col.cited", lang): formatting.format_value(
                    r["source_value"], meta, lang
                ),
                i18n.t("targets.col.reason", lang): r["reason"],
                i18n.t("col.clause", lang): f"{r['source_id']} {r['source_ref']}",
            }
        )
    return pd.DataFrame(out)

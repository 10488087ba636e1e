"""在线填报 as shown: the entry grid, the grid as a file, and the consequence preview."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.outputs import exports, formatting, palette
from kpi.store import basis
from kpi.store.validation import template_header

# The grid's own columns: the editable ones and what identifies a row.
EDITABLE = ("this_quarter", "cumulative", "note")
GRID_COLUMNS = [
    "indicator",
    "breakdown",
    "basis",
    "unit",
    "previous_cumulative",
    "previous_quarter",
    *EDITABLE,
]
ROW_KEY = "row_key"


def row_key(code: str, sector: str | None, district: str | None) -> str:
    """One text naming an indicator and breakdown ('smart_factories|steel|')."""
    return f"{code}|{sector or ''}|{district or ''}"


def breakdown_name(row: Mapping, lang: str) -> str:
    """The sector's or district's name; 全市 / City-wide for a city-wide row."""
    sector, district = _code(row.get("sector_code")), _code(row.get("district_code"))
    kind = "sector" if sector else "district" if district else None
    if kind is None:
        return i18n.t("entry.city_wide", lang)
    return i18n.name(row, lang, kind) or str(row[f"{kind}_code"])


def entry_grid(
    unit_rows: pd.DataFrame, lang: str = "zh", draft: list[dict] | None = None
) -> pd.DataFrame:
    """The grid a clerk fills in: per indicator and breakdown (kpi.outputs.upload_template
    .unit_rows) the name, breakdown, basis, unit and last quarter's values, then the editable
    本期数, 累计数 and 备注 — taken from `draft` where it has the row."""
    saved = {d.get(ROW_KEY): d for d in draft or []}
    records = unit_rows.to_dict("records")
    keys = [
        row_key(r["indicator_code"], _code(r["sector_code"]), _code(r["district_code"]))
        for r in records
    ]
    grid = pd.DataFrame(
        {
            ROW_KEY: keys,
            "indicator": [i18n.name(r, lang) for r in records],
            "breakdown": [breakdown_name(r, lang) for r in records],
            "basis": [basis.basis_text(r["semantics"], lang) for r in records],
            "unit": [i18n.unit(r, lang) for r in records],
            "previous_cumulative": unit_rows["previous_cumulative"].astype(float).tolist(),
            "previous_quarter": unit_rows["previous_quarter"].astype(float).tolist(),
        }
    )
    for column in EDITABLE:
        values = [saved.get(k, {}).get(column) for k in keys]
        if column == "note":
            grid[column] = ["" if is_missing(v) else str(v) for v in values]
        else:
            grid[column] = pd.Series([_number(v) for v in values], dtype=float)
    return grid


def prefill(submitted: pd.DataFrame, unit_rows: pd.DataFrame) -> list[dict]:
    """A returned submission's rows (kpi.store.review.submitted_rows) as grid entries: each
    stored value in its indicator's declared basis column (本期数 or 累计数), in display units, so
    that resubmitting it unchanged stores the same figures."""
    info = unit_rows.drop_duplicates("indicator_code").set_index("indicator_code")
    out = []
    for r in submitted.to_dict("records"):
        code = r["indicator_code"]
        if code not in info.index:
            continue
        column = (
            "this_quarter"
            if basis.declared_basis(info.at[code, "semantics"]) == basis.QUARTER
            else "cumulative"
        )
        value = round(float(r["value"]) / float(info.at[code, "display_factor"]), 9)
        key = row_key(code, _code(r["sector_code"]), _code(r["district_code"]))
        out.append(
            {ROW_KEY: key, "this_quarter": None, "cumulative": None, "note": ""} | {column: value}
        )
    return out


def submitted_keys(submitted: pd.DataFrame) -> list[tuple]:
    """(indicator, sector, district) of each submitted row, None for a missing breakdown."""
    return [
        (r["indicator_code"], _code(r["sector_code"]), _code(r["district_code"]))
        for r in submitted.to_dict("records")
    ]


def _code(value) -> str | None:
    return None if is_missing(value) or value == "" else str(value)


def _number(value) -> float:
    try:
        return float("nan") if is_missing(value) or value == "" else float(value)
    except (TypeError, ValueError):
        return float("nan")


def filled(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid's rows with a 本期数 or a 累计数 (empty rows are skipped, as in a file)."""
    return grid[grid["this_quarter"].notna() | grid["cumulative"].notna()]


def draft_rows(grid: pd.DataFrame) -> list[dict]:
    """What a draft keeps of the grid: the rows with anything typed, by their key."""
    noted = grid.index[grid["note"].fillna("").str.strip() != ""]
    typed = grid.loc[filled(grid).index.union(noted)]
    return [
        {ROW_KEY: r[ROW_KEY], **{c: None if is_missing(r[c]) else r[c] for c in EDITABLE}}
        for r in typed.to_dict("records")
    ]


def number_cell(value) -> str:
    """A number as typed in a file: positional, no float noise, '' when empty."""
    if is_missing(value):
        return ""
    return np.format_float_positional(round(float(value), 9), trim="-")


def grid_csv(grid: pd.DataFrame, unit_rows: pd.DataFrame, period: str) -> bytes:
    """The filled rows of the grid as an upload file with the reader's headers (指标代码, 期间,
    行业, 区县, 本期数, 累计数, 单位, 备注): a grid is checked exactly as a file is."""
    rows = unit_rows.assign(**{ROW_KEY: grid[ROW_KEY].to_numpy()})
    picked = filled(grid).merge(rows, on=ROW_KEY, how="left")
    columns = {
        "indicator_code": picked["indicator_code"],
        "period": period,
        "sector": picked["sector_code"].fillna(""),
        "district": picked["district_code"].fillna(""),
        "this_quarter": picked["this_quarter"].map(number_cell),
        "cumulative": picked["cumulative"].map(number_cell),
        "unit": picked["display_unit"],
        "note": picked["note"].fillna(""),
    }
    frame = pd.DataFrame({template_header(c): v for c, v in columns.items()})
    return exports.to_csv_bytes(frame)


# ------------------------------------------------------------------ the consequence preview


def _entered(row: Mapping, meta: Mapping, lang: str) -> str:
    """'本期数 18 个' / '累计数 37 个' / both: the number as entered, with its basis."""
    entered = row.get("entered_basis")
    if is_missing(entered) or entered == "declared":  # the 数值 column: the declared basis
        entered = basis.declared_basis(meta["semantics"])
    kinds = ("quarter", "cumulative") if entered == "both" else (entered,)
    parts = []
    for kind in kinds:
        value = row.get(f"{kind}_value")
        shown = formatting.format_value(
            _float(row["value"] if is_missing(value) else value), meta, lang
        )
        parts.append(i18n.t(f"preview.entered_{kind}", lang, value=shown))
    return i18n.t("format.clause_separator", lang).join(parts)


def _arrow(before: str, after: str, lang: str) -> str:
    return before if before == after else i18n.t("preview.arrow", lang, before=before, after=after)


def consequence_table(
    frame: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
    lang: str = "zh",
) -> pd.DataFrame:
    """kpi.measure.consequences as shown: per row the value entered and its basis, the
    cumulative, the completion and the light before -> after (a breakdown row: cumulative only)."""
    meta = indicators.set_index("indicator_code").to_dict("index")
    places = _places(sectors, districts, lang)
    records = frame.to_dict("records")

    def values(row: Mapping) -> str:
        m = meta[row["indicator_code"]]
        before = formatting.format_value(_float(row["actual_before"]), m, lang)
        return _arrow(before, formatting.format_value(_float(row["actual_after"]), m, lang), lang)

    def completion(row: Mapping) -> str:
        if row["scope"] == "breakdown":
            return "—"
        before = formatting.format_pct(_float(row["completion_before"]))
        return _arrow(before, formatting.format_pct(_float(row["completion_after"])), lang)

    def light(row: Mapping) -> str:
        if row["scope"] == "breakdown":
            return "—"
        before = palette.light_label(row["light_before"], lang)
        after = palette.light_label(row["light_after"], lang)
        return _arrow(before, after, lang)

    columns = {
        "intake.col.row": [int(r["source_row"]) for r in records],
        "col.indicator": [i18n.name(meta[r["indicator_code"]], lang) for r in records],
        "col.period": [r["period"] for r in records],
        "preview.col.breakdown": [_place(r, places, lang) for r in records],
        "preview.col.entered": [_entered(r, meta[r["indicator_code"]], lang) for r in records],
        "preview.col.basis": [
            basis.basis_text(meta[r["indicator_code"]]["semantics"], lang) for r in records
        ],
        "preview.col.cumulative": [values(r) for r in records],
        "preview.col.completion": [completion(r) for r in records],
        "preview.col.light": [light(r) for r in records],
    }
    return formatting.translated_frame(columns, lang)


def _places(sectors: pd.DataFrame, districts: pd.DataFrame, lang: str) -> dict[tuple, str]:
    """('sector' | 'district', code) -> name in `lang`."""
    return {
        **{("sector", r["sector_code"]): i18n.name(r, lang) for r in sectors.to_dict("records")},
        **{
            ("district", r["district_code"]): i18n.name(r, lang)
            for r in districts.to_dict("records")
        },
    }


def _place(row: Mapping, places: Mapping[tuple, str], lang: str) -> str:
    """A row's sector or district by name; 全市 for a city-wide row."""
    for kind in ("sector", "district"):
        code = row.get(f"{kind}_code")
        if isinstance(code, str) and code:
            return places.get((kind, code), code)
    return i18n.t("entry.city_wide", lang)


def row_labels(
    rows: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
    lang: str = "zh",
) -> dict[int, str]:
    """source row -> '智能制造示范工厂 · 全市' (a grid's rows have no row numbers a clerk sees)."""
    names = {r["indicator_code"]: i18n.name(r, lang) for r in indicators.to_dict("records")}
    places = _places(sectors, districts, lang)
    return {
        int(r["source_row"]): i18n.t(
            "entry.item",
            lang,
            indicator=names.get(r["indicator_code"], "—"),
            place=_place(r, places, lang),
        )
        for r in rows.to_dict("records")
    }


def with_row_labels(
    table: pd.DataFrame, problems: list, labels: Mapping[int, str], lang: str = "zh"
) -> pd.DataFrame:
    """A problems table (intake_tables.problems_table) with the item each row is about."""
    out = table.copy()
    out.insert(1, i18n.t("entry.col.item", lang), [labels.get(p.row or 0, "") for p in problems])
    return out


def _float(value) -> float | None:
    return None if is_missing(value) else float(value)

"""The upload template (CSV and XLSX) with its instructions sheet and an example row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from kpi.auth.accounts import User
from kpi.base import i18n, periods
from kpi.base.values import is_missing
from kpi.measure.tracking import reporting_period
from kpi.outputs import exports
from kpi.outputs.entry_tables import number_cell
from kpi.store import basis, db, intake, queries
from kpi.store.queries import Con
from kpi.store.validation import INFORMATION_HEADERS, template_header


def upload_template(
    con: Con, plan_id: str, fmt: str, *, today: date | None = None, lang: str = "zh"
) -> bytes:
    """The upload template: one row per indicator for the last complete quarter, value blank.

    Headers are always the Chinese ones staff know; `lang` is the language of the XLSX's
    instructions sheet.
    """
    period = reporting_period(queries.plan(con, plan_id), today)
    indicators = queries.indicators(con, plan_id)
    # Headed as the reader accepts them (validation's header vocabulary), in this order.
    columns = {
        "indicator_code": indicators["indicator_code"],
        "indicator_name": indicators["name_zh"],
        "period": period,
        "sector": "",
        "district": "",
        "value": "",
        "unit": indicators["display_unit"],
        "note": "",
    }
    rows = pd.DataFrame({template_header(c): values for c, values in columns.items()})
    if fmt == "csv":
        return exports.to_csv_bytes(rows)
    help_sheet = template_help(con, plan_id, period, lang)
    sheets = {
        i18n.t("template.sheet.figures", lang): rows,
        i18n.t("template.sheet.help", lang): help_sheet,
    }
    return exports.to_xlsx_bytes(sheets)


def template_help(con: Con, plan_id: str, period: str, lang: str = "zh") -> pd.DataFrame:
    """The instructions sheet: an example row, accepted periods, sectors, districts and units."""
    sectors = queries.sectors(con, plan_id)
    districts = queries.districts(con, plan_id)
    example = example_row(queries.indicators(con, plan_id), period)
    if not districts.empty:
        example[4] = districts["name_zh"].iloc[0]

    def names(frame: pd.DataFrame) -> str:
        return i18n.join([i18n.name(row, lang) for row in frame.to_dict("records")], lang)

    def column(name: str) -> str:
        """A column's row names its Chinese header and its English one ('期间 period')."""
        return f"{template_header(name)} {name}"

    lines = [
        (i18n.t("template.help.example_label", lang), ", ".join(example)),
        (column("period"), i18n.t("template.help.period", lang)),
        (column("value"), i18n.t("template.help.value", lang)),
        (column("sector"), i18n.t("template.help.places", lang, names=names(sectors))),
        (column("district"), i18n.t("template.help.places", lang, names=names(districts))),
        (i18n.t("template.help.semantics_label", lang), i18n.t("template.help.semantics", lang)),
        (i18n.t("template.help.blank_label", lang), i18n.t("template.help.blank", lang)),
    ]
    headers = [i18n.t("template.col.item", lang), i18n.t("template.col.explanation", lang)]
    return pd.DataFrame(lines, columns=headers)


def example_row(indicators: pd.DataFrame, period: str) -> list[str]:
    """One filled-in template row (city-wide), preferably for an indicator shown in a scaled unit
    (万座), so that the example also shows a unit."""
    scaled = indicators[indicators["display_factor"] != 1]
    row = (scaled if not scaled.empty else indicators).iloc[0]
    return [row["indicator_code"], row["name_zh"], period, "", "", "1.75", row["display_unit"]]


def template_files(path: Path | str | None, plan_id: str) -> dict[str, bytes | str]:
    """The CSV and XLSX upload templates, their period and an example row."""
    with db.read(path) as con:
        period = reporting_period(queries.plan(con, plan_id))
        return {
            "csv": upload_template(con, plan_id, "csv"),
            "xlsx": upload_template(con, plan_id, "xlsx"),
            "period": period,
            "example": ",".join(example_row(queries.indicators(con, plan_id), period)),
        }


# ------------------------------------------------------------------ the template of one unit

# The template of one unit, canonical column -> header the reader knows (kpi.store.validation);
# 口径, 上期累计数 and 上期本期数 are information the reader ignores (INFORMATION_HEADERS).
_BASIS, _PREVIOUS_CUMULATIVE, _PREVIOUS_QUARTER = (
    INFORMATION_HEADERS["basis"][0],
    INFORMATION_HEADERS["previous_cumulative"][0],
    INFORMATION_HEADERS["previous_quarter"][0],
)


def unit_rows(
    con: Con,
    plan_id: str,
    user: User | None,
    *,
    period: str | None = None,
    extra_keys: Iterable[tuple] = (),
    today: date | None = None,
) -> pd.DataFrame:
    """What `user`'s unit reports for the due quarter: one row per indicator it may write
    (kpi.store.intake.writable_indicators; admins every one) and, under it, one per sector and
    district that already has figures for it, with the last quarter's values.

    Values (previous_quarter: 本期数, previous_cumulative: 累计数 of the quarter before the due
    one) are in the display unit; NaN when nothing is stored (or a cumulative is unknowable).
    `period` replaces the due quarter (a resubmission); `extra_keys` (indicator, sector,
    district) add breakdown rows that have no figures yet.
    """
    plan = queries.plan(con, plan_id)
    period = period or reporting_period(plan, today)
    previous = periods.add_quarters(period, -1)
    indicators = queries.indicators(con, plan_id)
    mine = intake.writable_indicators(con, plan_id, user)
    indicators = indicators[indicators["indicator_code"].isin(mine)]
    figures = queries.current_figures(con, plan_id, previous)
    figures = figures[figures["indicator_code"].isin(mine)]
    known = basis.with_cumulative(figures, indicators, plan["base_period"])
    last = {
        (r["indicator_code"], _code(r["sector_code"]), _code(r["district_code"])): r
        for r in known[known["period"] == previous].to_dict("records")
    }
    sectors = queries.sectors(con, plan_id).set_index("sector_code")
    districts = queries.districts(con, plan_id).set_index("district_code")
    rows = []
    for ind in indicators.to_dict("records"):
        code, factor = ind["indicator_code"], float(ind["display_factor"] or 1)
        keys = figures[figures["indicator_code"] == code][["sector_code", "district_code"]]
        keys = keys.drop_duplicates().to_records(index=False).tolist()
        keys += [(s, d) for c, s, d in extra_keys if c == code]
        for sector, district in _ordered_keys(keys, sectors, districts):
            stored = last.get((code, sector, district))
            rows.append(
                {
                    "indicator_code": code,
                    "name_zh": ind["name_zh"],
                    "name_en": ind["name_en"],
                    "sector_code": sector,
                    "district_code": district,
                    "sector_zh": sectors["name_zh"].get(sector, "") if sector else "",
                    "sector_en": sectors["name_en"].get(sector, "") if sector else "",
                    "district_zh": districts["name_zh"].get(district, "") if district else "",
                    "district_en": districts["name_en"].get(district, "") if district else "",
                    "period": period,
                    "semantics": ind["semantics"],
                    "display_unit": ind["display_unit"],
                    "display_unit_en": ind["display_unit_en"],
                    "display_factor": factor,
                    "previous_period": previous,
                    "previous_cumulative": _shown(stored, "cumulative_value", factor),
                    "previous_quarter": _shown(stored, "quarter_value", factor),
                }
            )
    return pd.DataFrame(rows, columns=UNIT_ROW_COLUMNS)


UNIT_ROW_COLUMNS = [
    "indicator_code",
    "name_zh",
    "name_en",
    "sector_code",
    "district_code",
    "sector_zh",
    "sector_en",
    "district_zh",
    "district_en",
    "period",
    "semantics",
    "display_unit",
    "display_unit_en",
    "display_factor",
    "previous_period",
    "previous_cumulative",
    "previous_quarter",
]


def _ordered_keys(keys: list, sectors: pd.DataFrame, districts: pd.DataFrame) -> list:
    """The city-wide key first (always), then sectors and districts in the plan's order."""
    clean = {(_code(s), _code(d)) for s, d in keys} | {(None, None)}

    def order(key: tuple) -> tuple:
        sector, district = key
        if sector:
            return (1, sectors["sort_order"].get(sector, 999), sector)
        if district:
            return (2, districts["sort_order"].get(district, 999), district)
        return (0, 0, "")

    return sorted(clean, key=order)


def _code(value) -> str | None:
    return None if is_missing(value) or value == "" else str(value)


def _shown(stored, column: str, factor: float) -> float:
    """A stored value in the display unit, rounded off float noise; NaN when unknown."""
    if stored is None or is_missing(stored[column]):
        return float("nan")
    return round(float(stored[column]) / factor, 6)


def unit_template(
    con: Con, plan_id: str, user: User | None, fmt: str, *, today=None, lang: str = "zh"
) -> bytes:
    """The template of `user`'s unit: a row per indicator and breakdown it reports, with the
    basis, the unit, the last quarter's values and empty 本期数 / 累计数 cells for the due quarter.

    Headers are the Chinese ones the reader knows; `lang` is the help sheet's language.
    """
    rows = unit_rows(con, plan_id, user, today=today)
    columns = {
        template_header("indicator_code"): rows["indicator_code"],
        template_header("indicator_name"): rows["name_zh"],
        template_header("sector"): rows["sector_zh"],
        template_header("district"): rows["district_zh"],
        template_header("period"): rows["period"],
        _BASIS: [basis.basis_text(s, "zh") for s in rows["semantics"]],
        template_header("unit"): rows["display_unit"],
        # As text: 17, not 17.0 (the reader ignores these columns anyway).
        _PREVIOUS_CUMULATIVE: rows["previous_cumulative"].map(number_cell),
        _PREVIOUS_QUARTER: rows["previous_quarter"].map(number_cell),
        template_header("this_quarter"): "",
        template_header("cumulative"): "",
        template_header("note"): "",
    }
    sheet = pd.DataFrame(columns)
    if fmt == "csv":
        return exports.to_csv_bytes(sheet)
    period = reporting_period(queries.plan(con, plan_id), today)
    sheets = {
        i18n.t("template.sheet.figures", lang): sheet,
        i18n.t("template.sheet.help", lang): unit_template_help(con, plan_id, rows, period, lang),
    }
    return exports.to_xlsx_bytes(sheets)


def unit_template_help(
    con: Con, plan_id: str, rows: pd.DataFrame, period: str, lang: str = "zh"
) -> pd.DataFrame:
    """The unit template's help: what 本期数 and 累计数 mean, and which of the unit's indicators
    are counted 本季度新增, 期末累计 or 本季度发生额 (by name)."""
    general = template_help(con, plan_id, period, lang)
    indicators = rows.drop_duplicates("indicator_code")
    lines = [
        (template_header("this_quarter"), i18n.t("template.unit.help.this_quarter", lang)),
        (template_header("cumulative"), i18n.t("template.unit.help.cumulative", lang)),
        (
            i18n.t("template.unit.help.one_of_label", lang),
            i18n.t("template.unit.help.one_of", lang),
        ),
    ]
    for semantics, group in indicators.groupby("semantics", sort=False):
        names = i18n.join([i18n.name(r, lang) for r in group.to_dict("records")], lang)
        group_label = i18n.t(
            "template.unit.help.group",
            lang,
            basis=basis.basis_text(semantics, lang),
            cumulative=basis.cumulative_text(semantics, lang),
        )
        lines.append((group_label, names))
    lines.append(
        (
            f"{_PREVIOUS_CUMULATIVE} / {_PREVIOUS_QUARTER}",
            i18n.t("template.unit.help.previous", lang, period=periods.add_quarters(period, -1)),
        )
    )
    lines.append(
        (i18n.t("template.unit.help.blank_label", lang), i18n.t("template.unit.help.blank", lang))
    )
    extra = pd.DataFrame(lines, columns=general.columns)
    # The example, the single value column and the blank-row lines of the general template do
    # not apply here: only its lines on periods and places are kept.
    wanted = [f"{template_header(c)} {c}" for c in ("period", "sector", "district")]
    kept = general[general.iloc[:, 0].isin(wanted)]
    return pd.concat([extra, kept], ignore_index=True)


def unit_template_files(
    path: Path | str | None, plan_id: str, user: User | None, lang: str = "zh"
) -> dict[str, bytes | str]:
    """`user`'s unit template as CSV and XLSX, its period and its number of rows."""
    with db.read(path) as con:
        period = reporting_period(queries.plan(con, plan_id))
        return {
            "csv": unit_template(con, plan_id, user, "csv", lang=lang),
            "xlsx": unit_template(con, plan_id, user, "xlsx", lang=lang),
            "period": period,
        }


def read_unit_rows(
    path: Path | str | None,
    plan_id: str,
    user: User | None,
    *,
    period: str | None = None,
    extra_keys: Iterable[tuple] = (),
) -> pd.DataFrame:
    """`unit_rows` on a short-lived read connection."""
    with db.read(path) as con:
        return unit_rows(con, plan_id, user, period=period, extra_keys=extra_keys)

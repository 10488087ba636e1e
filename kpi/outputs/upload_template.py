"""The upload template (CSV and XLSX) with its instructions sheet and an example row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from kpi.base import i18n
from kpi.measure.tracking import reporting_period
from kpi.outputs import exports
from kpi.store import db, queries
from kpi.store.queries import Con
from kpi.store.validation import template_header


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

"""The upload template (CSV and XLSX) with its instructions sheet and an example row."""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from kpi.auth.accounts import User
from kpi.base import i18n, periods
from kpi.base.values import is_missing
from kpi.measure.tracking import period_choices, reporting_period
from kpi.outputs import exports, xlsx_styles
from kpi.outputs.entry_tables import number_cell
from kpi.store import basis, db, intake, queries
from kpi.store.queries import Con
from kpi.store.validation import INFORMATION_HEADERS, VALUE_COLUMNS, template_header


def upload_template(
    con: Con, plan_id: str, fmt: str, *, today: date | None = None, lang: str = "zh"
) -> bytes:
    """The upload template: one row per indicator for the last complete quarter, value blank.

    Headers are always the Chinese ones staff know; `lang` is the language of the XLSX's
    instructions sheet.
    """
    period = reporting_period(queries.plan(con, plan_id), today)
    indicators = queries.indicators(con, plan_id)
    rows = pd.DataFrame(
        {
            "indicator_code": indicators["indicator_code"],
            "indicator_name": indicators["name_zh"],
            "period": period,
            "sector": "",
            "district": "",
            "value": "",
            "unit": indicators["display_unit"],
            "note": "",
        }
    )
    if fmt == "csv":
        return exports.to_csv_bytes(rows.rename(columns=_header))
    help_sheet = template_help(con, plan_id, period, lang)
    choices = TemplateChoices.of(con, plan_id, indicators, today)
    # A filled row is one indicator, city-wide: a clerk may change its period or give a sector
    # or district, and adds further breakdowns on the spare rows.
    keys = ("indicator_code", "indicator_name")
    return template_workbook(rows, keys, choices, help_sheet, lang)


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


def template_file(path: Path | str | None, plan_id: str, fmt: str) -> bytes:
    """The upload template as CSV or XLSX, on a short-lived connection (a download's data)."""
    with db.read(path) as con:
        return upload_template(con, plan_id, fmt)


# ------------------------------------------------------------------ the template of one unit

# 上期累计数 and 上期本期数: information the reader ignores (INFORMATION_HEADERS).
_PREVIOUS_CUMULATIVE = INFORMATION_HEADERS["previous_cumulative"][0]
_PREVIOUS_QUARTER = INFORMATION_HEADERS["previous_quarter"][0]


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
    sheet = pd.DataFrame(
        {
            "indicator_code": rows["indicator_code"],
            "indicator_name": rows["name_zh"],
            "sector": rows["sector_zh"],
            "district": rows["district_zh"],
            "period": rows["period"],
            "basis": [basis.basis_text(s, "zh") for s in rows["semantics"]],
            "unit": rows["display_unit"],
            "previous_cumulative": rows["previous_cumulative"],
            "previous_quarter": rows["previous_quarter"],
            "this_quarter": "",
            "cumulative": "",
            "note": "",
        }
    )
    if fmt == "csv":
        # The last quarter's values as text: 17, not 17.0 (the reader ignores them anyway). In
        # the workbook they stay numbers (Excel flags numbers kept as text).
        previous = ["previous_cumulative", "previous_quarter"]
        as_text = sheet.assign(**{c: sheet[c].map(number_cell) for c in previous})
        return exports.to_csv_bytes(as_text.rename(columns=_header))
    period = reporting_period(queries.plan(con, plan_id), today)
    help_sheet = unit_template_help(con, plan_id, rows, period, lang)
    indicators = queries.indicators(con, plan_id)
    indicators = indicators[indicators["indicator_code"].isin(set(rows["indicator_code"]))]
    choices = TemplateChoices.of(con, plan_id, indicators, today)
    # A row is an indicator and breakdown the unit reports: those four cells are ours.
    keys = ("indicator_code", "indicator_name", "sector", "district")
    return template_workbook(sheet, keys, choices, help_sheet, lang)


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


def unit_template_file(
    path: Path | str | None, plan_id: str, user: User | None, fmt: str, lang: str = "zh"
) -> bytes:
    """`user`'s unit template as CSV or XLSX, on a short-lived connection (a download's data)."""
    with db.read(path) as con:
        return unit_template(con, plan_id, user, fmt, lang=lang)


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


# ------------------------------------------------------------------ the workbook

# Cells a clerk types into: light yellow with a thin border; everything else is locked.
_ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)
_UNLOCKED = Protection(locked=False)
_TEXT_FORMAT = "@"  # typed 2025Q1 or 0101 stays text, not a date or a number
_NUMBER_FORMAT = "#,##0.00####"  # two decimals at least (1.75 万座), up to six, no rounding
_WHOLE_FORMAT = "#,##0"  # a whole number written in: 1,003 家, not 1,003.00
_VALUE_COLUMNS = frozenset(VALUE_COLUMNS)
# Never typed into: the per-unit template's columns for the reader's information.
_INFORMATION = frozenset(INFORMATION_HEADERS)
_NUMBER_COLUMNS = _VALUE_COLUMNS | {"previous_cumulative", "previous_quarter"}
SPARE_ROWS = 20  # empty entry rows under the filled ones, for breakdowns the template lacks
# Excel refuses an inline list ("a,b,c") longer than 255 characters: longer lists are cells.
_INLINE_LIST_MAX = 250
_WIDTHS = {"indicator_name": 30, "note": 24, "basis": 12}  # wrapped or free text
_WIDTH_MIN, _WIDTH_MAX, _NUMBER_WIDTH = 8, 22, 13
_HELP_WIDTHS = (22, 74)  # the instructions' two columns fit A4 portrait at about 100 %
_LINE_HEIGHT = 15  # points per line of 11-point text


@dataclass(frozen=True)
class TemplateChoices:
    """What the drop-downs offer: the reference data's names, the quarters that may be
    reported, and per indicator the units a value may be given in."""

    lists: dict[str, list[str]]  # canonical column -> its choices
    units: dict[str, list[str]]  # indicator_code -> display unit, canonical unit, convertible

    @classmethod
    def of(
        cls, con: Con, plan_id: str, indicators: pd.DataFrame, today: date | None
    ) -> TemplateChoices:
        plan = queries.plan(con, plan_id)
        conversions = queries.unit_conversions(con)
        units = {
            row["indicator_code"]: _distinct(
                [row["display_unit"], row["unit"]]
                + conversions.loc[conversions["to_unit"] == row["unit"], "from_unit"].tolist()
            )
            for row in indicators.to_dict("records")
        }
        lists = {
            "indicator_code": indicators["indicator_code"].tolist(),
            "indicator_name": indicators["name_zh"].tolist(),
            "period": period_choices(plan, today),
            "sector": queries.sectors(con, plan_id)["name_zh"].tolist(),
            "district": queries.districts(con, plan_id)["name_zh"].tolist(),
            "unit": _distinct([u for choices in units.values() for u in choices]),
        }
        return cls(lists, units)


def _distinct(items: list) -> list[str]:
    return list(dict.fromkeys(str(i) for i in items if not is_missing(i) and str(i) != ""))


def template_workbook(
    rows: pd.DataFrame,
    keys: Iterable[str],
    choices: TemplateChoices,
    help_sheet: pd.DataFrame,
    lang: str = "zh",
) -> bytes:
    """The XLSX template: `rows` (canonical columns, written under the reader's headers) on a
    protected figures sheet whose entry cells are marked, unlocked and checked, and the
    instructions sheet, both set up to print on A4.

    `keys` are the columns that say what a row is: locked where the template fills them, typed
    on the spare rows below. Information columns are locked everywhere.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = i18n.t("template.sheet.figures", lang)
    notes = book.create_sheet(i18n.t("template.sheet.help", lang))
    keys = frozenset(keys)
    columns = list(rows.columns)
    filled, last = len(rows) + 1, len(rows) + 1 + SPARE_ROWS  # sheet rows of the data
    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(1, number, _header(column))
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, record in enumerate(rows.itertuples(index=False, name=None), start=2):
        for number, value in enumerate(record, start=1):
            cell = sheet.cell(offset, number, None if is_missing(value) or value == "" else value)
            if cell.data_type == "f":  # text that starts with '=' is still text, not a formula
                cell.data_type = "s"
    styles = xlsx_styles.CellStyles()
    for number, column in enumerate(columns, start=1):
        alignment = _TOP_WRAPPED if column == "indicator_name" else _TOP
        for row in range(2, last + 1):
            cell = sheet.cell(row, number)
            entry = column not in _INFORMATION and (column not in keys or row > filled)
            if column not in _NUMBER_COLUMNS:
                number_format = _TEXT_FORMAT
            elif isinstance(cell.value, int | float) and float(cell.value).is_integer():
                number_format = _WHOLE_FORMAT
            else:
                number_format = _NUMBER_FORMAT
            unlocked = {"fill": _ENTRY_FILL, "protection": _UNLOCKED} if entry else {}
            styles.apply(
                cell, number_format=number_format, border=_BORDER, alignment=alignment, **unlocked
            )
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = _column_width(column, rows[column])
    _add_checks(sheet, columns, keys, rows, choices, filled, last, notes, lang)
    _fit_rows(sheet, rows)
    sheet.freeze_panes = "C2"
    _protect(sheet)
    sheet.protection.formatColumns = sheet.protection.formatRows = False  # widths stay free
    _print_on_a4(sheet, "landscape", f"A1:{get_column_letter(len(columns))}{last}")
    sheet.print_title_rows = "1:1"
    _write_help(notes, help_sheet, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(column: str) -> str:
    if column in INFORMATION_HEADERS:
        return INFORMATION_HEADERS[column][0]
    return template_header(column)


def _column_width(column: str, values: pd.Series) -> float:
    """Fixed for numbers, wrapped names and notes; else the longest cell (CJK counts double)."""
    if column in _NUMBER_COLUMNS:
        return _NUMBER_WIDTH
    if column in _WIDTHS:
        return _WIDTHS[column]
    longest = max([_text_width(_header(column)), *map(_text_width, values.astype(str))])
    return min(_WIDTH_MAX, max(_WIDTH_MIN, longest + 2))


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell `width` wide takes, each paragraph at least one. LibreOffice does
    not fit row heights to wrapped text when it opens a file, so the heights are written; CJK
    is drawn a little wider than two digits, and words wrap whole."""
    usable = max(width - 1, 1)
    lines = 0
    for part in str(text).split("\n"):
        drawn = sum(2.2 if unicodedata.east_asian_width(c) in "WF" else 1.05 for c in part)
        lines += max(1, math.ceil(drawn / usable))
    return lines


def _fit_rows(sheet, rows: pd.DataFrame) -> None:
    """Row heights for the wrapped indicator names."""
    if "indicator_name" not in rows:
        return
    for offset, name in enumerate(rows["indicator_name"], start=2):
        lines = _lines(name, _WIDTHS["indicator_name"])
        if lines > 1:
            sheet.row_dimensions[offset].height = lines * _LINE_HEIGHT


def _add_checks(
    sheet,
    columns: list[str],
    keys: frozenset,
    rows: pd.DataFrame,
    choices: TemplateChoices,
    filled: int,
    last: int,
    notes,
    lang: str,
) -> None:
    """Drop-downs from the reference data and a number check on the value columns, over the
    cells a clerk may type into."""
    lists = _ListCells(notes, lang)
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        if column in _INFORMATION:
            continue
        first = filled + 1 if column in keys else 2
        cells = f"{letter}{first}:{letter}{last}"
        if column in _VALUE_COLUMNS:
            check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            _explain(check, column, "template.xlsx.value_error", lang)
            check.add(cells)
            sheet.add_data_validation(check)
        elif column == "unit":
            _add_unit_checks(sheet, letter, rows, choices, filled, last, lists, lang)
        elif choices.lists.get(column):
            check = DataValidation(
                type="list", formula1=lists.formula(column, choices.lists[column])
            )
            _explain(check, column, "template.xlsx.list_error", lang)
            check.add(cells)
            sheet.add_data_validation(check)


def _add_unit_checks(
    sheet, letter: str, rows, choices: TemplateChoices, filled: int, last: int, lists, lang: str
) -> None:
    """A filled row offers its indicator's units; a spare row every unit of the template."""
    by_units: dict[tuple, list[str]] = {}
    for offset, code in enumerate(rows["indicator_code"], start=2):
        units = tuple(choices.units.get(code, ()))
        if units:
            by_units.setdefault(units, []).append(offset)
    ranges = {units: _row_ranges(letter, numbers) for units, numbers in by_units.items()}
    if choices.lists["unit"]:
        spare = f"{letter}{filled + 1}:{letter}{last}"
        ranges.setdefault(tuple(choices.lists["unit"]), []).append(spare)
    for units, cells in ranges.items():
        check = DataValidation(type="list", formula1=lists.formula("unit", list(units)))
        _explain(check, "unit", "template.xlsx.list_error", lang)
        for cell in cells:
            check.add(cell)
        sheet.add_data_validation(check)


def _row_ranges(letter: str, numbers: list[int]) -> list[str]:
    """Rows 2, 3, 4, 7 of column G as ['G2:G4', 'G7']."""
    ranges, start = [], None
    for index, number in enumerate(numbers):
        start = number if start is None else start
        if index + 1 == len(numbers) or numbers[index + 1] != number + 1:
            ranges.append(f"{letter}{start}" + (f":{letter}{number}" if number > start else ""))
            start = None
    return ranges


def _explain(check: DataValidation, column: str, key: str, lang: str) -> None:
    """Blank allowed; anything else refused with a message naming the column."""
    name = i18n.t(f"column.{column}", lang)
    check.allow_blank = True
    check.showErrorMessage = True
    check.errorStyle = "stop"
    check.errorTitle = i18n.t("template.xlsx.error_title", lang, column=name)[:32]
    check.error = i18n.t(key, lang, column=name)[:255]


class _ListCells:
    """Where a drop-down's choices live: inline when short, else a hidden column of the
    instructions sheet (which the reader skips), under a workbook name."""

    def __init__(self, notes, lang: str) -> None:
        self.notes, self.lang = notes, lang
        self.written: dict[tuple, str] = {}
        self.next_column = len(_HELP_WIDTHS) + 2  # one empty column after the instructions

    def formula(self, column: str, items: list[str]) -> str:
        joined = ",".join(items)
        if len(joined) <= _INLINE_LIST_MAX and not any("," in i or '"' in i for i in items):
            return f'"{joined}"'
        key = (column, *items)
        if key not in self.written:
            self.written[key] = self._write(column, items)
        return self.written[key]

    def _write(self, column: str, items: list[str]) -> str:
        number = self.next_column
        self.next_column += 1
        letter = get_column_letter(number)
        self.notes.cell(1, number, i18n.t(f"column.{column}", self.lang))
        for row, item in enumerate(items, start=2):
            self.notes.cell(row, number, item).number_format = _TEXT_FORMAT
        self.notes.column_dimensions[letter].hidden = True
        name = f"list_{column}_{number}"
        sheet = self.notes.title.replace("'", "''")
        reference = f"'{sheet}'!${letter}$2:${letter}${len(items) + 1}"
        self.notes.parent.defined_names[name] = DefinedName(name, attr_text=reference)
        return name


def _write_help(notes, help_sheet: pd.DataFrame, lang: str) -> None:
    """The instructions: every cell wrapped, two columns on A4 portrait; the XLSX adds how its
    checked cells work."""
    extra = [
        (i18n.t("template.xlsx.help.cells_label", lang), i18n.t("template.xlsx.help.cells", lang))
    ]
    lines = [tuple(help_sheet.columns), *help_sheet.itertuples(index=False, name=None), *extra]
    for row, line in enumerate(lines, start=1):
        for number, text in enumerate(line, start=1):
            cell = notes.cell(row, number, text)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = _BORDER
            cell.number_format = _TEXT_FORMAT
            if row == 1:
                cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        height = max(_lines(text, w) for text, w in zip(line, _HELP_WIDTHS, strict=True))
        notes.row_dimensions[row].height = height * _LINE_HEIGHT
    for number, width in enumerate(_HELP_WIDTHS, start=1):
        notes.column_dimensions[get_column_letter(number)].width = width
    _protect(notes)  # read-only: it also holds the drop-downs' long lists
    _print_on_a4(notes, "portrait", f"A1:{get_column_letter(len(_HELP_WIDTHS))}{len(lines)}")
    notes.print_title_rows = "1:1"


def _protect(sheet) -> None:
    """Sheet protection without a password: it prevents slips, not a determined user."""
    sheet.protection.sheet = True


def _print_on_a4(sheet, orientation: str, area: str) -> None:
    """A4, one page wide, as many pages tall as needed, only `area` printed."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = orientation
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_area = area

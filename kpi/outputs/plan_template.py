"""The plan workbook (规划模板) an administrator fills in, and the 规划管理 tables.

One sheet per reference table of data/README.md (sheet title '目标值 targets'), a header cell per
column naming it in Chinese and by its machine name ('指标代码 / indicator_code'), the column's
explanation as the header's comment and on the instructions sheet. kpi.store.plan_import reads
this layout and plain machine column names alike.
"""

from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kpi.base import i18n
from kpi.outputs import formatting, xlsx_styles
from kpi.store.plan_import import SHEETS, PlanProblem

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_NOTE_FONT = Font(italic=True, color="595959")
_DATA_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
_WIDTH_MIN, _WIDTH_MAX = 10, 60
# A number column's cell written as a number; anything else (a wrong entry kept as typed) is text.
_PLAIN_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
# The sheet each reference table is shown as in the 规划管理 tables.
_STEMS = {sheet.table: sheet.stem for sheet in SHEETS.values()}


def header_text(column: str) -> str:
    """A template header: the Chinese name over the machine name."""
    return f"{i18n.t(f'plans.col.{column}', 'zh')}\n{column}"


def template_workbook(tables: dict[str, pd.DataFrame] | None = None, lang: str = "zh") -> bytes:
    """The workbook: the instructions sheet, then one sheet per table, filled with `tables`
    (sheet stem -> frame of text, as plan_import reads them; only those sheets) when given,
    else every sheet empty."""
    book = Workbook()
    help_sheet = book.active
    help_sheet.title = i18n.t("plans.template.help_sheet", lang)
    _instructions(help_sheet, lang)
    styles = xlsx_styles.CellStyles()
    for stem, sheet in SHEETS.items():
        if tables is not None and stem not in tables:
            continue
        ws = book.create_sheet(_title(stem))
        frame = (tables or {}).get(stem)
        columns = [c for c in sheet.columns if frame is None or c in frame]
        widths = []
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=index, value=header_text(column))
            cell.font = Font(bold=True)
            cell.fill = _REQUIRED_FILL if column in sheet.required else _HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.comment = Comment(i18n.t(f"plans.colhelp.{column}", lang), "plan template")
            widths.append(max(_width(i18n.t(f"plans.col.{column}", "zh")), _width(column)))
        if frame is not None:
            kinds = [sheet.columns[column] for column in columns]
            for row_no, row in enumerate(frame[columns].to_numpy().tolist(), start=2):
                for index, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
                    cell = ws.cell(row=row_no, column=index, value=_cell(value, kind))
                    styles.apply(cell, alignment=_DATA_ALIGNMENT)  # long notes wrap
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # text, even '=' (a comparator): never a formula
                    if row_no < 60:
                        widths[index - 1] = max(widths[index - 1], _width(value))
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(
                _WIDTH_MAX, max(_WIDTH_MIN, width + 2)
            )
        ws.row_dimensions[1].height = 32
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
        ws.sheet_properties.tabColor = "C00000" if sheet.needed else "4472C4"
    for ws in book.worksheets:  # printed as an office file would be: landscape, one page wide
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = "1:1" if ws.title != help_sheet.title else None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(stem: str) -> str:
    """The sheet's title: the Chinese name and the machine name ('目标值 targets')."""
    return f"{i18n.t(f'plans.sheet.{stem}', 'zh')} {stem}"


def _cell(value: object, kind: str) -> object:
    """A number column's plain numbers as numbers (so Excel does not flag them); every other
    cell as text, so that a text column keeps its spelling (a value as written: 2.50, 001)."""
    text = "" if value is None else str(value)
    if text == "":
        return None
    if kind not in ("int", "float") or not _PLAIN_NUMBER.fullmatch(text):
        return text
    return int(text) if text.lstrip("-").isdigit() and len(text) < 16 else float(text)


def _width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text[:80])


def _instructions(ws, lang: str) -> None:
    """Steps on top, then one row per sheet and column: names, required, what to write."""
    ws.cell(row=1, column=1, value=i18n.t("plans.template.title", lang)).font = Font(
        bold=True, size=14
    )
    steps = [i18n.t(f"plans.template.step{n}", lang) for n in range(1, 6)]
    for offset, step in enumerate(steps, start=2):
        cell = ws.cell(row=offset, column=1, value=step)
        cell.font = _NOTE_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=5)
        ws.row_dimensions[offset].height = 30
    header_row = len(steps) + 3
    headers = [i18n.t(f"plans.template.{key}", lang) for key in _HELP_COLUMNS]
    for index, text in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=index, value=text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    row = header_row
    for stem, sheet in SHEETS.items():
        row += 1
        need = "plans.template.sheet_needed" if sheet.needed else "plans.template.sheet_optional"
        ws.cell(row=row, column=1, value=_title(stem)).font = Font(bold=True)
        ws.cell(row=row, column=5, value=i18n.t(f"plans.sheethelp.{stem}", lang)).font = Font(
            bold=True
        )
        ws.cell(row=row, column=4, value=i18n.t(need, lang)).font = Font(bold=True)
        for column in sheet.columns:
            row += 1
            required = (
                "plans.template.required" if column in sheet.required else "plans.template.optional"
            )
            values = [
                "",
                i18n.t(f"plans.col.{column}", "zh"),
                column,
                i18n.t(required, lang),
                i18n.t(f"plans.colhelp.{column}", lang),
            ]
            for index, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=index, value=value)
                cell.alignment = Alignment(vertical="top", wrap_text=index == 5)
    for letter, width in zip("ABCDE", (26, 16, 20, 10, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


_HELP_COLUMNS = ("help_sheet_col", "help_header", "help_machine", "help_required", "help_text")


# ------------------------------------------------------------------ 规划管理 tables


def plans_table(plans: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The plans in the store as `etl plan list` prints them, headed in the reader's language."""
    rows = plans.to_dict("records")
    columns = {
        "plans.list.plan_id": plans["plan_id"],
        "plans.list.name": [i18n.name(row, lang) for row in rows],
        "plans.list.window": [f"{row['start_period']}–{row['end_period']}" for row in rows],
        "plans.list.base": plans["base_period"],
        "plans.list.issued_on": ["" if pd.isna(v) else str(v)[:10] for v in plans["issued_on"]],
        "plans.list.indicators": plans["indicators"],
        "plans.list.targets": plans["targets"],
        "plans.list.tasks": plans["tasks"],
        "plans.list.figures": plans["figures"],
        "plans.list.source": plans["source"].fillna(""),
    }
    return formatting.translated_frame(columns, lang)


def problems_table(problems: list[PlanProblem], lang: str = "zh") -> pd.DataFrame:
    """Problems as shown: sheet, row, column, value, kind and the message; errors first."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    whole = {"sheet": i18n.t("plans.whole_sheet", lang), "file": i18n.t("intake.whole_file", lang)}
    columns = {
        "plans.problem.sheet": [p.sheet_name(lang) for p in ordered],
        "plans.problem.row": [
            str(p.row) if p.row else whole["sheet" if p.sheet else "file"] for p in ordered
        ],
        "plans.problem.column": [p.column_name(lang) for p in ordered],
        "plans.problem.value": ["" if p.value is None else str(p.value) for p in ordered],
        "plans.problem.severity": [i18n.t(f"severity.{p.severity}", lang) for p in ordered],
        "plans.problem.message": [p.message(lang) for p in ordered],
    }
    return formatting.translated_frame(columns, lang)


def changes_table(counts: dict[str, dict[str, int]], lang: str = "zh") -> pd.DataFrame:
    """Rows added, removed and changed per table (PlanImport.counts), against the plan in the
    store; task_group_units, derived from the task groups, is not a sheet and not shown."""
    rows = [(table, found) for table, found in counts.items() if table in _STEMS]
    columns = {
        "plans.preview.table": [i18n.t(f"plans.sheet.{_STEMS[t]}", lang) for t, _ in rows],
        "plans.preview.added": [found["added"] for _, found in rows],
        "plans.preview.removed": [found["removed"] for _, found in rows],
        "plans.preview.changed": [found["changed"] for _, found in rows],
    }
    return formatting.translated_frame(columns, lang)


def change_rows_table(changes: dict[str, dict[str, list[dict]]], lang: str = "zh") -> pd.DataFrame:
    """Each row changed: table, kind, key, and the values (old -> new for a changed row)."""
    lines = []
    for table, found in changes.items():
        if table not in _STEMS:
            continue
        for kind in ("changed", "added", "removed"):
            for change in found[kind]:
                key = " / ".join(str(v) for v in change["key"].values() if v is not None)
                if kind == "changed":
                    what = "; ".join(
                        f"{c}: {change['before'][c]} → {change['after'][c]}"
                        for c in change["after"]
                    )
                else:
                    what = ""
                lines.append(
                    (
                        i18n.t(f"plans.sheet.{_STEMS[table]}", lang),
                        i18n.t(f"plans.preview.{kind}", lang),
                        key,
                        what,
                    )
                )
    columns = {
        "plans.preview.table": [line[0] for line in lines],
        "plans.preview.kind": [line[1] for line in lines],
        "plans.preview.key": [line[2] for line in lines],
        "plans.preview.values": [line[3] for line in lines],
    }
    return formatting.translated_frame(columns, lang)

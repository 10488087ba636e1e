"""Tabular exports that open safely in Excel / WPS: CSV (UTF-8 with BOM), XLSX and ZIP.

XLSX keeps every value exact: a text cell is written as a string cell, which no spreadsheet runs
as a formula, so `=`, `>=` or `-5` read back as that text. CSV has no cell types: a spreadsheet
opening it evaluates text starting with = + - @, so there such text gets a leading apostrophe
(formula injection, OWASP "CSV injection") unless `raw` asks for the values as stored (for
programs). Numbers stay numbers. Nothing here touches a database.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# A text cell starting with one of these is read as a formula (or a DDE payload) by Excel, WPS and
# LibreOffice. The full-width forms are included because a Chinese IME types them and some
# spreadsheet versions normalise them on edit.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_RESERVED_SHEET_NAMES = {"history"}

_COLUMN_WIDTH_MIN = 8
_COLUMN_WIDTH_MAX = 60
_WIDTH_SAMPLE_ROWS = 2000
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")


def neutralise_formula(value: Any) -> Any:
    """Prefix `'` to text a spreadsheet would run as a formula; return anything else unchanged.

    A sign on its own (a comparator `=`, a dash for "none") is no formula and stays as it is."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralised_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with text cells and text headers neutralised; numeric columns untouched."""
    out = df.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if (
            pd.api.types.is_numeric_dtype(column.dtype)
            or pd.api.types.is_bool_dtype(column.dtype)
            or pd.api.types.is_datetime64_any_dtype(column.dtype)
            or pd.api.types.is_timedelta64_dtype(column.dtype)
        ):
            continue
        out.isetitem(position, column.astype(object).map(neutralise_formula))
    out.columns = [neutralise_formula(_header_text(c)) for c in out.columns]
    return out


def _header_text(label: Any) -> str:
    """A column label as one text cell (MultiIndex levels joined with ' / ')."""
    if isinstance(label, tuple):
        label = " / ".join(str(part) for part in label if str(part) != "")
    return str(label)


def to_csv_bytes(df: pd.DataFrame, *, raw: bool = False) -> bytes:
    """CSV as UTF-8 with BOM (Excel on Chinese Windows), CRLF lines, no index; text neutralised
    for a spreadsheet unless `raw` (exact values, for a program reading the file)."""
    if raw:
        out = df.set_axis([_header_text(c) for c in df.columns], axis=1)
    else:
        out = neutralised_frame(df)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def sanitise_sheet_names(names: Iterable[str]) -> list[str]:
    """Make names valid, distinct Excel sheet names (<= 31 chars, no []:*?/\\, not 'History')."""
    result: list[str] = []
    taken: set[str] = set()
    for raw in names:
        name = str(raw).translate(_SHEET_FORBIDDEN)
        name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
        name = name.strip().strip("'").strip() or "Sheet"
        if name.casefold() in _RESERVED_SHEET_NAMES:
            name += "_"
        candidate = _truncate_utf16(name, SHEET_NAME_MAX).rstrip("'") or "Sheet"
        counter = 2
        while candidate.casefold() in taken:
            suffix = f" ({counter})"
            candidate = _truncate_utf16(name, SHEET_NAME_MAX - len(suffix)).rstrip("'") + suffix
            counter += 1
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def _truncate_utf16(text: str, limit: int) -> str:
    """Cut text to at most limit UTF-16 code units (Excel's measure), by whole characters."""
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def _cell_value(value: Any) -> Any:
    """A pandas/numpy value as something openpyxl writes with the right type."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones: keep the wall-clock time
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        return value
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)  # control characters XML cannot hold


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text always as a string cell, never a formula (openpyxl would otherwise
    take a str starting with '=' for one), so it reads back exactly as written."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _display_width(value: Any) -> int:
    """Approximate column width of a value: East Asian wide characters count double."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def to_xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame],
    *,
    title_rows: Mapping[str, list[str]] | None = None,
) -> bytes:
    """One workbook, one sheet per frame, optional caption rows (keyed like `sheets`) above each.

    Headers are bold and frozen, columns sized to their content, no index (call `reset_index()`
    first to export it). Values are exact: text as text (never a formula), numbers as numbers;
    times keep milliseconds (the XLSX format's precision)."""
    if not sheets:
        raise ValueError("to_xlsx_bytes needs at least one sheet")
    title_rows = title_rows or {}
    unknown = set(title_rows) - set(sheets)
    if unknown:
        raise ValueError(f"title_rows for unknown sheets: {sorted(unknown)}")

    workbook = Workbook()
    workbook.remove(workbook.active)
    for (key, df), sheet_name in zip(sheets.items(), sanitise_sheet_names(sheets), strict=True):
        ws = workbook.create_sheet(sheet_name)
        captions = title_rows.get(key, [])
        for row, caption in enumerate(captions, start=1):
            cell = _put(ws, row, 1, _cell_value(caption))
            cell.font = Font(bold=row == 1, italic=row > 1, color=None if row == 1 else "595959")
        header_row = len(captions) + (2 if captions else 1)  # a blank row after the captions

        headers = [_header_text(label) for label in df.columns]
        widths = [_display_width(h) for h in headers]
        for col, header in enumerate(headers, start=1):
            cell = _put(ws, header_row, col, _cell_value(header))
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)

        for row_offset, values in enumerate(df.itertuples(index=False, name=None), start=1):
            for col, raw in enumerate(values, start=1):
                value = _cell_value(raw)
                _put(ws, header_row + row_offset, col, value)
                if row_offset <= _WIDTH_SAMPLE_ROWS:
                    widths[col - 1] = max(widths[col - 1], _display_width(value))

        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = min(
                _COLUMN_WIDTH_MAX, max(_COLUMN_WIDTH_MIN, width + 2)
            )
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        if headers:
            last = get_column_letter(len(headers))
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(df)}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A deflated ZIP of name -> bytes (UTF-8 names); refuses absolute or parent-relative names."""
    buffer = io.BytesIO()
    stamp = time.localtime()[:6]
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for raw_name, data in files.items():
            name = raw_name.replace("\\", "/")
            path = PurePosixPath(name)
            if not name or path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
                raise ValueError(f"unsafe file name in zip: {raw_name!r}")
            if name in seen:
                raise ValueError(f"duplicate file name in zip: {raw_name!r}")
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, bytes(data))
    return buffer.getvalue()

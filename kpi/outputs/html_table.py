"""A short table as one HTML table, for st.html: what st.table showed, at a fraction of its cost.

In the browser st.table cost 11-17 ms for a 5-row table, an HTML table of the same rows 2-5 ms
(bench/bench_elements.py); the method and final-report pages have five short tables each.
Every cell is escaped (names and notes come from the store), numbers are right-aligned and
cells wrap, as in st.table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd

# Scoped by class: st.html puts the style into the page. Matches st.table's look in our theme.
CSS = (
    "<style>"
    "table.kpi-table{width:100%;border-collapse:collapse;font-size:0.875rem;line-height:1.5;"
    "margin-bottom:1rem}"
    ".kpi-table th{font-weight:400;color:rgba(49,51,63,0.6);text-align:left;"
    "border-bottom:1px solid rgba(49,51,63,0.2);padding:0.25rem 0.375rem;vertical-align:bottom}"
    ".kpi-table td{border-bottom:1px solid rgba(49,51,63,0.1);padding:0.25rem 0.375rem;"
    "vertical-align:top;overflow-wrap:break-word}"
    ".kpi-table .num{text-align:right;white-space:nowrap}"
    # Not on a phone: there the long texts beside them need every bit of the width.
    "@media (min-width:640px){.kpi-table .keep{white-space:nowrap}}"
    # Off screen, a table is neither laid out nor painted until scrolled to: a rerun of a page
    # of long tables (终期评估) redraws only what is in view.
    ".kpi-table-box{overflow-x:auto;content-visibility:auto;contain-intrinsic-size:auto 400px}"
    "</style>"
)


# A cell this short stays on one line (a date, a document number, a unit's name) on a screen
# wider than a phone's: the browser would otherwise break 2023-05-08 after its hyphen, or a 号
# onto a line of its own.
KEEP_CHARS = 16


def _text(value: object) -> str:
    """A cell's text as shown, not yet escaped ('' for a missing value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def html_table(frame: pd.DataFrame, styles: Mapping[str, Sequence[str]] | None = None) -> str:
    """`frame` (its index left out) as an HTML table; `styles` gives some columns a CSS
    declaration per row (a light's print colours), '' for none."""
    styles = styles or {}
    numeric = {
        column
        for column in frame.columns
        if pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_bool_dtype(frame[column])
    }
    head = "".join(
        f"<th{' class=num' if column in numeric else ''}>{html.escape(_text(column))}</th>"
        for column in frame.columns
    )
    shaded = [styles.get(column) for column in frame.columns]
    rows = []
    for n, values in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for column, column_styles, value in zip(frame.columns, shaded, values, strict=True):
            text = _text(value)
            short = 0 < len(text) <= KEEP_CHARS
            attributes = " class=num" if column in numeric else " class=keep" if short else ""
            if column_styles and column_styles[n]:
                attributes += f' style="{html.escape(column_styles[n])}"'
            cells.append(f"<td{attributes}>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'{CSS}<div class="kpi-table-box"><table class="kpi-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )

"""What a bulletin holds (text, tables, figures) and what its PDF and DOCX share: light colours,
the CJK font, cell text, captions and the page footer's words."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.outputs import palette

if TYPE_CHECKING:  # plotly takes a while to import: `etl report` starts chromium first
    import plotly.graph_objects as go


@dataclass
class Table:
    """A captioned table; `lights` (achieved/green/yellow/red/grey) shade `light_column` by row.

    `cell_lights` shades several columns, each by its own row lights (a matrix such as sectors x
    indicators): column name -> one light key (or None) per row.
    """

    caption: str
    data: pd.DataFrame
    lights: Sequence[str | None] | None = None
    light_column: str | None = None
    cell_lights: Mapping[str, Sequence[str | None]] | None = None

    def __post_init__(self) -> None:
        if (self.lights is None) != (self.light_column is None):
            raise ValueError("Table.lights and Table.light_column go together")
        for column, lights in self.column_lights().items():
            if column not in self.data.columns:
                raise ValueError(f"light column {column!r} is not a column of the table")
            if len(lights) != len(self.data):
                raise ValueError(f"{len(lights)} lights for {len(self.data)} rows")
            unknown = {key for key in lights if key is not None} - set(palette.LIGHTS)
            if unknown:
                known = list(palette.LIGHTS)
                raise ValueError(f"unknown light keys {sorted(unknown)}; use {known}")

    def column_lights(self) -> dict[str, Sequence[str | None]]:
        """Every shaded column with its row lights (light_column and cell_lights together)."""
        shaded = dict(self.cell_lights or {})
        if self.lights is not None and self.light_column is not None:
            shaded[self.light_column] = self.lights
        return shaded

    def light_positions(self) -> dict[int, Sequence[str | None]]:
        """Column position -> row lights, for every shaded column."""
        columns = list(self.data.columns)
        return {columns.index(name): lights for name, lights in self.column_lights().items()}

    def numeric_columns(self) -> list[bool]:
        """Per column: does it hold numbers (right-aligned)?"""
        return [
            pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            for dtype in self.data.dtypes
        ]


@dataclass
class Figure:
    """A captioned plotly figure."""

    caption: str
    figure: go.Figure


@dataclass
class Section:
    """A heading followed by its paragraphs, then its tables, then its figures."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Bulletin:
    """Everything a bulletin shows; the method/sources section is an ordinary last Section."""

    title: str
    subtitle: str
    generated_on: dt.date
    language: Literal["zh", "en"] = "zh"
    demo_notice: str | None = None
    summary_paragraphs: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.language not in i18n.LANGS:
            raise ValueError(f"language must be one of {list(i18n.LANGS)}, not {self.language!r}")

    def figures(self) -> list[Figure]:
        """All figures in document order."""
        return [figure for section in self.sections for figure in section.figures]


def format_cell(value: Any, empty: str) -> str:
    """Display text of one table cell: at most two decimals, no thousands separators (years)."""
    if is_missing(value):
        return empty
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def format_date(day: dt.date, lang: str) -> str:
    """2026年1月15日 in Chinese, 2026-01-15 in English."""
    return i18n.t("document.date", lang, year=day.year, month=day.month, day=day.day)


def language_tag(lang: str) -> str:
    """The document's language as Word and HTML name it: zh-CN, en-US."""
    return i18n.t("document.language_tag", lang)


def table_caption(number: int, caption: str, lang: str) -> str:
    """表3　caption / Table 3. caption."""
    return i18n.t("document.table_caption", lang, n=number, caption=caption)


def figure_caption(number: int, caption: str, lang: str) -> str:
    """图3　caption / Figure 3. caption."""
    return i18n.t("document.figure_caption", lang, n=number, caption=caption)


def page_footer_parts(lang: str) -> list[tuple[str, str | None]]:
    """The page footer as (text, counter) pairs; counter is 'page', 'pages' or None.

    "第 {page} 页 / 共 {pages} 页" -> [("第 ", "page"), (" 页 / 共 ", "pages"), (" 页", None)]:
    the PDF turns a counter into CSS counter(), the DOCX into a Word field.
    """
    template = i18n.t("document.page_footer", lang)
    return [(text, name) for text, name, _, _ in string.Formatter().parse(template)]

"""Cached reads for the pages: one short-lived read of the newest snapshot per query, keyed by
its version."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi.auth.accounts import User
from kpi.base import config, i18n
from kpi.measure import alerts, assessment, series, tasks, tracking
from kpi.outputs import (
    bulletin,
    chart_data,
    charts,
    document,
    final_report,
    reference_tables,
    sparklines,
    status_tables,
    task_tables,
)
from kpi.store import db, intake, queries, snapshots
from kpi.web import card_grid


def db_file() -> str:
    """The database path the app reads ($KPI_DB or data/dashboard.duckdb)."""
    return str(config.db_path())


def db_version(path: str) -> int:
    """The newest published snapshot's version: a commit anywhere invalidates the caches."""
    return snapshots.version(Path(path))


@st.cache_data(show_spinner=False, max_entries=512)
def _query(path: str, version: int, fn_name: str, args: tuple):
    """Run `kpi.store.queries.<fn_name>(con, *args)` on a short-lived read connection."""
    del version  # part of the cache key only
    with db.read(path) as con:
        return getattr(queries, fn_name)(con, *args)


def query(path: str, fn_name: str, *args):
    """Cached result of one kpi.store.queries function (frames are copies: callers may edit)."""
    result = _query(path, db_version(path), fn_name, tuple(args))
    return result.copy() if isinstance(result, pd.DataFrame) else result


@st.cache_data(show_spinner=False, max_entries=16)
def _plan_records(path: str, version: int) -> dict[str, dict]:
    return {plan["plan_id"]: plan for plan in _query(path, version, "plans", ()).to_dict("records")}


def plan_records(path: str) -> dict[str, dict]:
    """Every plan's row by plan id, in queries.plans' order (the sidebar's choices and default):
    read on every run of every page, so built once per database version."""
    return _plan_records(path, db_version(path))


@st.cache_data(show_spinner=False, max_entries=128)
def _plan_data(path: str, version: int, plan_id: str, as_of: str) -> assessment.PlanData:
    del version
    with db.read(path) as con:
        return assessment.read_plan_data(con, plan_id, as_of)


def load_plan_data(path: str, plan_id: str, as_of: str) -> assessment.PlanData:
    """Reference rows and figures in force up to `as_of` (cached per database version)."""
    return _plan_data(path, db_version(path), plan_id, as_of)


@st.cache_data(show_spinner=False, max_entries=128)
def _status(path: str, version: int, plan_id: str, as_of: str) -> pd.DataFrame:
    return assessment.status_table(_plan_data(path, version, plan_id, as_of), as_of)


def load_status(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """One status row per indicator: the numbers `python -m etl status` prints."""
    return _status(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=128)
def _sector_status(path: str, version: int, plan_id: str, as_of: str) -> pd.DataFrame:
    return assessment.sector_status_table(_plan_data(path, version, plan_id, as_of), as_of)


def load_sector_status(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """One status row per indicator x sector with a sector target."""
    return _sector_status(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=32)
def _warning_list(path: str, version: int, plan_id: str, as_of: str) -> pd.DataFrame:
    def q(fn_name: str, *args) -> pd.DataFrame:
        return _query(path, version, fn_name, args).copy()  # cached frames stay untouched

    return alerts.warning_list(
        _plan_data(path, version, plan_id, as_of),
        q("tasks", plan_id),
        q("task_updates", plan_id, as_of),
        q("indicator_tasks", plan_id),
        q("responsible_units", plan_id),
        as_of,
        status=_status(path, version, plan_id, as_of).copy(),
    )


def load_warning_list(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """The 预警督办清单 rows (kpi.measure.alerts), computed once per database version."""
    return _warning_list(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=32)
def _default_as_of(path: str, version: int, plan_id: str) -> str:
    del version
    with db.read(path) as con:
        return assessment.default_as_of(con, plan_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _final_screen(
    path: str, version: int, plan_id: str, as_of: str, lang: str, with_evidence: bool
) -> tuple[document.Bulletin, list[final_report.ScreenSection]]:
    del version
    report = final_report.build_report(path, plan_id, as_of, lang, with_evidence=with_evidence)
    return dataclasses.replace(report, sections=[]), final_report.screen_sections(report)


def load_final_screen(
    path: str, plan_id: str, as_of: str, lang: str, with_evidence: bool
) -> tuple[document.Bulletin, list[final_report.ScreenSection]]:
    """The final evaluation report as its page shows it (attachment names when allowed): its
    front matter without the sections, and the sections with their tables as HTML. A rerun
    reads them, instead of the whole report and its tables to convert (~20 ms)."""
    return _final_screen(path, db_version(path), plan_id, as_of, lang, with_evidence)


def load_default_as_of(path: str, plan_id: str) -> str:
    """The latest quarter with data, never later than the current quarter."""
    return _default_as_of(path, db_version(path), plan_id)


def _cockpit_cards(path: str, version: int, plan_id: str, as_of: str, lang: str) -> list[dict]:
    """The overview's cards in display order: texts, sparkline SVG and its alt text."""
    data = _plan_data(path, version, plan_id, as_of)
    status = _status(path, version, plan_id, as_of).copy()  # cached frames stay untouched
    cards = status_tables.cockpit_cards(status, data, lang)
    measures = series.measure_frames(data)
    records = cards.to_dict("records")
    for card in records:
        measure = measures[card["indicator_code"]]
        progress_text = " · ".join(x for x in (card["completion"], card["expected"]) if x)
        card["progress_text"] = progress_text
        card["svg"] = sparklines.svg(measure, card["light"], card["progress"])
        card["alt"] = sparklines.alt_text(measure, progress_text, lang)
    return records


@st.cache_data(show_spinner=False, max_entries=64)
def _cockpit_grid(path: str, version: int, plan_id: str, as_of: str, lang: str) -> str:
    cards = _cockpit_cards(path, version, plan_id, as_of, lang)
    return card_grid.grid_html(cards, i18n.t("common.details", lang), lang)


def load_cockpit_grid(path: str, plan_id: str, as_of: str, lang: str) -> str:
    """The overview's cards as the grid's HTML (kpi.web.card_grid: texts, sparkline SVG and its
    alt text, in display order). A rerun of the overview (a quarter change, a switch back)
    redraws them without rebuilding them."""
    return _cockpit_grid(path, db_version(path), plan_id, as_of, lang)


@st.cache_resource(show_spinner=False, max_entries=256)
def _figure(path: str, version: int, name: str, args: tuple) -> go.Figure:
    return FIGURES[name](path, version, *args)


def figure(path: str, name: str, *args) -> go.Figure:
    """A page's Plotly figure, built once per database version and arguments (plan, quarter,
    language, ...): building one takes 30-100 ms, mostly Plotly validating the layout. Shared
    between sessions, so never changed after it is built (st.plotly_chart only reads it)."""
    return _figure(path, db_version(path), name, tuple(args))


def _indicator_chart(
    path: str, version: int, plan_id: str, as_of: str, lang: str, code: str
) -> go.Figure:
    status = _status(path, version, plan_id, as_of)
    row = status[status["indicator_code"] == code].iloc[0].to_dict()  # a copy
    data = _plan_data(path, version, plan_id, as_of)
    return charts.indicator_chart(
        **chart_data.chart_inputs(data, row, lang), title=i18n.name(row, lang)
    )


def _sector_bars(
    path: str, version: int, plan_id: str, as_of: str, lang: str, code: str
) -> go.Figure:
    grid, _, units = _sector_grid(path, version, plan_id, as_of, lang)
    return charts.sector_bars(grid[grid["indicator_code"] == code], lang, unit=units[code])


FIGURES = {
    "indicator_chart": _indicator_chart,
    "sector_bars": _sector_bars,
}


@st.cache_data(show_spinner=False, max_entries=64)
def _sector_grid(path: str, version: int, plan_id: str, as_of: str, lang: str):
    data = _plan_data(path, version, plan_id, as_of)
    sectors = _query(path, version, "sectors", (plan_id,)).copy()  # cached frames stay untouched
    codes = tasks.sector_indicator_codes(data.targets, data.indicators)
    status = _sector_status(path, version, plan_id, as_of).copy()
    grid = tasks.sector_grid(status, sectors, codes)
    indicators = data.indicators.set_index("indicator_code")
    rows = {code: indicators.loc[code].to_dict() for code in codes}
    names = {code: i18n.name(row, lang) for code, row in rows.items()}
    return grid, names, {code: i18n.unit(row, lang) for code, row in rows.items()}


def sector_grid(path: str, plan_id: str, as_of: str, lang: str):
    """(grid, names by code, display units by code) of the sector indicators: what the sector
    page's heat map and bars show."""
    return _sector_grid(path, db_version(path), plan_id, as_of, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _sector_views(path: str, version: int, plan_id: str, as_of: str, lang: str):
    data = _plan_data(path, version, plan_id, as_of)
    sectors = _query(path, version, "sectors", (plan_id,))
    sector_status = _sector_status(path, version, plan_id, as_of)
    table = bulletin.sector_matrix(data, sector_status, sectors, lang)
    codes = tasks.sector_indicator_codes(data.targets, data.indicators)
    status = _status(path, version, plan_id, as_of)
    check = series.sector_sum_check(data.targets, codes, sector_status, status)
    return (None if table is None else final_report.screen_cells(table)), check


def load_sector_views(path: str, plan_id: str, as_of: str, lang: str):
    """The sector page's table as shown (bulletin.sector_matrix: frame, cell styles; None
    without sector targets) and its sums against the city (series.sector_sum_check), built
    once per database version, quarter and language."""
    return _sector_views(path, db_version(path), plan_id, as_of, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _method_tables(
    path: str, version: int, plan_id: str, as_of: str, lang: str
) -> dict[str, pd.DataFrame]:
    data = _plan_data(path, version, plan_id, as_of)
    sectors = _query(path, version, "sectors", (plan_id,))
    sources = _query(path, version, "sources", (plan_id,))
    targets = data.targets
    multi = targets[targets["indicator_code"].isin(series.multi_target_indicators(targets))]
    # The check of the 分行业 page, same sign and tolerance (series.sector_sum_check).
    check = series.sector_sum_check(targets, tasks.sector_indicator_codes(targets, data.indicators))
    return {
        "semantics": reference_tables.semantics_table(data.indicators, lang),
        "sources": reference_tables.sources_table(sources, targets, data.milestones, lang),
        "targets": reference_tables.targets_table(targets, data.indicators, sectors, lang),
        "milestones": reference_tables.targets_table(
            data.milestones, data.indicators, sectors, lang
        ),
        "multi_targets": reference_tables.targets_table(
            multi[multi["sector_code"].isna()], data.indicators, sectors, lang
        ),
        "sector_sum": task_tables.sector_target_check_table(check, data.indicators, lang),
    }


def load_method_tables(path: str, plan_id: str, as_of: str, lang: str) -> dict[str, pd.DataFrame]:
    """The tables of 方法与来源 (semantics, sources, targets, milestones, multi_targets,
    sector_sum) as shown, built once per database version, quarter and language: every one is
    reference data, and building them took most of the page's run."""
    return _method_tables(path, db_version(path), plan_id, as_of, lang)


@st.cache_data(show_spinner=False, max_entries=256)
def _indicator_targets(
    path: str, version: int, plan_id: str, as_of: str, lang: str, code: str
) -> tuple[pd.DataFrame, str]:
    data = _plan_data(path, version, plan_id, as_of)
    sectors = _query(path, version, "sectors", (plan_id,))
    table = reference_tables.targets_table(data.targets, data.indicators, sectors, lang, code)
    return table, data.due_period(code)


def load_indicator_targets(
    path: str, plan_id: str, as_of: str, lang: str, code: str
) -> tuple[pd.DataFrame, str]:
    """指标详情's targets of one indicator as shown, and the quarter its target falls due."""
    return _indicator_targets(path, db_version(path), plan_id, as_of, lang, code)


@st.cache_data(show_spinner=False, max_entries=32)
def _warning_counts(path: str, version: int, plan_id: str, as_of: str):
    warnings = _warning_list(path, version, plan_id, as_of)
    counts = series.counts(
        _status(path, version, plan_id, as_of), _task_board(path, version, plan_id, as_of), warnings
    )
    return counts, alerts.unit_summary(warnings)


def load_warning_counts(path: str, plan_id: str, as_of: str) -> tuple[dict, pd.DataFrame]:
    """The warning list's counts (series.counts) and its per-unit summary (alerts.unit_summary)
    with no filter set, computed once per database version and quarter."""
    return _warning_counts(path, db_version(path), plan_id, as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def _reporting_status(
    path: str, version: int, plan_id: str, period: str, today: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    del version
    status = tracking.read_reporting_status(path, plan_id, period, today)
    return status, tracking.unit_summary(status)


def load_reporting_status(
    path: str, plan_id: str, period: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """上报进度 of a quarter as of today (tracking.reporting_status) and its per-unit summary
    (tracking.unit_summary), built once per store version and day: the upload page built them
    anew on every click of its own (~75 ms)."""
    return _reporting_status(path, db_version(path), plan_id, period, date.today())


@st.cache_data(show_spinner=False, max_entries=64)
def _writable_indicators(path: str, version: int, plan_id: str, user: User) -> list[str]:
    del version
    return intake.read_writable_indicators(path, plan_id, user)


def load_writable_indicators(path: str, plan_id: str, user: User) -> list[str]:
    """The indicators `user` may report (kpi.store.intake.writable_indicators), read once per
    store version and account."""
    return _writable_indicators(path, db_version(path), plan_id, user)


def clear_caches() -> None:
    """Forget every cached query; call after any write."""
    _cockpit_grid.clear()
    _plan_records.clear()
    _figure.clear()
    _query.clear()
    _plan_data.clear()
    _status.clear()
    _sector_status.clear()
    _warning_list.clear()
    _default_as_of.clear()
    _final_screen.clear()
    _task_board.clear()
    _overview_lists.clear()
    _sector_grid.clear()
    _sector_views.clear()
    _method_tables.clear()
    _indicator_targets.clear()
    _warning_counts.clear()
    _reporting_status.clear()
    _writable_indicators.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def _task_board(path: str, version: int, plan_id: str, as_of: str) -> pd.DataFrame:
    units = _query(path, version, "responsible_units", (plan_id,))
    return tasks.build_board(
        _query(path, version, "tasks", (plan_id,)),
        _query(path, version, "latest_task_status", (plan_id, as_of)),
        as_of,
        dict(zip(units["unit_zh"], units["unit_en"], strict=True)),
    )


def load_task_board(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """Every sub-task with its latest status and overdue flag at the as-of quarter (built once
    per database version and quarter: a rerun of a page reads it, ~20 ms less)."""
    return _task_board(path, db_version(path), plan_id, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview_lists(
    path: str, version: int, plan_id: str, as_of: str, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    board = _task_board(path, version, plan_id, as_of)
    behind = status_tables.laggards(
        _status(path, version, plan_id, as_of),
        _query(path, version, "indicator_tasks", (plan_id,)),
        _query(path, version, "tasks", (plan_id,)),
        _query(path, version, "responsible_units", (plan_id,)),
        lang,
    )
    return behind, tasks.overdue_by_unit(board)


def load_overview_lists(
    path: str, plan_id: str, as_of: str, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview's lists: the indicators behind with who is responsible
    (status_tables.laggards), and the units by overdue sub-tasks (tasks.overdue_by_unit). Built
    once per database version, quarter and language: a quarter change or a switch back reads
    them."""
    return _overview_lists(path, db_version(path), plan_id, as_of, lang)

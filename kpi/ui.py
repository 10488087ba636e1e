"""Streamlit helpers shared by the pages: sidebar and context, cached loaders, banners, badges.

Every page calls `page_setup()` first. When app.py already drew the shared sidebar in this run
(st.navigation), it only reads the choices; when the page was opened on its own (by URL before
app.py ran, or in AppTest.from_file) it draws the sidebar itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi import assessment, config, db, exports, i18n, periods, queries, views
from kpi.i18n import LANGS

LANG_KEY = "lang"
PLAN_KEY = "plan_id"
AS_OF_KEY = "as_of"
INDICATOR_KEY = "indicator"
# Set by app.py after it drew the sidebar; pages opened on their own never see it.
_SIDEBAR_BY_APP = "_ui_sidebar_by_app"
_LANG_NAMES = {"zh": "中文", "en": "English"}

# Display helpers live in kpi.views (pure, tested); re-exported for the pages.
format_value = views.format_value
format_pct = views.format_pct
format_points = views.format_points


@dataclass(frozen=True)
class Context:
    """What every page needs: language, plan, as-of quarter and the database file."""

    lang: str
    plan_id: str | None
    as_of: str
    db: str
    plan: dict

    def t(self, key: str, **fmt) -> str:
        """The label `key` in this page's language."""
        return i18n.t(key, self.lang, **fmt)


# ------------------------------------------------------------------ cached loaders


def db_file() -> str:
    """The database path the app reads ($KPI_DB or data/dashboard.duckdb)."""
    return str(config.db_path())


def db_version(path: str) -> tuple[float, int, float]:
    """Modification stamp of the file and its WAL: a write elsewhere invalidates the caches."""
    p = Path(path)
    wal = Path(path + ".wal")
    stat = p.stat() if p.exists() else None
    return (
        stat.st_mtime if stat else 0.0,
        stat.st_size if stat else 0,
        wal.stat().st_mtime if wal.exists() else 0.0,
    )


@st.cache_data(show_spinner=False, max_entries=512)
def _query(path: str, version: tuple, fn_name: str, args: tuple):
    """Run `kpi.queries.<fn_name>(con, *args)` on a short-lived read connection."""
    del version  # part of the cache key only
    with db.connect(path) as con:
        return getattr(queries, fn_name)(con, *args)


def query(path: str, fn_name: str, *args):
    """Cached result of one kpi.queries function (a copy for frames, so callers may edit it)."""
    if not Path(path).exists():
        db.ensure_database(Path(path))
    result = _query(path, db_version(path), fn_name, tuple(args))
    return result.copy() if isinstance(result, pd.DataFrame) else result


@st.cache_data(show_spinner=False, max_entries=128)
def _plan_data(path: str, version: tuple, plan_id: str, as_of: str) -> assessment.PlanData:
    del version
    with db.connect(path) as con:
        return assessment.read_plan_data(con, plan_id, as_of)


def load_plan_data(path: str, plan_id: str, as_of: str) -> assessment.PlanData:
    """Reference rows and figures in force up to `as_of` (cached per database version)."""
    return _plan_data(path, db_version(path), plan_id, as_of)


@st.cache_data(show_spinner=False, max_entries=128)
def _status(path: str, version: tuple, plan_id: str, as_of: str) -> pd.DataFrame:
    return assessment.status_table(_plan_data(path, version, plan_id, as_of), as_of)


def load_status(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """One status row per indicator: the numbers `python -m etl status` prints."""
    return _status(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=128)
def _sector_status(path: str, version: tuple, plan_id: str, as_of: str) -> pd.DataFrame:
    return assessment.sector_status_table(_plan_data(path, version, plan_id, as_of), as_of)


def load_sector_status(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """One status row per indicator x sector with a sector target."""
    return _sector_status(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=32)
def _warning_list(path: str, version: tuple, plan_id: str, as_of: str) -> pd.DataFrame:
    from kpi import warnings  # pure module; imported here like kpi.tasks below

    def q(fn_name: str, *args) -> pd.DataFrame:
        return _query(path, version, fn_name, args).copy()  # cached frames stay untouched

    return warnings.warning_list(
        _plan_data(path, version, plan_id, as_of),
        q("tasks", plan_id),
        q("task_updates", plan_id, as_of),
        q("indicator_tasks", plan_id),
        q("responsible_units", plan_id),
        as_of,
        status=_status(path, version, plan_id, as_of).copy(),
    )


def load_warning_list(path: str, plan_id: str, as_of: str) -> pd.DataFrame:
    """The 预警督办清单 rows (kpi.warnings), computed once per database version, not per rerun."""
    return _warning_list(path, db_version(path), plan_id, as_of).copy()


@st.cache_data(show_spinner=False, max_entries=32)
def _default_as_of(path: str, version: tuple, plan_id: str) -> str:
    del version
    with db.connect(path) as con:
        return assessment.default_as_of(con, plan_id)


def load_default_as_of(path: str, plan_id: str) -> str:
    """The latest quarter with data, never later than the current quarter."""
    return _default_as_of(path, db_version(path), plan_id)


def clear_caches() -> None:
    """Forget every cached query; call after any write."""
    _query.clear()
    _plan_data.clear()
    _status.clear()
    _sector_status.clear()
    _warning_list.clear()
    _default_as_of.clear()


# ------------------------------------------------------------------ sidebar and context


def current_lang() -> str:
    """The language chosen in the sidebar ("zh" until changed)."""
    lang = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return lang if lang in LANGS else i18n.DEFAULT_LANG


def t(key: str, **fmt) -> str:
    """The label `key` in the current language."""
    return i18n.t(key, current_lang(), **fmt)


def as_of_options(path: str, plan_id: str) -> list[str]:
    """Quarters with figures, up to the current quarter, newest first (current if none)."""
    current = periods.current_period()
    options = [p for p in query(path, "periods_with_figures", plan_id) if p <= current]
    return sorted(options, reverse=True) or [current]


def sidebar() -> Context:
    """Draw the shared sidebar controls (language, plan, as-of) and return the choices."""
    path = db_file()
    if st.session_state.get(LANG_KEY) not in LANGS:
        st.session_state[LANG_KEY] = i18n.DEFAULT_LANG
    with st.sidebar:
        lang = st.radio(
            i18n.t("sidebar.lang", current_lang()),
            LANGS,
            format_func=_LANG_NAMES.get,
            key=LANG_KEY,
            horizontal=True,
        )
        plans = query(path, "plans")
        if plans.empty:
            st.error(i18n.t("sidebar.no_plan", lang))
            return Context(lang, None, periods.current_period(), path, {})
        plan_ids = plans["plan_id"].tolist()
        if st.session_state.get(PLAN_KEY) not in plan_ids:
            st.session_state[PLAN_KEY] = plan_ids[0]
        if len(plan_ids) > 1:
            names = dict(zip(plan_ids, plans.to_dict("records"), strict=True))
            st.selectbox(
                i18n.t("sidebar.plan", lang),
                plan_ids,
                format_func=lambda p: i18n.name(names[p], lang),
                key=PLAN_KEY,
            )
        plan_id = st.session_state[PLAN_KEY]
        options = as_of_options(path, plan_id)
        if st.session_state.get(AS_OF_KEY) not in options:
            default = load_default_as_of(path, plan_id)
            st.session_state[AS_OF_KEY] = default if default in options else options[0]
        as_of = st.selectbox(
            i18n.t("sidebar.as_of", lang),
            options,
            key=AS_OF_KEY,
            help=i18n.t("sidebar.as_of_help", lang),
        )
    plan = plans.set_index("plan_id").loc[plan_id].to_dict() | {"plan_id": plan_id}
    return Context(lang, plan_id, as_of, path, plan)


def _context_from_state() -> Context:
    path = db_file()
    plans = query(path, "plans")
    plan_id = st.session_state.get(PLAN_KEY)
    if plans.empty or plan_id not in set(plans["plan_id"]):
        return sidebar()
    as_of = st.session_state.get(AS_OF_KEY) or load_default_as_of(path, plan_id)
    plan = plans.set_index("plan_id").loc[plan_id].to_dict() | {"plan_id": plan_id}
    return Context(current_lang(), plan_id, as_of, path, plan)


def app_sidebar() -> Context:
    """Called by app.py before pg.run(): draw the sidebar once for every page of this run."""
    ctx = sidebar()
    st.session_state[_SIDEBAR_BY_APP] = True
    return ctx


def page_setup() -> Context:
    """First call of every page: the shared context, drawing the sidebar if app.py did not."""
    if st.session_state.get(_SIDEBAR_BY_APP):
        return _context_from_state()
    # Opened on its own: app.py's page config did not run either.
    st.set_page_config(layout="wide", page_title=i18n.t("app.title", current_lang()))
    return sidebar()


# ------------------------------------------------------------------ banners and badges


def demo_banner(ctx: Context) -> bool:
    """Show the demo-data warning when any figure up to the as-of quarter is demo; True if shown."""
    if ctx.plan_id is None:
        return False
    if query(ctx.db, "demo_figures_in_force", ctx.plan_id, ctx.as_of):
        st.warning(i18n.t("demo.banner", ctx.lang))
        return True
    return False


def light_badge(light: str, lang: str) -> str:
    """Markdown for a coloured light badge (st.markdown renders :color-badge[...])."""
    return views.light_badge_markdown(light, lang)


def page_header(ctx: Context, title_key: str) -> None:
    """Page title, plan name, as-of quarter and the final-assessment line when it applies."""
    st.title(ctx.t(title_key))
    if not ctx.plan:
        return
    st.caption(f"{i18n.name(ctx.plan, ctx.lang)} · {ctx.t('common.as_of', as_of=ctx.as_of)}")
    end = ctx.plan.get("end_period")
    if end and periods.quarter_index(ctx.as_of) >= periods.quarter_index(end):
        st.info(ctx.t("common.final", end=end))


# ------------------------------------------------------------------ key tasks (附件1)


def load_task_board(ctx: Context) -> pd.DataFrame:
    """Every sub-task with its latest status and overdue flag at the as-of quarter."""
    from kpi import tasks  # pure module; imported here to keep this file's imports its own

    units = query(ctx.db, "responsible_units", ctx.plan_id)
    return tasks.build_board(
        query(ctx.db, "tasks", ctx.plan_id),
        query(ctx.db, "latest_task_status", ctx.plan_id, ctx.as_of),
        ctx.as_of,
        dict(zip(units["unit_zh"], units["unit_en"], strict=True)),
    )


def task_demo_banner(ctx: Context, board: pd.DataFrame) -> bool:
    """Warn that task statuses are demo data (演示任务状态) when any shown one is; True if shown."""
    if board["is_demo"].any():
        st.warning(ctx.t("tasks.demo_banner"))
        return True
    return False


# ------------------------------------------------------------------ tables with downloads


def _file_stem(ctx: Context, name: str) -> str:
    # File names are built from our own identifiers only, never from user input.
    parts = [name, ctx.plan_id or "", ctx.as_of, ctx.lang]
    return "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", p) for p in parts if p)


def table_captions(ctx: Context, title: str, *, demo: bool = False) -> list[str]:
    """Caption rows for an exported table: title, plan and as-of quarter, demo notice."""
    captions = [title]
    if ctx.plan:
        captions.append(
            f"{i18n.name(ctx.plan, ctx.lang)} · {ctx.t('common.as_of', as_of=ctx.as_of)}"
        )
    if demo:
        captions.append(ctx.t("demo.banner"))
    return captions


def data_table(
    ctx: Context, df: pd.DataFrame, name: str, title: str, *, demo: bool = False, **dataframe_args
) -> None:
    """Show `df` as st.dataframe with CSV and XLSX buttons that download exactly what is shown.

    `name` is an ASCII identifier for keys and file names; `title` heads the XLSX sheet, with the
    plan, the as-of quarter and (when `demo`) the demo-data notice under it. Files are built only
    when a button is clicked.
    """
    st.dataframe(df, hide_index=True, **dataframe_args)
    stem = _file_stem(ctx, name)
    captions = table_captions(ctx, title, demo=demo)
    files = {
        "csv": (functools.partial(exports.to_csv_bytes, df), "text/csv"),
        "xlsx": (
            functools.partial(exports.to_xlsx_bytes, {name: df}, title_rows={name: captions}),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
    for column, (fmt, (data, mime)) in zip(st.columns(2, width=260), files.items(), strict=True):
        column.download_button(
            fmt.upper(),
            data,
            f"{stem}.{fmt}",
            mime,
            key=f"download_{fmt}_{name}",
            icon=":material/download:",
            on_click="ignore",
            help=ctx.t("common.download_help"),
        )

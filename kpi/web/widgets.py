"""Streamlit pieces the pages share: demo banners and tables with their download buttons."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from kpi.base import i18n
from kpi.outputs import exports, html_table
from kpi.web.cache import query
from kpi.web.context import Context, current_lang

if TYPE_CHECKING:
    import plotly.graph_objects as go


def heading_with_text(heading: str, *markdown: str) -> None:
    """A heading (###) and the markdown under it as one element: each element costs the browser
    a few ms of every rerun. The caller escapes text that is not markdown."""
    st.markdown("\n\n".join([f"### {heading}", *markdown]))


def chart(figure: go.Figure, key: str, *, box=st, **options) -> None:
    """A Plotly figure in the look kpi.outputs.charts gives it (white template, CJK font), as the
    bulletin prints it. Streamlit's theme would be merged into every figure by the browser on each
    draw: about 10 ms a chart, a third of what a chart costs it."""
    box.plotly_chart(figure, key=key, theme=None, **options)


def demo_banner(ctx: Context) -> bool:
    """Show the demo-data warning when any figure up to the as-of quarter is demo; True if shown."""
    if ctx.plan_id is None:
        return False
    if query(ctx.db, "demo_figures_in_force", ctx.plan_id, ctx.as_of):
        st.warning(i18n.t("demo.banner", ctx.lang))
        return True
    return False


def task_demo_banner(ctx: Context, board: pd.DataFrame) -> bool:
    """Warn that task statuses are demo data (演示任务状态) when any shown one is; True if shown."""
    if board["is_demo"].any():
        st.warning(ctx.t("tasks.demo_banner"))
        return True
    return False


MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}


def report_stem(*parts: str) -> str:
    """A report's file name from our own identifiers only (plan id, quarter, language)."""
    return "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p) for p in parts if p)


def file_button(
    ctx: Context,
    where,
    label_key: str,
    build,
    file_name: str,
    key: str,
    help_text: str | None = None,
) -> None:
    """A download button in `where` (a column) whose file `build()` makes only when it is
    clicked (no rerun)."""
    where.download_button(
        ctx.t(label_key),
        build,
        file_name,
        MIME[file_name.rsplit(".", 1)[-1]],
        key=key,
        icon=":material/download:",
        on_click="ignore",
        help=help_text,
    )


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


def metric_row(metrics: list[tuple[str, object, str | None]]) -> None:
    """Bordered metrics (label, value, help) side by side, wrapping on a narrow screen: one row
    container, where columns would be a block per metric for the browser to draw."""
    row = st.container(horizontal=True, gap="small")
    for label, value, help_text in metrics:
        row.metric(label, value, help=help_text, border=True)


def lazy_expander(label: str, key: str):
    """An expander whose content is drawn only while it is open: the container, or None when
    closed. Tables are the costliest elements a page draws; one in a closed expander would be
    drawn all the same, for a reader who mostly never opens it. Opening it reruns the page."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def tab_sections(sections: dict[str, tuple[str, Callable[[], None]]], key: str) -> None:
    """One choice per section (id: (label, function drawing it)); only the chosen one is drawn.

    A segmented control, not st.tabs: st.tabs draws every tab's content, seen or not, and even
    with only the chosen tab drawn, five tabs cost the browser two to three times what the
    control costs on every rerun (bench/bench_elements.py). Choosing a section reruns the page.
    The choice is kept by id, not label, so it stays when the reader changes the language."""
    ids = list(sections)
    chosen = st.segmented_control(
        i18n.t("common.sections", current_lang()),
        ids,
        default=ids[0],
        required=True,
        key=key,
        format_func=lambda section: sections[section][0],
        label_visibility="collapsed",
    )
    sections.get(chosen, sections[ids[0]])[1]()


# Up to this many rows a table is plain HTML (kpi.outputs.html_table), whose cells wrap: in the
# browser it costs a sixth of a data grid or less (bench/bench_elements.py). Longer ones are
# grids, which scroll and sort.
SHORT_TABLE_ROWS = 12


def plain_table(frame: pd.DataFrame, styles: dict[str, list[str]] | None = None) -> None:
    """A short table as one HTML element; `styles`: a CSS declaration per row of some columns."""
    st.html(html_table.html_table(frame, styles))


def data_table(
    ctx: Context,
    df: pd.DataFrame,
    name: str,
    title: str,
    *,
    demo: bool = False,
    wrap: bool = False,
    styles: dict[str, list[str]] | None = None,
    download: pd.DataFrame | None = None,
    **dataframe_args,
) -> None:
    """Show `df` as st.dataframe with CSV and XLSX buttons that download exactly what is shown.

    `name` is an ASCII identifier for keys and file names; `title` heads the XLSX sheet, with the
    plan, the as-of quarter and (when `demo`) the demo-data notice under it. Files are built only
    when a button is clicked. These buttons are the only download: the table's own toolbar export
    would write cells raw (=HYPERLINK(...)), so .streamlit/config.toml turns it off
    (client.disableDataExport). `wrap` shows a short table as plain HTML, whose cells wrap, so a
    long list (every responsible unit) is read in full, also on a phone (no column config
    there); `styles` paints some of its columns' cells (a CSS declaration per row). `download`
    is what the files hold when it differs from what is shown (the audit log
    shows before/after readable and downloads the JSON written).
    """
    if wrap:
        plain_table(df, styles)
    else:
        st.dataframe(df, hide_index=True, **dataframe_args)
    stem = _file_stem(ctx, name)
    captions = table_captions(ctx, title, demo=demo)
    out = df if download is None else download
    files = {
        "csv": functools.partial(exports.to_csv_bytes, out),
        "xlsx": functools.partial(exports.to_xlsx_bytes, {name: out}, title_rows={name: captions}),
    }
    # One row container, not two columns: every table has this row, and each block is drawn.
    row = st.container(horizontal=True, gap="small")
    for fmt, data in files.items():
        row.download_button(
            fmt.upper(),
            data,
            f"{stem}.{fmt}",
            MIME[fmt],
            key=f"download_{fmt}_{name}",
            icon=":material/download:",
            on_click="ignore",
            help=ctx.t("common.download_help"),
        )

"""The quarterly bulletin (季度进展通报): from the store to a `document.Bulletin`, and its files.

Pure assembly: every number comes from kpi.measure.assessment and kpi.measure.tasks (the numbers
`python -m etl status` prints), every chart is kpi.outputs.charts.indicator_chart with the inputs
the indicator page uses, every text comes from kpi.base.i18n. kpi.outputs.bulletin_render draws
the PDF and the DOCX.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kpi.base import config, i18n, periods
from kpi.measure import alerts, assessment, series
from kpi.measure import tasks as measure_tasks
from kpi.measure.assessment import PlanData
from kpi.outputs import (
    alert_tables,
    bulletin_render,
    chart_data,
    chart_images,
    charts,
    document,
    explain,
    formatting,
    pdf_render,
    reference_tables,
    status_tables,
    task_tables,
)
from kpi.store import queries
from kpi.store.db import read
from kpi.store.queries import Con

TOP_MOVERS = 3  # biggest movers named in the summary, each way
TOP_GAPS = 3  # indicators furthest behind named in the summary
SUMMARY_UNITS = 2  # responsible units named per indicator in the summary


@dataclass(frozen=True)
class Inputs:
    """Everything the bulletin shows, read from the store in one go."""

    plan: dict
    as_of: str
    previous: str
    data: PlanData
    status: pd.DataFrame
    previous_status: pd.DataFrame
    sector_status: pd.DataFrame
    sectors: pd.DataFrame
    indicator_tasks: pd.DataFrame
    tasks: pd.DataFrame
    responsible_units: pd.DataFrame
    sources: pd.DataFrame
    board: pd.DataFrame
    warnings: pd.DataFrame  # the 预警督办清单 (alerts.warning_list)
    demo_figures: int
    pending_submissions: int = 0  # submissions waiting for review (not in these figures)


def read_inputs(con: Con, plan_id: str, as_of: str) -> Inputs:
    """The status of a plan at `as_of` and at the quarter before, its tasks and its sources."""
    periods.parse_period(as_of)
    data = assessment.read_plan_data(con, plan_id, as_of)
    previous = periods.add_quarters(as_of, -1)
    status = assessment.status_table(data, as_of).sort_values("sort_order")
    tasks = queries.tasks(con, plan_id)
    indicator_tasks = queries.indicator_tasks(con, plan_id)
    responsible_units = queries.responsible_units(con, plan_id)
    task_updates = queries.task_updates(con, plan_id, as_of)
    return Inputs(
        plan=data.plan | {"plan_id": plan_id},
        as_of=as_of,
        previous=previous,
        data=data,
        status=status,
        previous_status=assessment.indicator_status(con, plan_id, previous),
        sector_status=assessment.sector_status_table(data, as_of),
        sectors=queries.sectors(con, plan_id),
        indicator_tasks=indicator_tasks,
        tasks=tasks,
        responsible_units=responsible_units,
        sources=queries.sources(con, plan_id),
        board=measure_tasks.task_board(con, plan_id, as_of),
        warnings=alerts.warning_list(
            data, tasks, task_updates, indicator_tasks, responsible_units, as_of, status=status
        ),
        demo_figures=int(queries.demo_figures_in_force(con, plan_id, as_of) or 0),
        pending_submissions=queries.pending_submissions(con, plan_id),
    )


# ------------------------------------------------------------------ numbers for the summary


def summary_counts(status: pd.DataFrame) -> dict[str, int]:
    """Indicators in total and per light (the counts the summary's first sentence states)."""
    return {"total": len(status), **series.light_counts(status)}


def completion_changes(status: pd.DataFrame, previous_status: pd.DataFrame) -> pd.DataFrame:
    """indicator_code, change: completion now minus a quarter earlier (points), largest first."""
    before = previous_status.set_index("indicator_code")["completion"]
    change = status["completion"].astype(float) - status["indicator_code"].map(before).astype(float)
    frame = pd.DataFrame({"indicator_code": status["indicator_code"], "change": change})
    return frame.dropna().sort_values("change", ascending=False, kind="stable")


def _signed(points: float) -> str:
    """+12.0 / −4.6 / 0.0 percentage points."""
    text = formatting.format_points(abs(points))
    return text if text == "0.0" else ("+" if points > 0 else "−") + text


def join_items(items: list[str], lang: str) -> str:
    """'A、B、C' in Chinese, 'A, B and C' in English."""
    if len(items) == 1:
        return items[0]
    head = i18n.t("bulletin.list_separator", lang).join(items[:-1])
    return i18n.t("bulletin.list_last", lang, items=head, last=items[-1])


def join_sentences(texts: list[str], lang: str) -> str:
    """Sentences one after the other: no space between them in Chinese, one in English."""

    def pair(first: str, second: str) -> str:
        return i18n.t("format.two_sentences", lang, first=first, second=second)

    return functools.reduce(pair, texts)


def _numeral(number: int, lang: str) -> str:
    """一, 二, 三 ... in Chinese (sections and quarters), 1, 2, 3 ... in English."""
    return i18n.t("format.numerals", lang).split()[number - 1]


def _names(inputs: Inputs) -> dict[str, dict]:
    return {r["indicator_code"]: r for r in inputs.status.to_dict("records")}


def summary_paragraphs(inputs: Inputs, lang: str) -> list[str]:
    """Counts by light, the biggest movers, the largest gaps with their units, overdue tasks."""
    rows = _names(inputs)
    counts = summary_counts(inputs.status)
    final = status_tables.is_final(inputs.status)
    # From the plan's last quarter on the counts are 达标 / 未达标 / 无数据 only.
    key = "final.summary_counts" if final else "bulletin.summary.counts"
    first = i18n.t(key, lang, as_of=inputs.as_of, **counts)
    if final:
        end = inputs.plan["end_period"]
        first = join_sentences([first, i18n.t("bulletin.summary.final", lang, end=end)], lang)
    out = [first]

    changes = completion_changes(inputs.status, inputs.previous_status)
    up = changes[changes["change"] >= 0.05].head(TOP_MOVERS)
    down = changes[changes["change"] <= -0.05].tail(TOP_MOVERS).iloc[::-1]

    def mover(r: dict) -> str:
        name = i18n.name(rows[r["indicator_code"]], lang)
        return i18n.t("bulletin.summary.mover", lang, name=name, points=_signed(r["change"]))

    if up.empty and down.empty:
        out.append(i18n.t("bulletin.summary.no_movers", lang, previous=inputs.previous))
    else:
        parts = []
        if not up.empty:
            items = join_items([mover(r) for r in up.to_dict("records")], lang)
            parts.append(
                i18n.t("bulletin.summary.movers_up", lang, previous=inputs.previous, items=items)
            )
        if not down.empty:
            items = join_items([mover(r) for r in down.to_dict("records")], lang)
            parts.append(i18n.t("bulletin.summary.movers_down", lang, items=items))
        out.append(join_sentences(parts, lang))

    out.append(gaps_sentence(inputs, lang))
    counts = inputs_counts(inputs)
    out.append(tasks_sentence(counts, lang))
    out.append(alert_tables.warning_summary(counts, final, lang))
    return out


def gaps_sentence(inputs: Inputs, lang: str) -> str:
    """The indicators furthest behind (missed by most, after the plan) with their units."""
    final = status_tables.is_final(inputs.status)
    behind = laggards_table(inputs, lang, max_units=SUMMARY_UNITS)
    if behind.empty:
        none = status_tables.behind_title(inputs.status, lang, empty=True)
        return none + i18n.t("format.full_stop", lang)
    records = behind.head(TOP_GAPS).to_dict("records")
    key = "final.summary_gap" if final else "bulletin.summary.gap"
    # Each sentence takes the columns it names (light and gap in the plan, margin after it).
    columns = {name: i18n.t(column, lang) for name, column in _GAP_COLUMNS.items()}
    items = [
        i18n.t(key, lang, **{name: r.get(column, "") for name, column in columns.items()})
        for r in records
    ]
    # The items hold commas and 、 themselves: separate them more strongly.
    joined = i18n.t("format.clause_separator", lang).join(items)
    gaps = "final.summary_gaps" if final else "bulletin.summary.gaps"
    return i18n.t(gaps, lang, items=joined)


def inputs_counts(inputs: Inputs) -> dict[str, int]:
    """series.counts of the bulletin's inputs: the counts the pages state."""
    return series.counts(inputs.status, inputs.board, inputs.warnings)


def tasks_sentence(counts: dict[str, int], lang: str) -> str:
    """Sub-tasks by status and how many are overdue, with the units responsible for them."""
    return i18n.t(
        "bulletin.summary.tasks",
        lang,
        **counts,
        total=counts["subtasks"],
        units=counts["task_units"],
    )


# ------------------------------------------------------------------ tables and charts


_GAP_COLUMNS = {
    "name": "col.indicator",
    "light": "col.light",
    "gap": "col.gap",
    "completion": "col.completion",
    "margin": "final.col.margin",
    "units": "col.units",
}


def laggards_table(inputs: Inputs, lang: str, max_units: int | None = None) -> pd.DataFrame:
    """Red and yellow indicators, red first and most behind first, with their responsible units."""
    return status_tables.laggards(
        inputs.status,
        inputs.indicator_tasks,
        inputs.tasks,
        inputs.responsible_units,
        lang,
        max_units=max_units,
    )


def _behind_rows(inputs: Inputs) -> list[dict]:
    """Status rows of the red, yellow and missed indicators in laggards order."""
    return status_tables.behind(inputs.status).to_dict("records")


def indicators_table(inputs: Inputs, lang: str, *, with_change: bool = True) -> document.Table:
    """Every indicator: actual (with its data period when older), target, completion, light;
    `with_change` adds the change in completion on the quarter before."""
    change = completion_changes(inputs.status, inputs.previous_status).set_index("indicator_code")[
        "change"
    ]
    records = inputs.status.to_dict("records")
    actual = []
    for r in records:
        text = formatting.format_value(r["actual"], r, lang)
        period = r.get("data_period")
        if isinstance(period, str) and period != inputs.as_of:
            text = i18n.t("format.with_note", lang, text=text, note=period)
        actual.append(text)
    frame = pd.DataFrame(
        {
            i18n.t("col.indicator", lang): [i18n.name(r, lang) for r in records],
            i18n.t("col.actual", lang): actual,
            i18n.t("col.target", lang): [
                formatting.format_value(r["target"], r, lang) for r in records
            ],
            i18n.t("col.completion", lang): [formatting.completion_text(r, lang) for r in records],
            # After the plan the expected path is the target itself: say how far from it instead.
            **(
                {i18n.t("final.col.margin", lang): [explain.margin_text(r, lang) for r in records]}
                if status_tables.is_final(inputs.status)
                else {
                    i18n.t("bulletin.col.expected", lang): [
                        formatting.format_pct(r["expected_completion"]) for r in records
                    ]
                }
            ),
            **(
                {
                    i18n.t("bulletin.col.change", lang): [
                        _signed(change[r["indicator_code"]])
                        if r["indicator_code"] in change
                        else "—"
                        for r in records
                    ]
                }
                if with_change
                else {}
            ),
            i18n.t("col.light", lang): [i18n.light_name(r["light"], lang) for r in records],
        }
    )
    return document.Table(
        i18n.t("bulletin.indicators_table", lang, as_of=inputs.as_of),
        frame,
        lights=[r["light"] for r in records],
        light_column=i18n.t("col.light", lang),
    )


def indicator_figures(inputs: Inputs, lang: str) -> list[document.Figure]:
    """The indicator page's chart for every red and yellow indicator, red first."""
    return [
        document.Figure(
            i18n.t(
                "bulletin.figure_caption",
                lang,
                name=i18n.name(row, lang),
                light=i18n.light_name(row["light"], lang),
            ),
            charts.indicator_chart(
                **chart_data.chart_inputs(inputs.data, row, lang), title=i18n.name(row, lang)
            ),
        )
        for row in _behind_rows(inputs)
    ]


def sector_matrix(
    data: PlanData, sector_status: pd.DataFrame, sectors: pd.DataFrame, lang: str
) -> document.Table | None:
    """Sectors x sector-target indicators: completion and what it is made of, cells shaded by
    light. The bulletin, the final report and the 分行业 page show this one table."""
    codes = measure_tasks.sector_indicator_codes(data.targets, data.indicators)
    if not codes:  # a plan without sector targets: its sector status has no columns either
        return None
    grid = measure_tasks.sector_grid(sector_status, sectors, codes)
    if grid.empty:
        return None
    # The baseline says what a completion is made of (formatting.completion_text).
    grid = grid.merge(
        sector_status[["indicator_code", "sector_code", "baseline"]],
        on=["indicator_code", "sector_code"],
        how="left",
    )
    meta = data.indicators.set_index("indicator_code")
    name_col = i18n.column("name", lang)
    names = list(dict.fromkeys(grid[name_col]))
    table = {i18n.t("col.sector", lang): names}
    lights = {}
    for code in codes:
        ind = meta.loc[code].to_dict()
        cells = {r[name_col]: r for r in grid[grid["indicator_code"] == code].to_dict("records")}
        column = i18n.name(ind, lang)
        texts, keys = [], []
        for sector in names:
            cell = cells.get(sector)
            if cell is None:
                texts.append("—")
                keys.append(None)
                continue
            texts.append(formatting.completion_text(cell, lang, ind, with_pair=True))
            keys.append(cell["light"])
        table[column] = texts
        lights[column] = keys
    return document.Table(
        i18n.t("bulletin.sectors_table", lang), pd.DataFrame(table), cell_lights=lights
    )


# ------------------------------------------------------------------ sections


def plain_paragraphs(markdown: str) -> list[str]:
    """Markdown bullets of the method page as plain paragraphs (no '- ', no '**')."""
    lines = [re.sub(r"^\s*-\s+", "", line).replace("**", "") for line in markdown.splitlines()]
    return [line for line in lines if line.strip()]


# A sentence that names a setting of the server (KPI_YELLOW_FROM ...): the method page shows it;
# the bulletin's readers cannot act on it, and the values it sets are stated in the same line.
def section_heading(number: int, key: str, lang: str) -> str:
    return i18n.t("bulletin.heading", lang, number=_numeral(number, lang), text=i18n.t(key, lang))


def thresholds_text() -> dict[str, str]:
    return {"yellow": f"{config.YELLOW_FROM_POINTS:g}", "red": f"{config.RED_ABOVE_POINTS:g}"}


def sections(inputs: Inputs, lang: str) -> list[document.Section]:
    """The body: indicators, laggards with charts, sectors, overdue tasks, method, sources."""
    t = functools.partial(i18n.t, lang=lang)
    data = inputs.data
    stop = t("format.full_stop")
    out = [
        document.Section(
            section_heading(1, "bulletin.section.indicators", lang),
            [
                status_tables.legend(
                    inputs.status,
                    lang,
                    end=inputs.plan["end_period"],
                    yellow=config.YELLOW_FROM_POINTS,
                    red=config.RED_ABOVE_POINTS,
                ),
                t("bulletin.indicators_note"),
            ],
            tables=[indicators_table(inputs, lang)],
        )
    ]
    behind = laggards_table(inputs, lang)
    laggards = document.Section(section_heading(2, "bulletin.section.laggards", lang))
    final = status_tables.is_final(inputs.status)
    if behind.empty:
        laggards.paragraphs.append(
            status_tables.behind_title(inputs.status, lang, empty=True) + stop
        )
    else:
        intro = "final.laggards_intro" if final else "bulletin.laggards_intro"
        laggards.paragraphs.append(t(intro, n=len(behind)))
        lights = [r["light"] for r in _behind_rows(inputs)]
        caption = t("final.laggards_table" if final else "bulletin.laggards_table")
        laggards.tables.append(document.Table(caption, behind, lights, t("col.light")))
        laggards.figures.extend(indicator_figures(inputs, lang))
    out.append(laggards)

    matrix = sector_matrix(inputs.data, inputs.sector_status, inputs.sectors, lang)
    out.append(
        document.Section(
            section_heading(3, "bulletin.section.sectors", lang),
            [t("sectors.heatmap_help") + stop if matrix else t("bulletin.no_sectors")],
            tables=[matrix] if matrix else [],
        )
    )

    overdue = task_tables.overdue_units_table(measure_tasks.overdue_by_unit(inputs.board), lang)
    out.append(
        document.Section(
            section_heading(4, "bulletin.section.tasks", lang),
            [tasks_sentence(inputs_counts(inputs), lang), t("tasks.overdue_help") + stop]
            + ([] if not overdue.empty else [t("bulletin.no_overdue")]),
            tables=[document.Table(t("bulletin.overdue_table"), overdue)]
            if not overdue.empty
            else [],
        )
    )

    base, end = inputs.plan["base_period"], inputs.plan["end_period"]
    method = plain_paragraphs(t("method.intro")) + plain_paragraphs(
        t("method.formulas", base=base, end=end, **thresholds_text())
    )
    if inputs.demo_figures:
        method.append(t("bulletin.demo_text", n=inputs.demo_figures))
    if inputs.pending_submissions:  # the bulletin reports approved figures only
        method.append(t("review.bulletin_pending", n=inputs.pending_submissions))
    demo_tasks = int(inputs.board["is_demo"].sum())
    if demo_tasks:
        method.append(t("bulletin.demo_tasks", n=demo_tasks))
    out.append(
        document.Section(
            section_heading(5, "bulletin.section.method", lang),
            method,
            tables=[
                document.Table(
                    t("method.semantics"), reference_tables.semantics_table(data.indicators, lang)
                )
            ],
        )
    )

    sources = [
        document.Table(
            t("bulletin.sources_table"),
            reference_tables.sources_table(inputs.sources, data.targets, data.milestones, lang),
        )
    ]
    multi = data.targets[
        data.targets["indicator_code"].isin(series.multi_target_indicators(data.targets))
        & data.targets["sector_code"].isna()
    ]
    if not multi.empty:
        sources.append(
            document.Table(
                t("method.multi_targets"),
                reference_tables.targets_table(multi, data.indicators, inputs.sectors, lang).drop(
                    columns=t("col.sector")  # city-wide rows only
                ),
            )
        )
    # The check of the 分行业 and 方法与来源 pages: one sign, one tolerance.
    codes = measure_tasks.sector_indicator_codes(data.targets, data.indicators)
    sums = task_tables.sector_target_check_table(
        series.sector_sum_check(data.targets, codes), data.indicators, lang
    )
    if codes:
        sources.append(document.Table(t("method.sector_sum"), sums))
    out.append(
        document.Section(
            section_heading(6, "bulletin.section.sources", lang),
            [t("method.sources_intro"), t("sectors.sum_check_help")],
            tables=sources,
        )
    )
    return out


# A space next to a Chinese character and a number, a Latin word or another Chinese character
# ("最近 8 个季度", "市科技局 等"): justified Chinese lines stretch exactly these into gaps.
_CJK_SPACE = re.compile(
    r"(?<=[\u4e00-\u9fff])\s+(?=[0-9A-Za-z\u4e00-\u9fff])"
    r"|(?<=[0-9A-Za-z%])\s+(?=[\u4e00-\u9fff])"
)


def tight_text(text: str, lang: str) -> str:
    """Chinese paragraph text without spaces around numbers (they stretch when justified)."""
    # A rule of Chinese typesetting, not a text: an English sentence quoting a Chinese term
    # (序时进度, a unit's name) keeps the spaces around it.
    return _CJK_SPACE.sub("", text) if lang == "zh" else text


def _is_demo(inputs: Inputs) -> bool:
    return bool(inputs.demo_figures) or bool(inputs.board["is_demo"].any())


def plan_subtitle(plan: dict, lang: str) -> str:
    """The plan's name with its document number: '湛江市…（湛府〔2023〕14号）'."""
    doc_no = plan.get("doc_no")
    name = i18n.name(plan, lang)
    if isinstance(doc_no, str) and doc_no:
        return i18n.t("format.with_note", lang, text=name, note=doc_no)
    return name


def assemble(
    inputs: Inputs, lang: str = "zh", *, today: dt.date | None = None
) -> document.Bulletin:
    """The bulletin of `inputs` in `lang` ('zh' or 'en')."""
    if lang not in i18n.LANGS:
        raise ValueError(f"lang must be one of {i18n.LANGS}, not {lang!r}")
    year, quarter = periods.year_of(inputs.as_of), int(inputs.as_of[-1])
    return document.Bulletin(
        title=i18n.t("bulletin.title", lang, year=year, quarter=_numeral(quarter, lang)),
        subtitle=plan_subtitle(inputs.plan, lang),
        generated_on=today or dt.date.today(),
        language=lang,
        demo_notice=i18n.t("bulletin.demo_notice", lang) if _is_demo(inputs) else None,
        summary_paragraphs=[tight_text(p, lang) for p in summary_paragraphs(inputs, lang)],
        sections=[
            replace(part, paragraphs=[tight_text(p, lang) for p in part.paragraphs])
            for part in sections(inputs, lang)
        ],
    )


@contextlib.contextmanager
def open_store(con_or_path: Con | str | Path | None) -> Iterator[Con]:
    if isinstance(con_or_path, duckdb.DuckDBPyConnection):
        yield con_or_path
    else:
        with read(con_or_path) as con:
            yield con


def build_bulletin(
    con_or_path: Con | str | Path | None,
    plan_id: str,
    as_of: str,
    lang: str = "zh",
    *,
    today: dt.date | None = None,
) -> document.Bulletin:
    """The bulletin of a plan at a quarter; a path opens (and closes) its own connection."""
    with open_store(con_or_path) as con:
        inputs = read_inputs(con, plan_id, as_of)
    return assemble(inputs, lang, today=today)


# ------------------------------------------------------------------ files


def bulletin_files(
    con_or_path: Con | str | Path | None,
    plan_id: str,
    as_of: str,
    lang: str = "zh",
    *,
    formats: tuple[str, ...] = bulletin_render.FORMATS,
    today: dt.date | None = None,
    exporter: chart_images.ChartExporter | None = None,
) -> dict[str, bytes]:
    """The bulletin as {'pdf': ..., 'docx': ...} (or just the `formats` asked for).

    Work overlaps where it can: chromium (seconds to start) starts before the store is read,
    once the plan has figures, and runs while the tables and charts are built, then draws the
    charts while the PDF and the DOCX are laid out. A bulletin with no indicator behind has no
    chart: its chromium is closed in the background. A caller may pass an `exporter` it
    started even earlier (it stays open). The charts are exported once for both formats.
    """
    bulletin_render.check_formats(formats)  # before the store is read and chromium started
    if "pdf" in formats:
        pdf_render.preload_pdf_engine()  # about a second of imports, meanwhile
    with contextlib.ExitStack() as stack:
        with open_store(con_or_path) as con:
            # Without a browser, charts fail with SetupError once there are some to export.
            browser = config.browser_path().is_file()
            if exporter is None and browser and queries.has_figures(con, plan_id, as_of):
                exporter = chart_images.ChartExporter(one_batch=True)
                stack.callback(exporter.close_in_background)
            inputs = read_inputs(con, plan_id, as_of)
        bulletin = assemble(inputs, lang, today=today)
        return bulletin_render.render_files(bulletin, formats, exporter=exporter)


@functools.lru_cache(maxsize=4)
def _cached_files(
    db: str, version: Any, plan_id: str, as_of: str, lang: str, today: dt.date
) -> dict[str, bytes]:
    del version  # part of the cache key only
    return bulletin_files(db, plan_id, as_of, lang, today=today)


def bulletin_file(
    db: str, plan_id: str, as_of: str, lang: str, fmt: str, *, version: Any = None
) -> bytes:
    """PDF or DOCX bytes for the dashboard's download buttons.

    Both formats are rendered together (one chart export) and kept for the next click; pass
    `version` (kpi.web.cache.db_version) so that a write to the store starts afresh.
    """
    bulletin_render.check_formats([fmt])
    return _cached_files(str(db), version, plan_id, as_of, lang, dt.date.today())[fmt]

"""终期评估报告 (a plan's final evaluation): from the store to a `document.Bulletin`, and its files.

Pure assembly on top of the quarterly bulletin's pieces (kpi.outputs.bulletin): the same inputs,
status numbers, tables and formatting, drawn by the same renderers. Every number comes from
kpi.measure (assessment, progress, tasks, series); nothing here works out a completion itself.
The report is taken at the plan's end quarter: a later quarter (figures of the next plan) still
gives the end quarter; an earlier one gives an interim reading, said so in the title.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from kpi.base import config, i18n, periods
from kpi.measure import assessment, progress, series
from kpi.measure import tasks as measure_tasks
from kpi.measure.tasks import DELAYED, DONE, IN_PROGRESS, NO_UPDATE, NOT_STARTED
from kpi.outputs import (
    bulletin,
    bulletin_render,
    document,
    explain,
    formatting,
    html_table,
    palette,
    pdf_render,
    reference_tables,
    status_tables,
    task_tables,
)
from kpi.outputs.bulletin import (
    join_items,
    join_sentences,
    open_store,
    plain_paragraphs,
    section_heading,
    thresholds_text,
    tight_text,
)
from kpi.store import queries
from kpi.store.queries import Con

TOP_UNITS = 3  # responsible units with the lowest completion named in the summary

# A sub-task's final state is the stored status it stands for (so the unit scorecard of
# kpi.measure.tasks counts it): 完成 done, 滞后 late, 未启动 not started, 推进中 (interim only).
FINAL_STATES = (DONE, DELAYED, NOT_STARTED)
INTERIM_STATES = (DONE, IN_PROGRESS, DELAYED, NOT_STARTED)
# How a state is shaded in the report (a light key of kpi.outputs.palette).
STATE_LIGHTS = {DONE: "achieved", IN_PROGRESS: "green", DELAYED: "missed", NOT_STARTED: "grey"}


def final_state(status: str, final: bool) -> str:
    """The sub-task's state in the report from its latest stored status up to the as-of quarter.

    done -> 完成; never reported or not started -> 未启动; delayed -> 滞后; in progress -> 滞后
    once the plan has ended (the work was due by then), 推进中 in an interim reading.
    """
    if status == DONE:
        return DONE
    if status in (NOT_STARTED, NO_UPDATE):
        return NOT_STARTED
    if status == DELAYED or final:
        return DELAYED
    return IN_PROGRESS


def report_as_of(plan: dict, as_of: str | None = None) -> str:
    """The quarter the report is taken at: the plan's end quarter, or `as_of` when earlier."""
    end = plan["end_period"]
    if as_of is None:
        return end
    periods.parse_period(as_of)
    return min(as_of, end, key=periods.quarter_index)


@dataclass(frozen=True)
class FinalInputs:
    """The bulletin's inputs at the report's quarter, plus every task update and attachment."""

    inputs: bulletin.Inputs
    final: bool  # the plan has ended at this quarter (else an interim reading)
    # The task board with `state` (final_state), `evidence_list` (what its updates name as
    # evidence, and its attachments' names and links when listed) and `hidden_attachments`.
    board: pd.DataFrame
    with_evidence: bool  # attachment names and links listed (else only how many)


def _evidence_lists(
    board: pd.DataFrame, updates: pd.DataFrame, files: pd.DataFrame, as_of: str, with_names: bool
) -> tuple[list[list[str]], list[int]]:
    """Per board row: the evidence written in its updates up to `as_of`, then its attachments'
    names and links (`with_names`), and how many attachments are not named."""
    keys = list(zip(board["group_no"], board["subtask_no"], strict=True))
    written: dict[tuple, list[str]] = {key: [] for key in keys}
    for r in updates[updates["period"] <= as_of].to_dict("records"):
        text = r.get("evidence")
        key = (r["group_no"], r["subtask_no"])
        if isinstance(text, str) and text.strip() and key in written:
            written[key].append(text.strip())
    attached: dict[tuple, list[str]] = {key: [] for key in keys}
    files = files[files["update_id"].notna() & (files["update_period"] <= as_of)]
    for r in files.to_dict("records"):
        key = (r["group_no"], r["subtask_no"])
        if key in attached:
            name = r["file_name"] if r["kind"] == "file" else r["url"]
            attached[key].append(str(name))
    lists, hidden = [], []
    for key in keys:
        items = list(dict.fromkeys(written[key]))
        if with_names:
            items += list(dict.fromkeys(attached[key]))
        lists.append(items)
        hidden.append(0 if with_names else len(attached[key]))
    return lists, hidden


def read_final_inputs(
    con: Con, plan_id: str, as_of: str | None = None, *, with_evidence: bool = True
) -> FinalInputs:
    """Everything the report shows, read in one go at `report_as_of(plan, as_of)`."""
    at = report_as_of(queries.plan(con, plan_id), as_of)
    inputs = bulletin.read_inputs(con, plan_id, at)
    final = progress.is_final(at, inputs.plan["end_period"])
    board = inputs.board.copy()
    board["state"] = [final_state(s, final) for s in board["status"]]
    board["evidence_list"], board["hidden_attachments"] = _evidence_lists(
        board,
        queries.task_update_history(con, plan_id),
        queries.attachments(con, plan_id),
        at,
        with_evidence,
    )
    return FinalInputs(inputs, final, board, with_evidence)


# ------------------------------------------------------------------ numbers


def state_counts(board: pd.DataFrame) -> dict[str, int]:
    """Sub-tasks per final state (every state, zero when none) and in total."""
    counts = {state: int((board["state"] == state).sum()) for state in INTERIM_STATES}
    return counts | {"total": len(board)}


def conflict_rows(fi: FinalInputs) -> pd.DataFrame:
    """City-wide target rows of the indicators whose sources give different values, default
    first, each with the result it gives: the status table's for the target in force,
    kpi.measure.progress.assess with the other value for the others."""
    inputs = fi.inputs
    data = inputs.data
    city = data.targets[data.targets["sector_code"].isna()]
    codes = [
        code
        for code in series.multi_target_indicators(data.targets)
        if city.loc[city["indicator_code"] == code, "value"].nunique() > 1
    ]
    status = inputs.status.set_index("indicator_code")
    figures = series.city_rows(data.figures)
    rows = []
    for code in [c for c in inputs.status["indicator_code"] if c in codes]:
        ind = status.loc[code].to_dict() | {"indicator_code": code}
        of_code = city[city["indicator_code"] == code].sort_values(
            "is_default", ascending=False, kind="stable"
        )
        # A clause that repeats the target in force (附件1 restating 表1) is no other side.
        used = float(ind["target"])
        of_code = of_code[of_code["is_default"] | (of_code["value"].astype(float) != used)]
        for target in of_code.to_dict("records"):
            if target["is_default"]:
                result = ind
            else:
                measured = progress.assess(
                    assessment.indicator_input(
                        data,
                        code,
                        figures[figures["indicator_code"] == code],
                        float(target["value"]),
                    ),
                    inputs.as_of,
                    assessment.thresholds(),
                ).as_dict()
                result = ind | measured
            rows.append({"target_row": target, "result": result, "indicator": ind})
    return pd.DataFrame(rows, columns=["target_row", "result", "indicator"])


def unit_scorecard(fi: FinalInputs) -> pd.DataFrame:
    """Per responsible unit: its sub-tasks by final state (kpi.measure.tasks.unit_scorecard of
    the final states) and its linked indicators by light; lowest completion first."""
    board = fi.board.assign(status=fi.board["state"])
    card = measure_tasks.unit_scorecard(board)
    links = fi.inputs.indicator_tasks.merge(
        fi.board[["group_no", "subtask_no", "units"]], on=["group_no", "subtask_no"]
    )
    pairs = links[["indicator_code", "units"]].explode("units").dropna().drop_duplicates()
    lights = fi.inputs.status.set_index("indicator_code")["light"]
    pairs["light"] = pairs["indicator_code"].map(lights)
    by_light = pd.crosstab(pairs["units"], pairs["light"])
    for light in progress.LIGHTS:
        column = by_light[light] if light in by_light else pd.Series(dtype=int)
        card[f"indicators_{light}"] = card["unit_zh"].map(column).fillna(0).astype(int)
    card["indicators"] = card["unit_zh"].map(pairs.groupby("units").size()).fillna(0).astype(int)
    return card.sort_values(
        ["completion_rate", "n_subtasks", "unit_zh"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)


# ------------------------------------------------------------------ sentences


def _count_items(counts: dict[str, int], names: dict[str, str], lang: str) -> str:
    """'达标 3 项、未达标 5 项' from counts and their names, zero counts left out."""
    items = [
        i18n.t("final.report.count_item", lang, name=names[key], n=n)
        for key, n in counts.items()
        if n
    ]
    return join_items(items, lang) if items else "0"


def _by_indicator(conflicts: pd.DataFrame) -> list[list[dict]]:
    """conflict_rows grouped by indicator, in order."""
    by_code: dict[str, list[dict]] = {}
    for r in conflicts.to_dict("records"):
        by_code.setdefault(r["indicator"]["indicator_code"], []).append(r)
    return list(by_code.values())


def conflicts_sentence(conflicts: pd.DataFrame, lang: str) -> str | None:
    """How many indicators' sources disagree, and whether any result would change."""
    if conflicts.empty:
        return None
    groups = _by_indicator(conflicts)
    items, changed = [], []
    for rows in groups:
        ind = rows[0]["indicator"]
        values = " / ".join(
            formatting.format_value(r["target_row"]["value"], ind, lang) for r in rows
        )
        items.append(i18n.t("format.with_note", lang, text=i18n.name(ind, lang), note=values))
        if any(r["result"]["light"] != ind["light"] for r in rows):
            changed.append(ind)
    first = i18n.t(
        "final.report.summary_conflicts",
        lang,
        n=len(groups),
        items=i18n.t("format.clause_separator", lang).join(items),
    )
    if changed:
        second = i18n.t(
            "final.report.conflicts_change",
            lang,
            n=len(changed),
            names=join_items([i18n.name(ind, lang) for ind in changed], lang),
        )
    else:
        second = i18n.t("final.report.conflicts_same", lang)
    return join_sentences([first, second], lang)


def tasks_sentence(fi: FinalInputs, lang: str) -> str:
    """Sub-tasks by final state and the share done."""
    counts = state_counts(fi.board)
    rate = counts[DONE] / counts["total"] * 100 if counts["total"] else None
    key = "final.report.summary_tasks" if fi.final else "final.report.summary_tasks_interim"
    return i18n.t(key, lang, **counts, rate=formatting.format_pct(rate))


def units_sentence(card: pd.DataFrame, lang: str) -> str | None:
    """The units with the lowest share of sub-tasks done."""
    if card.empty:
        return None
    behind = card[card["completion_rate"] < 1].head(TOP_UNITS)
    if behind.empty:
        return i18n.t("final.report.summary_units_all_done", lang, n=len(card))
    items = [
        i18n.t(
            "final.report.unit_item",
            lang,
            unit=r[i18n.column("unit", lang)],
            done=r[DONE],
            total=r["n_subtasks"],
        )
        for r in behind.to_dict("records")
    ]
    return i18n.t("final.report.summary_units", lang, n=len(card), items=join_items(items, lang))


def summary_paragraphs(fi: FinalInputs, card: pd.DataFrame, lang: str) -> list[str]:
    """Counts achieved / missed / no data, the largest shortfalls, the source conflicts, the
    sub-tasks by final state and the units furthest behind: sentences built from numbers."""
    inputs = fi.inputs
    plan = inputs.plan
    counts = bulletin.summary_counts(inputs.status)
    window = {"start": plan["start_period"], "end": plan["end_period"], "base": plan["base_period"]}
    if fi.final:
        first = i18n.t("final.summary_counts", lang, as_of=inputs.as_of, **counts)
        opening = i18n.t("final.report.window", lang, **window)
    else:
        first = i18n.t("bulletin.summary.counts", lang, as_of=inputs.as_of, **counts)
        opening = i18n.t("final.report.interim", lang, as_of=inputs.as_of, **window)
    out = [join_sentences([opening, first], lang), bulletin.gaps_sentence(inputs, lang)]
    conflicts = conflicts_sentence(conflict_rows(fi), lang)
    if conflicts:
        out.append(conflicts)
    out.append(tasks_sentence(fi, lang))
    units = units_sentence(card, lang)
    if units:
        out.append(units)
    return out


# ------------------------------------------------------------------ tables


def _state_names(lang: str) -> dict[str, str]:
    return {s: i18n.t(f"final.report.state.{s}", lang) for s in INTERIM_STATES}


def conflicts_table(conflicts: pd.DataFrame, lang: str) -> document.Table:
    """Each side of each conflict: value, document and clause, in force or not, and its result."""
    records = conflicts.to_dict("records")
    columns = {
        "col.indicator": [i18n.name(r["indicator"], lang) for r in records],
        "col.target": [
            formatting.format_value(r["target_row"]["value"], r["indicator"], lang) for r in records
        ],
        "col.doc_no": [formatting.doc_label(r["target_row"], lang) for r in records],
        "col.clause": [r["target_row"]["source_ref"] for r in records],
        "col.default": [formatting.check_mark(r["target_row"]["is_default"]) for r in records],
        "col.completion": [formatting.completion_text(r["result"], lang) for r in records],
        "final.col.margin": [explain.margin_text(r["result"], lang) for r in records],
        "col.light": [i18n.light_name(r["result"]["light"], lang) for r in records],
    }
    return document.Table(
        i18n.t("final.report.conflicts_table", lang),
        formatting.translated_frame(columns, lang),
        lights=[r["result"]["light"] for r in records],
        light_column=i18n.t("col.light", lang),
    )


def _side(r: dict, lang: str) -> dict[str, str]:
    """One side of a conflict: its source, value, completion and result, as texts."""
    target, result = r["target_row"], r["result"]
    return {
        "source": f"{formatting.doc_label(target, lang)} {target['source_ref']}",
        "value": formatting.format_value(target["value"], r["indicator"], lang),
        "completion": formatting.format_pct(result["completion"]),
        "light": i18n.light_name(result["light"], lang),
    }


def conflict_paragraphs(conflicts: pd.DataFrame, lang: str) -> list[str]:
    """Per conflicting indicator: the target used and what the other sources' would give."""
    out = []
    for rows in _by_indicator(conflicts):
        used = rows[0]
        others = [i18n.t("final.report.conflict_other", lang, **_side(r, lang)) for r in rows[1:]]
        out.append(
            i18n.t(
                "final.report.conflict_used",
                lang,
                name=i18n.name(used["indicator"], lang),
                others=i18n.t("format.clause_separator", lang).join(others),
                **_side(used, lang),
            )
        )
    return out


def groups_table(fi: FinalInputs, lang: str) -> document.Table:
    """Each task group: its sub-tasks and how many ended in each state."""
    states = FINAL_STATES if fi.final else INTERIM_STATES
    names = _state_names(lang)
    rows = []
    for (group_no, name), part in fi.board.groupby(
        ["group_no", i18n.column("group_name", lang)], sort=True
    ):
        counts = state_counts(part)
        rows.append(
            {
                i18n.t("col.group", lang): f"{group_no} {name}",
                i18n.t("col.n_subtasks", lang): counts["total"],
                **{names[s]: counts[s] for s in states},
            }
        )
    return document.Table(i18n.t("final.report.groups_table", lang), pd.DataFrame(rows))


def group_tables(fi: FinalInputs, lang: str) -> list[document.Table]:
    """One table per task group: each sub-task, its units, final state, last report, evidence."""
    names = _state_names(lang)
    separator = i18n.t("format.clause_separator", lang)
    tables = []
    for (group_no, name), part in fi.board.groupby(
        ["group_no", i18n.column("group_name", lang)], sort=True
    ):
        columns = {
            "col.task_ref": part["task_ref"],
            "col.task": part[i18n.column("text", lang)],
            "col.units": [i18n.join(u, lang) for u in part[i18n.column("units", lang)]],
            "final.report.col.state": [names[s] for s in part["state"]],
            "col.last_period": part["last_period"].fillna("—"),
            "col.evidence": [
                separator.join(
                    items + [i18n.t("final.report.attachments_hidden", lang, n=n)] if n else items
                )
                for items, n in zip(part["evidence_list"], part["hidden_attachments"], strict=True)
            ],
        }
        tables.append(
            document.Table(
                f"{group_no} {name}",
                formatting.translated_frame(columns, lang),
                lights=[STATE_LIGHTS[s] for s in part["state"]],
                light_column=i18n.t("final.report.col.state", lang),
            )
        )
    return tables


def scorecard_table(card: pd.DataFrame, final: bool, lang: str) -> document.Table:
    """The unit scorecard as shown: linked indicators by result, sub-tasks by final state."""
    lights = progress.FINAL_LIGHTS if final else progress.LIGHTS
    states = FINAL_STATES if final else INTERIM_STATES
    names = _state_names(lang)
    frame = pd.DataFrame(
        {
            i18n.t("col.unit", lang): card[i18n.column("unit", lang)],
            i18n.t("final.report.col.indicators", lang): card["indicators"],
            **{
                i18n.light_name(light, lang): card[f"indicators_{light}"]
                for light in lights
                if final or card[f"indicators_{light}"].any()
            },
            i18n.t("col.n_subtasks", lang): card["n_subtasks"],
            **{names[s]: card[s] for s in states},
            i18n.t("col.done_rate", lang): [
                formatting.format_pct(rate * 100) for rate in card["completion_rate"]
            ],
        }
    )
    return document.Table(i18n.t("final.report.units_table", lang), frame)


def sector_paragraph(inputs: bulletin.Inputs, lang: str) -> str:
    """How many sector targets were achieved, missed or have no data."""
    counts = series.light_counts(inputs.sector_status)
    names = {light: i18n.light_name(light, lang) for light in counts}
    return i18n.t(
        "final.report.sectors_counts",
        lang,
        total=len(inputs.sector_status),
        items=_count_items(counts, names, lang),
    )


# ------------------------------------------------------------------ sections


def sections(fi: FinalInputs, card: pd.DataFrame, lang: str) -> list[document.Section]:
    """Targets, source conflicts, sectors, task groups, units, then the method appendix."""
    t = functools.partial(i18n.t, lang=lang)
    inputs = fi.inputs
    data = inputs.data
    plan = inputs.plan
    legend = status_tables.legend(
        inputs.status,
        lang,
        end=plan["end_period"],
        yellow=config.YELLOW_FROM_POINTS,
        red=config.RED_ABOVE_POINTS,
    )
    out = [
        document.Section(
            section_heading(1, "final.report.section.targets", lang),
            [
                legend,
                t("final.report.targets_note" if fi.final else "final.report.targets_note_interim"),
            ],
            tables=[bulletin.indicators_table(inputs, lang, with_change=False)],
        )
    ]

    conflicts = conflict_rows(fi)
    codes = measure_tasks.sector_indicator_codes(data.targets, data.indicators)
    sums = series.sector_sum_check(data.targets, codes)
    mismatched = sums[~sums["targets_match"]]
    part = document.Section(section_heading(2, "final.report.section.conflicts", lang))
    if conflicts.empty and mismatched.empty:
        part.paragraphs.append(t("final.report.no_conflicts"))
    if not conflicts.empty:
        part.paragraphs += [t("final.report.conflicts_intro")]
        part.paragraphs += conflict_paragraphs(conflicts, lang)
        part.tables.append(conflicts_table(conflicts, lang))
    if not mismatched.empty:
        part.paragraphs.append(t("sectors.sum_check_help"))
        part.tables.append(
            document.Table(
                t("method.sector_sum"),
                task_tables.sector_target_check_table(mismatched, data.indicators, lang),
            )
        )
    out.append(part)

    matrix = bulletin.sector_matrix(inputs.data, inputs.sector_status, inputs.sectors, lang)
    out.append(
        document.Section(
            section_heading(3, "final.report.section.sectors", lang),
            [sector_paragraph(inputs, lang), t("sectors.heatmap_help") + t("format.full_stop")]
            if matrix
            else [t("bulletin.no_sectors")],
            tables=[matrix] if matrix else [],
        )
    )

    tasks = document.Section(section_heading(4, "final.report.section.tasks", lang))
    if fi.board.empty:
        tasks.paragraphs.append(t("final.report.no_tasks"))
    else:
        tasks.paragraphs.append(tasks_sentence(fi, lang))
        tasks.tables = [groups_table(fi, lang), *group_tables(fi, lang)]
    out.append(tasks)

    units = document.Section(section_heading(5, "final.report.section.units", lang))
    if card.empty:
        units.paragraphs.append(t("final.report.no_tasks"))
    else:
        units.paragraphs.append(t("final.report.units_intro"))
        units.tables.append(scorecard_table(card, fi.final, lang))
    out.append(units)

    out.append(method_section(fi, lang))
    return out


def method_section(fi: FinalInputs, lang: str) -> document.Section:
    """The rules (lights, thresholds, final states, conflicts, evidence), demo data, sources."""
    t = functools.partial(i18n.t, lang=lang)
    inputs = fi.inputs
    data = inputs.data
    base, end = inputs.plan["base_period"], inputs.plan["end_period"]
    paragraphs = plain_paragraphs(t("method.intro")) + plain_paragraphs(
        t("method.formulas", base=base, end=end, **thresholds_text())
    )
    paragraphs += [
        t("final.report.task_rule" if fi.final else "final.report.task_rule_interim"),
        t("final.report.conflict_rule"),
        t("final.report.evidence_rule" if fi.with_evidence else "final.report.evidence_hidden"),
    ]
    if inputs.demo_figures:
        paragraphs.append(t("final.report.demo_text", n=inputs.demo_figures))
    demo_tasks = int(fi.board["is_demo"].sum())
    if demo_tasks:
        paragraphs.append(t("bulletin.demo_tasks", n=demo_tasks))
    if inputs.pending_submissions:  # the report, like the bulletin, has approved figures only
        paragraphs.append(t("final.report.pending", n=inputs.pending_submissions))
    paragraphs.append(t("method.sources_intro"))
    cited = (
        set(data.targets["source_id"])
        | set(data.milestones["source_id"])
        | {inputs.plan.get("source_id")}
    )
    sources = inputs.sources[inputs.sources["source_id"].isin(cited)]
    return document.Section(
        section_heading(6, "final.report.section.method", lang),
        paragraphs,
        tables=[
            document.Table(
                t("method.semantics"), reference_tables.semantics_table(data.indicators, lang)
            ),
            document.Table(
                t("bulletin.sources_table"),
                reference_tables.sources_table(sources, data.targets, data.milestones, lang),
            ),
        ],
    )


def assemble(
    fi: FinalInputs, lang: str = "zh", *, today: dt.date | None = None
) -> document.Bulletin:
    """The final evaluation report of `fi` in `lang` ('zh' or 'en')."""
    if lang not in i18n.LANGS:
        raise ValueError(f"lang must be one of {i18n.LANGS}, not {lang!r}")
    inputs = fi.inputs
    card = unit_scorecard(fi)
    title = (
        i18n.t("final.report.title", lang)
        if fi.final
        else i18n.t("final.report.title_interim", lang, as_of=inputs.as_of)
    )
    demo = bool(inputs.demo_figures) or bool(fi.board["is_demo"].any())
    return document.Bulletin(
        title=title,
        subtitle=bulletin.plan_subtitle(inputs.plan, lang),
        generated_on=today or dt.date.today(),
        language=lang,
        demo_notice=i18n.t("final.report.demo_notice", lang) if demo else None,
        summary_paragraphs=[tight_text(p, lang) for p in summary_paragraphs(fi, card, lang)],
        sections=[
            replace(part, paragraphs=[tight_text(p, lang) for p in part.paragraphs])
            for part in sections(fi, card, lang)
        ],
    )


def build_report(
    con_or_path: Con | str | Path | None,
    plan_id: str,
    as_of: str | None = None,
    lang: str = "zh",
    *,
    today: dt.date | None = None,
    with_evidence: bool = True,
) -> document.Bulletin:
    """The report of a plan (at its end quarter unless `as_of` is earlier)."""
    with open_store(con_or_path) as con:
        fi = read_final_inputs(con, plan_id, as_of, with_evidence=with_evidence)
    return assemble(fi, lang, today=today)


def screen_cells(table: document.Table) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The table as shown on screen: symbol first in shaded cells (as printed), and per shaded
    column a CSS declaration per row in the print colours ('' for an unshaded cell)."""
    frame = table.data.copy()
    shaded = table.column_lights()
    colours = palette.print_colours()
    styles = {}
    for column, lights in shaded.items():
        frame[column] = [
            palette.with_light_symbol(str(v), k) for v, k in zip(frame[column], lights, strict=True)
        ]
        styles[column] = [
            f"background-color: #{colours[k][0]}; color: #{colours[k][1]}" if k else ""
            for k in lights
        ]
    return frame, styles


@dataclass(frozen=True)
class ScreenSection:
    """A report section as the 终期评估 page shows it: its tables as HTML (screen_cells)."""

    heading: str
    paragraphs: list[str]
    tables: list[tuple[str, str]]  # (caption, HTML)


# Scoped by class: st.html puts the style into the page. A caption reads as a caption and shows
# that it folds its table.
_SCREEN_CSS = (
    "<style>.kpi-report summary{cursor:pointer;font-weight:600;margin:0.25rem 0 0.5rem}</style>"
)


def screen_html(
    heading: str, paragraphs: Sequence[str], tables: Sequence[tuple[str, str]] = ()
) -> str:
    """A heading, its paragraphs and its tables (caption, HTML) as one block of HTML for st.html.

    The 终期评估 page draws the report in a few such blocks, not as an element per heading and
    table: each element costs the browser a few ms of every rerun, and a quarter change redraws
    them all. Text is escaped (names come from the store); each table sits open under its caption
    in a <details>, which folds it away in the browser without a rerun.
    """
    parts = [f"<h3>{html.escape(heading)}</h3>"]
    parts += [f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs]
    parts += [
        f"<details open><summary>{html.escape(caption)}</summary>{table}</details>"
        for caption, table in tables
    ]
    return f'{_SCREEN_CSS}<div class="kpi-report">{"".join(parts)}</div>'


def screen_sections(report: document.Bulletin) -> list[ScreenSection]:
    """The report's sections as shown, each table as a plain HTML table in the print colours."""
    return [
        ScreenSection(
            section.heading,
            section.paragraphs,
            [(t.caption, html_table.html_table(*screen_cells(t))) for t in section.tables],
        )
        for section in report.sections
    ]


# ------------------------------------------------------------------ files


def final_files(
    con_or_path: Con | str | Path | None,
    plan_id: str,
    as_of: str | None = None,
    lang: str = "zh",
    *,
    formats: tuple[str, ...] = bulletin_render.FORMATS,
    today: dt.date | None = None,
    with_evidence: bool = True,
) -> dict[str, bytes]:
    """The report as {'pdf': ..., 'docx': ...} (or just the `formats` asked for). It has no
    charts, so no chromium is started."""
    bulletin_render.check_formats(formats)
    if "pdf" in formats:
        pdf_render.preload_pdf_engine()  # about a second of imports, while the store is read
    report = build_report(
        con_or_path, plan_id, as_of, lang, today=today, with_evidence=with_evidence
    )
    return bulletin_render.render_files(report, formats)


@functools.lru_cache(maxsize=4)
def _cached_report(
    db: str, version: Any, plan_id: str, as_of: str, lang: str, with_evidence: bool, today: dt.date
) -> document.Bulletin:
    del version  # part of the cache key only
    return build_report(db, plan_id, as_of, lang, today=today, with_evidence=with_evidence)


@functools.lru_cache(maxsize=8)
def _cached_file(
    db: str,
    version: Any,
    plan_id: str,
    as_of: str,
    lang: str,
    with_evidence: bool,
    today: dt.date,
    fmt: str,
) -> bytes:
    report = _cached_report(db, version, plan_id, as_of, lang, with_evidence, today)
    return bulletin_render.render_files(report, (fmt,))[fmt]


def final_file(
    db: str,
    plan_id: str,
    as_of: str,
    lang: str,
    fmt: str,
    *,
    version: Any = None,
    with_evidence: bool = False,
) -> bytes:
    """PDF or DOCX bytes for the page's download buttons: only the format clicked is rendered
    (the PDF takes 2-2.5 s, the DOCX 0.5 s; the report has no charts to share), from the
    report built once per store version, and kept for the next click."""
    bulletin_render.check_formats([fmt])
    today = dt.date.today()
    return _cached_file(str(db), version, plan_id, as_of, lang, with_evidence, today, fmt)

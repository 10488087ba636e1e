"""Key tasks (附件1) and sector breakdowns (专栏1): task board, unit scorecard, sector checks.

Pure pandas over frames from kpi.queries and kpi.assessment; no streamlit. A sub-task is overdue
(逾期/滞后) at an as-of quarter when its latest status is 'delayed', or when it has no update in
that quarter and is not done.
"""

import numpy as np
import pandas as pd

from kpi import i18n, queries, views
from kpi.queries import Con

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "not_started", "in_progress", "done", "delayed"
NO_UPDATE = "no_update"  # board status of a sub-task never updated up to the as-of quarter
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, DELAYED, NO_UPDATE)
# Why a sub-task is overdue.
REASON_DELAYED = "delayed"
REASON_NOT_REPORTED = "not_reported"
# Sector filter value for the cross-sector groups (附件1 12-23, no sector_code).
CROSS_SECTOR = "cross_sector"

BOARD_COLUMNS = [
    "task_ref",
    "group_no",
    "subtask_no",
    "group_name_zh",
    "group_name_en",
    "text_zh",
    "text_en",
    "units",
    "units_en",
    "units_as_written",
    "sector_code",
    "status",
    "last_period",
    "note",
    "evidence",
    "reported_by",
    "is_demo",
    "overdue",
    "overdue_reason",
]
SCORECARD_COLUMNS = [
    "unit_zh",
    "unit_en",
    "n_subtasks",
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    DELAYED,
    NO_UPDATE,
    "overdue",
    "overdue_rate",
    "completion_rate",
]


# ------------------------------------------------------------------ task board


def _as_list(value) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    return []


def build_board(
    tasks: pd.DataFrame,
    latest: pd.DataFrame,
    as_of: str,
    unit_names_en: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Every sub-task with its latest status up to `as_of` and its overdue flag.

    Args:
        tasks: queries.tasks() rows (group, sub-task, texts, units list, sector_code).
        latest: queries.latest_task_status() rows (last_period, status, note, evidence, ...).
        as_of: the quarter the board is for; an update in it counts as reported.
        unit_names_en: unit_zh -> unit_en; names missing from it stay in Chinese.
    """
    names = unit_names_en or {}
    keys = ["group_no", "subtask_no"]
    latest = latest.rename(columns={"user_name": "reported_by"})
    wanted = ["last_period", "status", "note", "evidence", "reported_by", "is_demo"]
    board = tasks.merge(
        latest[keys + [c for c in wanted if c in latest.columns]], on=keys, how="left"
    )
    for column in wanted:
        if column not in board.columns:
            board[column] = None
    board["units"] = board["units"].map(_as_list)
    board["units_en"] = board["units"].map(lambda units: [names.get(u, u) for u in units])
    board["task_ref"] = [
        f"{g}({s})" for g, s in zip(board["group_no"], board["subtask_no"], strict=True)
    ]
    board["status"] = board["status"].fillna(NO_UPDATE).astype(object)
    board["is_demo"] = board["is_demo"].fillna(False).astype(bool)
    for column in ("note", "evidence", "last_period", "reported_by", "sector_code"):
        board[column] = board[column].astype(object).where(board[column].notna(), None)
    delayed = board["status"] == DELAYED
    not_reported = (board["last_period"] != as_of) & (board["status"] != DONE)
    board["overdue"] = delayed | not_reported
    reasons = [
        REASON_DELAYED if d else REASON_NOT_REPORTED if n else None
        for d, n in zip(delayed, not_reported, strict=True)
    ]
    board["overdue_reason"] = pd.Series(reasons, index=board.index, dtype=object)
    for column in BOARD_COLUMNS:
        if column not in board.columns:
            board[column] = None
    board = board.sort_values(keys, kind="stable").reset_index(drop=True)
    return board[BOARD_COLUMNS]


def task_board(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """The task board of a plan at a quarter, straight from the store."""
    units = queries.responsible_units(con, plan_id)
    return build_board(
        queries.tasks(con, plan_id),
        queries.latest_task_status(con, plan_id, as_of),
        as_of,
        dict(zip(units["unit_zh"], units["unit_en"], strict=True)),
    )


# ------------------------------------------------------------------ filters


def filter_by_units(board: pd.DataFrame, units: list[str] | None) -> pd.DataFrame:
    """Sub-tasks naming any of `units` (Chinese names); all when `units` is empty."""
    if not units:
        return board
    wanted = set(units)
    return board[board["units"].map(lambda names: bool(wanted.intersection(names)))]


def filter_by_status(board: pd.DataFrame, statuses: list[str] | None) -> pd.DataFrame:
    """Sub-tasks whose board status is one of `statuses`; all when empty."""
    if not statuses:
        return board
    return board[board["status"].isin(list(statuses))]


def filter_by_sector(board: pd.DataFrame, sectors: list[str] | None) -> pd.DataFrame:
    """Sub-tasks of the given sector codes (CROSS_SECTOR: groups without a sector)."""
    if not sectors:
        return board
    mask = board["sector_code"].isin([s for s in sectors if s != CROSS_SECTOR])
    if CROSS_SECTOR in sectors:
        mask |= board["sector_code"].isna()
    return board[mask]


def filter_board(
    board: pd.DataFrame,
    *,
    units: list[str] | None = None,
    statuses: list[str] | None = None,
    sectors: list[str] | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    """All filters at once; an empty selection does not filter."""
    shown = filter_by_sector(filter_by_status(filter_by_units(board, units), statuses), sectors)
    return shown[shown["overdue"]] if overdue_only else shown


def unit_options(board: pd.DataFrame) -> list[str]:
    """Responsible units in order of first appearance in the board."""
    return list(dict.fromkeys(u for units in board["units"] for u in units))


def unit_labels(board: pd.DataFrame, lang: str) -> dict[str, str]:
    """Chinese unit name -> its name in `lang`."""
    pairs = zip(board["units"].explode(), board["units_en"].explode(), strict=True)
    return {zh: (en if lang == "en" else zh) for zh, en in pairs if isinstance(zh, str)}


def sector_options(sectors: pd.DataFrame, lang: str) -> dict[str, str]:
    """Sector filter options in document order, then the cross-sector groups: code -> label."""
    options = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    options[CROSS_SECTOR] = i18n.t("tasks.cross_sector", lang)
    return options


# ------------------------------------------------------------------ per unit


def _by_unit(board: pd.DataFrame) -> pd.DataFrame:
    """One row per (sub-task, responsible unit)."""
    pairs = board[["task_ref", "units", "units_en", "status", "overdue"]].explode(
        ["units", "units_en"]
    )
    pairs = pairs.dropna(subset=["units"])
    return pairs.rename(columns={"units": "unit_zh", "units_en": "unit_en"})


def unit_scorecard(board: pd.DataFrame) -> pd.DataFrame:
    """Per responsible unit: sub-tasks by status, overdue and completion rate; worst first.

    Worst first means the highest share of overdue sub-tasks, then the lowest completion rate,
    then the most sub-tasks. Rates are fractions (0-1) of the unit's sub-tasks.
    """
    pairs = _by_unit(board)
    if pairs.empty:
        return pd.DataFrame(columns=SCORECARD_COLUMNS)
    counts = pd.crosstab(pairs["unit_zh"], pairs["status"])
    for status in STATUSES:
        if status not in counts.columns:
            counts[status] = 0
    card = (
        pairs.groupby("unit_zh", sort=False)
        .agg(
            unit_en=("unit_en", "first"),
            n_subtasks=("task_ref", "nunique"),
            overdue=("overdue", "sum"),
        )
        .join(counts[list(STATUSES)])
        .reset_index()
    )
    card["overdue"] = card["overdue"].astype(int)
    card["overdue_rate"] = card["overdue"] / card["n_subtasks"]
    card["completion_rate"] = card[DONE] / card["n_subtasks"]
    card = card.sort_values(
        ["overdue_rate", "completion_rate", "n_subtasks", "unit_zh"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    return card[SCORECARD_COLUMNS].reset_index(drop=True)


def overdue_by_unit(board: pd.DataFrame) -> pd.DataFrame:
    """Per unit with any overdue sub-task: how many and which (task refs); most first."""
    pairs = _by_unit(board[board["overdue"]])
    columns = ["unit_zh", "unit_en", "overdue", "task_refs"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        pairs.groupby("unit_zh", sort=False)
        .agg(
            unit_en=("unit_en", "first"),
            overdue=("task_ref", "nunique"),
            task_refs=("task_ref", lambda refs: "、".join(dict.fromkeys(refs))),
        )
        .reset_index()
    )
    grouped = grouped.sort_values(["overdue", "unit_zh"], ascending=[False, True], kind="stable")
    return grouped[columns].reset_index(drop=True)


def status_counts(board: pd.DataFrame) -> dict[str, int]:
    """Sub-tasks per board status (every status present, zero when none) plus 'overdue'."""
    counts = {status: int((board["status"] == status).sum()) for status in STATUSES}
    counts["overdue"] = int(board["overdue"].sum())
    return counts


# ------------------------------------------------------------------ sectors (专栏1)


def sector_indicator_codes(targets: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """Indicators with per-sector default targets, in indicator display order."""
    coded = set(
        targets.loc[targets["sector_code"].notna() & targets["is_default"], "indicator_code"]
    )
    return [code for code in indicators["indicator_code"] if code in coded]


def sector_grid(
    sector_status: pd.DataFrame, sectors: pd.DataFrame, indicator_codes: list[str]
) -> pd.DataFrame:
    """Sector x indicator rows in document order with actual, target, completion and light.

    Missing combinations (no sector target) are left out.
    """
    keep = ["indicator_code", "sector_code", "actual", "target", "completion", "light", "is_demo"]
    rows = sector_status[sector_status["indicator_code"].isin(indicator_codes)][keep]
    order = sectors[["sector_code", "name_zh", "name_en", "sort_order"]]
    grid = order.merge(rows, on="sector_code", how="inner")
    grid["indicator_order"] = grid["indicator_code"].map(
        {code: i for i, code in enumerate(indicator_codes)}
    )
    grid = grid.sort_values(["sort_order", "indicator_order"], kind="stable")
    return grid.drop(columns="indicator_order").reset_index(drop=True)


# Document parts as the source refs write them, and their English names.
_DOC_PARTS_EN = {"正文": "Main text", "附件": "Annex ", "专栏": "Box ", "表": "Table "}


def source_ref_text(refs: str, lang: str) -> str:
    """Source refs ('正文 ...；附件1 12(4)') with the document parts named in `lang`."""
    if lang != "en":
        return refs
    out = []
    for ref in refs.split("；"):
        for zh, en in _DOC_PARTS_EN.items():
            if ref.startswith(zh):
                ref = en + ref[len(zh) :]
                break
        out.append(ref)
    return "; ".join(out)


def _source_refs(rows: pd.DataFrame) -> str:
    return "；".join(dict.fromkeys(rows["source_ref"].astype(str)))


def _sector_source(rows: pd.DataFrame) -> str:
    """The common document part of the sector rows' source refs (e.g. '专栏1')."""
    return "；".join(dict.fromkeys(ref.split(" ")[0] for ref in rows["source_ref"].astype(str)))


def sector_sum_check(
    targets: pd.DataFrame,
    indicator_codes: list[str],
    sector_status: pd.DataFrame | None = None,
    city_status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per indicator: sum of sector default targets vs the city-wide default target, with sources.

    Also, when status frames are given, the sum of sector actuals vs the city-wide actual.
    Differences are city minus sum of sectors. `city_sources` lists every city-wide row with the
    default value (default first), so a total stated twice in the plan shows both places.
    """
    rows = []
    for code in indicator_codes:
        of_code = targets[targets["indicator_code"] == code]
        sector_rows = of_code[of_code["sector_code"].notna() & of_code["is_default"]]
        city_rows = of_code[of_code["sector_code"].isna()]
        default = city_rows[city_rows["is_default"]]
        city_target = float(default["value"].iloc[0]) if not default.empty else np.nan
        same_value = city_rows[np.isclose(city_rows["value"].astype(float), city_target)]
        same_value = same_value.sort_values("is_default", ascending=False, kind="stable")
        sector_sum = float(sector_rows["value"].sum())
        row = {
            "indicator_code": code,
            "n_sectors": int(sector_rows["sector_code"].nunique()),
            "sector_target_sum": sector_sum,
            "city_target": city_target,
            "target_difference": city_target - sector_sum,
            "targets_match": bool(np.isclose(city_target, sector_sum)),
            "sector_source": _sector_source(sector_rows),
            "city_sources": _source_refs(same_value),
            "sector_actual_sum": np.nan,
            "city_actual": np.nan,
            "actual_difference": np.nan,
        }
        if sector_status is not None and city_status is not None:
            actuals = sector_status.loc[sector_status["indicator_code"] == code, "actual"]
            city = city_status.loc[city_status["indicator_code"] == code, "actual"]
            row["sector_actual_sum"] = float(actuals.astype(float).sum(min_count=1))
            row["city_actual"] = (
                float(city.iloc[0]) if not city.empty and pd.notna(city.iloc[0]) else np.nan
            )
            row["actual_difference"] = row["city_actual"] - row["sector_actual_sum"]
        rows.append(row)
    return pd.DataFrame(rows)


def sector_tasks(board: pd.DataFrame, sector_code: str) -> pd.DataFrame:
    """The sub-tasks of one sector's 附件1 group(s)."""
    return filter_by_sector(board, [sector_code])


# ------------------------------------------------------------------ display tables
# Frames with translated headers and display text, ready for st.dataframe.


def _units_text(units: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else "; ").join(units)


def overdue_text(reason: str | None, lang: str) -> str:
    """'⚠ 滞后' / '⚠ 本季未填报' (or English) for an overdue sub-task, '' otherwise."""
    if not reason:
        return ""
    return "⚠ " + i18n.t(f"tasks.overdue.{reason}", lang)


def board_table(board: pd.DataFrame, lang: str, *, with_group: bool = True) -> pd.DataFrame:
    """The board as shown: ref, group, status, overdue, last update, task, units, note, evidence.

    Status and overdue come before the long texts so a narrow screen still shows them.
    """
    en = lang == "en"
    groups = zip(board["group_no"], board["group_name_en" if en else "group_name_zh"], strict=True)
    columns = {
        "col.task_ref": board["task_ref"],
        "col.group": [f"{g} {name}" for g, name in groups],
        "col.status": [i18n.task_status_name(s, lang) for s in board["status"]],
        "col.overdue": [overdue_text(r, lang) for r in board["overdue_reason"]],
        "col.last_period": board["last_period"].fillna("—"),
        "col.task": board["text_en" if en else "text_zh"],
        "col.units": [_units_text(u, lang) for u in board["units_en" if en else "units"]],
        "col.note": board["note"].fillna(""),
        "col.evidence": board["evidence"].fillna(""),
    }
    if not with_group:
        del columns["col.group"]
    return pd.DataFrame({i18n.t(k, lang): list(v) for k, v in columns.items()})


def scorecard_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The unit scorecard with translated headers (rates stay fractions for progress columns)."""
    columns = {
        "col.unit": card["unit_en" if lang == "en" else "unit_zh"],
        "col.n_subtasks": card["n_subtasks"],
        "col.overdue": card["overdue"],
        "col.overdue_rate": card["overdue_rate"],
        "col.done_rate": card["completion_rate"],
        **{f"task_status.{s}": card[s] for s in (DONE, IN_PROGRESS, DELAYED, NOT_STARTED)},
        f"task_status.{NO_UPDATE}": card[NO_UPDATE],
    }
    return pd.DataFrame({i18n.t(k, lang): list(v) for k, v in columns.items()})


def overdue_units_table(by_unit: pd.DataFrame, lang: str, top: int | None = None) -> pd.DataFrame:
    """`overdue_by_unit` as shown (the first `top` units): unit, overdue count, task refs."""
    shown = by_unit if top is None else by_unit.head(top)
    refs = shown["task_refs"].astype(str)
    columns = {
        "col.unit": shown["unit_en" if lang == "en" else "unit_zh"],
        "col.overdue": shown["overdue"].astype(int),
        "col.task_ref": refs.str.replace("、", ", ") if lang == "en" else refs,
    }
    return pd.DataFrame({i18n.t(k, lang): list(v) for k, v in columns.items()})


def _check_rows(check: pd.DataFrame, indicators: pd.DataFrame, lang: str, build) -> pd.DataFrame:
    rows = indicators.set_index("indicator_code")
    out = []
    for item in check.to_dict("records"):
        ind = rows.loc[item["indicator_code"]].to_dict()

        def value(v, ind=ind):
            return views.format_value(v, ind, lang)

        out.append({"col.indicator": i18n.name(ind, lang), **build(item, value)})
    keys = list(out[0]) if out else ["col.indicator"]
    return pd.DataFrame(
        [[r[k] for k in keys] for r in out], columns=[i18n.t(k, lang) for k in keys]
    )


def sector_target_check_table(
    check: pd.DataFrame, indicators: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Sum of sector targets against the city-wide target, with units, then both sources."""

    def build(item: dict, value) -> dict:
        source = source_ref_text(item["sector_source"], lang)
        return {
            "col.sector_sum": value(item["sector_target_sum"]),
            "col.city_target": value(item["city_target"]),
            "col.difference": value(item["target_difference"]),
            "col.consistent": i18n.t("common.yes" if item["targets_match"] else "common.no", lang),
            "sectors.col.sector_source": i18n.t(
                "sectors.sum_source", lang, source=source, n=item["n_sectors"]
            ),
            "sectors.col.city_source": source_ref_text(item["city_sources"], lang),
        }

    return _check_rows(check, indicators, lang, build)


def sector_actual_check_table(
    check: pd.DataFrame, indicators: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """Sum of sector actuals against the city-wide actual, with units."""

    def build(item: dict, value) -> dict:
        return {
            "sectors.col.sector_actual_sum": value(item["sector_actual_sum"]),
            "sectors.col.city_actual": value(item["city_actual"]),
            "sectors.col.actual_difference": value(item["actual_difference"]),
        }

    return _check_rows(check, indicators, lang, build)


def mismatch_messages(check: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per indicator whose sector targets do not add up to the city-wide target."""
    rows = indicators.set_index("indicator_code")
    messages = []
    for item in check[~check["targets_match"].astype(bool)].to_dict("records"):
        ind = rows.loc[item["indicator_code"]].to_dict()
        messages.append(
            i18n.t(
                "sectors.mismatch",
                lang,
                indicator=i18n.name(ind, lang),
                source_sum=i18n.t(
                    "sectors.sum_source",
                    lang,
                    source=source_ref_text(item["sector_source"], lang),
                    n=item["n_sectors"],
                ),
                sum=views.format_value(item["sector_target_sum"], ind, lang),
                city=views.format_value(item["city_target"], ind, lang),
                source_city=source_ref_text(item["city_sources"], lang),
                diff=views.format_value(item["target_difference"], ind, lang),
            )
        )
    return messages

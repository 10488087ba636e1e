"""Key tasks (附件1): task board, overdue flags, unit scorecard, sector grid (numbers).

Pure pandas over frames from kpi.store.queries and kpi.measure.assessment. A sub-task is
overdue (逾期/滞后) at an as-of quarter when its latest status is 'delayed', or when it has
no update in that quarter and is not done."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import periods
from kpi.base.values import as_list
from kpi.store import db, queries
from kpi.store.intake import (
    DELAYED,
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    TASK_STATUSES,
    county_units,
    expand_units,
)
from kpi.store.queries import Con

NO_UPDATE = "no_update"  # board status of a sub-task never updated up to the as-of quarter
STATUSES = (*TASK_STATUSES, NO_UPDATE)

# Why a sub-task is overdue.
REASON_DELAYED = "delayed"
REASON_NOT_REPORTED = "not_reported"

# Sector filter value for the cross-sector groups (附件1 12-23, no sector_code).
CROSS_SECTOR = "cross_sector"
# Between the source refs of one check cell ('正文 L280；附件1 12(4)'): data, shown as written.
SOURCE_REF_SEPARATOR = "；"
BOARD_COLUMNS = [
    "task_ref",
    "group_no",
    "subtask_no",
    "group_name_zh",
    "group_name_en",
    "text_zh",
    "text_en",
    "units",
    "units_zh",
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
    board["units"] = board["units"].map(as_list)
    # `units` is the key filters and permissions use; units_zh / units_en are the names shown.
    board["units_zh"] = board["units"]
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
    """Per unit with any overdue sub-task: how many and which (a list of task refs); most first."""
    pairs = _by_unit(board[board["overdue"]])
    columns = ["unit_zh", "unit_en", "overdue", "task_refs"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        pairs.groupby("unit_zh", sort=False)
        .agg(
            unit_en=("unit_en", "first"),
            overdue=("task_ref", "nunique"),
            task_refs=("task_ref", lambda refs: list(dict.fromkeys(refs))),
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


def sector_tasks(board: pd.DataFrame, sector_code: str) -> pd.DataFrame:
    """The sub-tasks of one sector's 附件1 group(s)."""
    return filter_by_sector(board, [sector_code])


def staff_subtasks(
    con: Con, plan_id: str, user: User | None, as_of: str | None = None
) -> pd.DataFrame:
    """The sub-tasks `user` may update (all for admins, none for viewers), with latest status.

    Columns are those of `task_board` plus `editable_units` (the responsible units, with the
    collective county unit expanded).
    """
    board = task_board(con, plan_id, as_of or periods.current_period())
    counties = county_units(con, plan_id)
    board["editable_units"] = board["units"].map(lambda units: expand_units(units, counties))
    if user is None or not permissions.role_allows(user, "update_task"):
        return board.iloc[0:0]
    if user.role == "staff":
        mine = board["editable_units"].map(lambda units: user.unit in units)
        board = board[mine]
    return board.reset_index(drop=True)


def read_staff_subtasks(path: Path | str | None, plan_id: str, user: User | None, as_of: str):
    """`staff_subtasks` on a short-lived connection."""
    with db.read(path) as con:
        return staff_subtasks(con, plan_id, user, as_of)

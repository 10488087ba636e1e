"""Every SQL statement of the product: one named constant and one typed function per question.

Values are always bound parameters. Functions take an open connection (see kpi.store.db.connect) so
that a caller can group several of them in one transaction.
"""

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from kpi.base import periods

Con = duckdb.DuckDBPyConnection


def _run(con: Con, sql: str, params=None) -> list[tuple]:
    """Execute and drain the result (DuckDB streams results; an unread one blocks the next)."""
    return con.execute(sql, params).fetchall()


def _scalar(con: Con, sql: str, params=None):
    rows = _run(con, sql, params)
    return rows[0][0] if rows else None


# ------------------------------------------------------------------ reference

# Newest first: plans whose window covers the current quarter (active), then by issue date.
PLANS = """
    select * from plans
    order by start_period <= $now and $now <= end_period desc, issued_on desc nulls last,
             start_period desc, plan_id
"""
INDICATORS = "select * from indicators where plan_id = ? order by sort_order"
# Targets and milestones carry the admin edits (table target_edits, kpi.store.target_edits) on
# top of the cited row: `value` is the value in force, `source_value` the cited one; the edit
# columns are null unless the latest edit of the row differs from the cited value (a revert shows
# none).
_LATEST_EDIT = """
    latest_edit as (
        select * from target_edits
        where plan_id = $plan and kind = $kind
        qualify row_number() over (
            partition by indicator_code, sector_code, period, source_id, source_ref
            order by edit_id desc
        ) = 1
    )
"""
_EDIT_JOIN = """
    left join latest_edit e
      on e.indicator_code = r.indicator_code and e.sector_code is not distinct from r.sector_code
     and e.period = r.period and e.source_id = r.source_id and e.source_ref = r.source_ref
"""
_EDIT_COLUMNS = """
    r.value as source_value,
    case when e.new_value <> r.value then e.new_value end as edited_value,
    case when e.new_value <> r.value then e.reason end as edit_reason,
    case when e.new_value <> r.value then e.user_name end as edited_by,
    case when e.new_value <> r.value then e.edited_at end as edited_at
"""


def _cited_rows_with_edits(table: str, order_by: str) -> str:
    return f"""
    with {_LATEST_EDIT},
    final as (
        select r.* replace (coalesce(e.new_value, r.value) as value),
               s.title_zh as source_title_zh, s.title_en as source_title_en, s.doc_no,
               {_EDIT_COLUMNS}
        from {table} r left join sources s using (plan_id, source_id)
        {_EDIT_JOIN}
        where r.plan_id = $plan
    )
    select * from final order by {order_by}
"""


TARGETS = _cited_rows_with_edits(
    "targets", "indicator_code, sector_code nulls first, is_default desc"
)
MILESTONES = _cited_rows_with_edits("milestones", "indicator_code, period")
SOURCES = "select * from sources where plan_id = ? order by source_id"
SECTORS = "select * from sectors where plan_id = ? order by sort_order"
DISTRICTS = "select * from districts where plan_id = ? order by sort_order"
UNIT_CONVERSIONS = "select * from unit_conversions"
RESPONSIBLE_UNITS = "select * from responsible_units where plan_id = ? order by kind, unit_zh"
INDICATOR_TASKS = (
    "select * from indicator_tasks where plan_id = ? order by indicator_code, group_no"
)
TASKS = """
    with units as (
        select plan_id, group_no, list(unit_zh order by position) as units
        from task_group_units where plan_id = ? group by plan_id, group_no
    ),
    final as (
        select g.group_no, g.name_zh as group_name_zh, g.name_en as group_name_en, g.sector_code,
               s.subtask_no, s.text_zh, s.text_en, units.units, g.units_as_written, g.source_ref
        from task_groups g
        join subtasks s using (plan_id, group_no)
        left join units using (plan_id, group_no)
        where g.plan_id = ?
    )
    select * from final order by group_no, subtask_no
"""


def plans(con: Con) -> pd.DataFrame:
    """Every loaded plan, the newest active one first (the default wherever none is chosen)."""
    return con.execute(PLANS, {"now": periods.current_period()}).df()


def plan(con: Con, plan_id: str) -> dict:
    """One plan's row as a dict; KeyError when it is not loaded."""
    rows = con.execute("select * from plans where plan_id = ?", [plan_id]).df()
    if rows.empty:
        raise KeyError(plan_id)
    return rows.iloc[0].to_dict()


def indicators(con: Con, plan_id: str) -> pd.DataFrame:
    """A plan's indicators in display order."""
    return con.execute(INDICATORS, [plan_id]).df()


def targets(con: Con, plan_id: str) -> pd.DataFrame:
    """All target rows, city-wide and per sector, defaults first, with their source titles.

    `value` is the value in force (an admin edit, else the cited value); `source_value` is the
    cited one; edited_value, edit_reason, edited_by, edited_at are null unless edited.
    """
    return con.execute(TARGETS, {"plan": plan_id, "kind": "target"}).df()


def milestones(con: Con, plan_id: str) -> pd.DataFrame:
    """Dated milestones on the way to the targets, with their source titles (edits applied)."""
    return con.execute(MILESTONES, {"plan": plan_id, "kind": "milestone"}).df()


def sources(con: Con, plan_id: str) -> pd.DataFrame:
    """The documents a plan cites."""
    return con.execute(SOURCES, [plan_id]).df()


def sectors(con: Con, plan_id: str) -> pd.DataFrame:
    """The plan's sectors in document order."""
    return con.execute(SECTORS, [plan_id]).df()


def districts(con: Con, plan_id: str) -> pd.DataFrame:
    """The plan's counties and districts."""
    return con.execute(DISTRICTS, [plan_id]).df()


INDICATOR_WINDOWS = """
    select i.indicator_code, p.plan_id, p.base_period, p.end_period
    from indicators i join plans p using (plan_id)
    order by i.indicator_code, p.base_period, p.plan_id
"""


def indicator_windows(con: Con) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """indicator_code -> (plan_id, baseline quarter, last quarter) of every plan that has it."""
    windows: dict[str, tuple[tuple[str, str, str], ...]] = {}
    for code, plan_id, first, last in _run(con, INDICATOR_WINDOWS):
        windows[code] = (*windows.get(code, ()), (plan_id, first, last))
    return windows


def unit_conversions(con: Con) -> pd.DataFrame:
    """Accepted units and their factors to the canonical units."""
    return con.execute(UNIT_CONVERSIONS).df()


def responsible_units(con: Con, plan_id: str) -> pd.DataFrame:
    """Every responsible unit with its English name and kind."""
    return con.execute(RESPONSIBLE_UNITS, [plan_id]).df()


def indicator_tasks(con: Con, plan_id: str) -> pd.DataFrame:
    """Which sub-tasks move which indicator."""
    return con.execute(INDICATOR_TASKS, [plan_id]).df()


def tasks(con: Con, plan_id: str) -> pd.DataFrame:
    """Every sub-task with its group and its responsible units as a list."""
    return con.execute(TASKS, [plan_id, plan_id]).df()


# ------------------------------------------------------------------ figures

CURRENT_FIGURES = """
    select indicator_code, period, sector_code, district_code, value, batch_id, is_demo
    from plan_figures
    where plan_id = ? and is_current and period <= ?
    order by indicator_code, sector_code nulls first, district_code nulls first, period
"""
# City-wide and per-sector figures (no district breakdowns): what the status tables need.
# With the batch and file each figure came from, for the source line of the overview's cards.
STATUS_FIGURES = """
    select f.indicator_code, f.period, f.sector_code, f.district_code, f.value, f.is_demo,
           f.batch_id, b.file_name
    from plan_figures f left join batches b using (batch_id)
    where f.plan_id = ? and f.is_current and f.period <= ? and f.district_code is null
"""
FIGURE_HISTORY = """
    select f.period, f.sector_code, f.district_code, f.value, f.is_current, f.is_demo,
           f.batch_id, b.file_name, b.user_name, b.loaded_at, b.kind, f.superseded_by
    from plan_figures f join batches b using (batch_id)
    where f.plan_id = ? and f.indicator_code = ?
    order by f.period desc, f.sector_code nulls first, f.district_code nulls first, f.figure_id desc
"""
PROGRESS_EXPORT = """
    with final as (
        select f.indicator_code, f.period, f.sector_code as sector,
               f.district_code as district, f.value, i.unit, f.batch_id, f.is_demo
        from plan_figures f join indicators i using (plan_id, indicator_code)
        where f.plan_id = ? and f.is_current and f.period <= ?
    )
    select * from final
    order by indicator_code, period, sector nulls first, district nulls first
"""
FIGURE_VERSIONS_EXPORT = """
    select f.figure_id, f.indicator_code, f.period, f.sector_code as sector,
           f.district_code as district, f.value, i.unit, f.batch_id, f.is_current,
           f.superseded_by, f.is_demo, b.user_name, b.loaded_at, b.file_name
    from plan_figures f
    join indicators i using (plan_id, indicator_code)
    join batches b using (batch_id)
    where f.plan_id = ?
    order by f.indicator_code, f.period, f.figure_id
"""


def current_figures(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """The figures in force for every key, periods up to `as_of`."""
    return con.execute(CURRENT_FIGURES, [plan_id, as_of]).df()


def status_figures(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """City-wide and sector figures in force up to `as_of` (district breakdowns left out)."""
    return con.execute(STATUS_FIGURES, [plan_id, as_of]).df()


def figure_history(con: Con, plan_id: str, indicator_code: str) -> pd.DataFrame:
    """Every version ever loaded for one indicator, with who loaded it and when."""
    return con.execute(FIGURE_HISTORY, [plan_id, indicator_code]).df()


def progress_export(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """Current figures in the export layout of `etl export progress`."""
    return con.execute(PROGRESS_EXPORT, [plan_id, as_of]).df()


def figure_versions(con: Con, plan_id: str) -> pd.DataFrame:
    """Every figure version, current and superseded (the full history export)."""
    return con.execute(FIGURE_VERSIONS_EXPORT, [plan_id]).df()


def latest_period(con: Con, plan_id: str) -> str | None:
    """The latest quarter that has any figure in force."""
    return _scalar(
        con, "select max(period) from plan_figures where plan_id = ? and is_current", [plan_id]
    )


@contextlib.contextmanager
def staged(con: Con, rows: pd.DataFrame) -> Iterator[None]:
    """`rows` as the view `staged` that the staged_* queries and apply_staged read, for the
    duration of the block, numbered 1..n in the column `ordinal` (apply_staged's ids)."""
    view = rows.copy(deep=False)  # the caller's frame stays as it is; no column is copied
    view["ordinal"] = range(1, len(rows) + 1)
    # DuckDB scans Arrow faster than a frame: 10 ms of the five scans of a 100k-row load. The
    # text columns are Arrow already, so none is copied; a column of mixed objects stays a frame.
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError):
        view = pa.Table.from_pandas(view, preserve_index=False)
    con.register("staged", view)
    try:
        yield
    finally:
        con.unregister("staged")


def periods_with_figures(con: Con, plan_id: str) -> list[str]:
    """Quarters that have at least one figure in force, ascending."""
    rows = _run(
        con,
        "select distinct period from plan_figures where plan_id = ? and is_current order by period",
        [plan_id],
    )
    return [r[0] for r in rows]


def has_figures(con: Con, plan_id: str, as_of: str) -> bool:
    """Whether the plan has a figure in force up to `as_of` (else no indicator has a chart)."""
    return any(period <= as_of for period in periods_with_figures(con, plan_id))


def demo_figures_in_force(con: Con, plan_id: str, as_of: str) -> int:
    """How many figures shown up to `as_of` are demo data."""
    return _scalar(
        con,
        "select count(*) from plan_figures"
        " where plan_id = ? and is_current and is_demo and period <= ?",
        [plan_id, as_of],
    )


# ------------------------------------------------------------------ loading
# The staged frame is registered as `staged` with columns
# source_row, indicator_code, period, sector_code, district_code, value.

KEY_MATCH = """
    f.indicator_code = s.indicator_code and f.period = s.period
    and f.sector_code is not distinct from s.sector_code
    and f.district_code is not distinct from s.district_code
"""
# Unordered: counting the changes needs no sort (35 of the count's 59 ms at a million rows).
STAGED_CHANGES = f"""
    select s.source_row, s.indicator_code, s.period, s.sector_code, s.district_code,
           f.value as old_value, s.value as new_value,
           case when f.value is null then 'new'
                when f.value = s.value then 'unchanged'
                else 'changed' end as change
    from staged s
    left join figures f on f.is_current and {KEY_MATCH}
"""
# Warnings: level indicators falling below the previous quarter (the previous quarter comes from
# the file when it is there, else from the store), values above N x the 2025 target, and values
# that change the stored one by more than a ratio.
STAGED_WARNINGS = f"""
    with {_LATEST_EDIT},
    targets_in_force as (
        select r.* replace (coalesce(e.new_value, r.value) as value)
        from targets r
        {_EDIT_JOIN}
        where r.plan_id = $plan
    ),
    levels as (
        select indicator_code from indicators where plan_id = $plan and semantics = 'level'
    ),
    stored as (
        select f.indicator_code, f.period, f.sector_code, f.district_code, f.value,
               null::integer as source_row
        from figures f
        where f.is_current
          and f.indicator_code in (select distinct indicator_code from staged)
          and f.indicator_code in (select indicator_code from levels)
          and not exists (select 1 from staged s where {KEY_MATCH})
    ),
    -- Only levels can fall: the other indicators' rows are left out before the window sorts.
    combined as (
        select indicator_code, period, sector_code, district_code, value, source_row from staged
        where indicator_code in (select indicator_code from levels)
        union all
        select * from stored
    ),
    with_previous as (
        select c.*, lag(value) over (
                   partition by indicator_code, sector_code, district_code order by period
               ) as previous_value,
               lag(period) over (
                   partition by indicator_code, sector_code, district_code order by period
               ) as previous_period
        from combined c
    ),
    decreases as (
        select w.source_row, 'level_decrease' as code, w.value, w.previous_value as reference,
               w.previous_period as reference_period
        from with_previous w
        where w.source_row is not null and w.value < w.previous_value
    ),
    target_for_row as (
        select s.source_row, s.value,
               coalesce(sector_target.value, city_target.value) as target
        from staged s
        left join targets_in_force city_target
          on city_target.plan_id = $plan and city_target.indicator_code = s.indicator_code
         and city_target.sector_code is null and city_target.is_default
        left join targets_in_force sector_target
          on sector_target.plan_id = $plan and sector_target.indicator_code = s.indicator_code
         and sector_target.sector_code = s.sector_code and sector_target.is_default
    ),
    above_target as (
        select source_row, 'above_target' as code, value, target as reference,
               null as reference_period
        from target_for_row
        where target > 0 and value > $target_multiple * target
    ),
    big_changes as (
        select s.source_row, 'big_change' as code, s.value, f.value as reference,
               f.period as reference_period
        from staged s
        join figures f on f.is_current and {KEY_MATCH}
        where abs(s.value - f.value) > $change_ratio * abs(f.value) and f.value <> 0
    ),
    final as (
        select * from decreases
        union all select * from above_target
        union all select * from big_changes
    )
    select * from final order by source_row, code
"""
INSERT_BATCH = """
    insert into batches (batch_id, plan_id, kind, file_name, file_sha256, user_name, loaded_at,
                         row_count, is_demo, rolls_back, note)
    values (nextval('batch_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    returning batch_id
"""
INSERT_FILE = """
    insert into uploaded_files (batch_id, file_name, sha256, size_bytes) values (?, ?, ?, ?)
"""
SUPERSEDE_CHANGED = f"""
    update figures f set is_current = false, superseded_by = $batch
    from staged s
    where f.is_current and {KEY_MATCH} and f.value <> s.value
"""
# A figure's id is the largest so far plus its staged row's ordinal: nextval per row took half of
# a million-row load. Ids keep the order figures were written in (history lists sort by them);
# one writer at a time (kpi.store.db), so the largest cannot change under the statement.
NEXT_FIGURE_ID = "(select coalesce(max(figure_id), 0) from figures)"
INSERT_NEW_AND_CHANGED = f"""
    insert into figures
    select {NEXT_FIGURE_ID} + s.ordinal, $plan, s.indicator_code, s.period, s.sector_code,
           s.district_code, s.value, $batch, true, null, $is_demo, s.source_row
    from staged s
    where not exists (
        select 1 from figures f where f.is_current and {KEY_MATCH}
    )
"""
COUNT_BATCH_FIGURES = "select count(*) from figures where batch_id = ?"
# The history a staged 本期数 or 累计数 is counted from: the figures in force for the staged keys,
# other quarters than the staged ones.
STAGED_KEY_HISTORY = f"""
    select f.indicator_code, f.period, f.sector_code, f.district_code, f.value
    from figures f
    where f.is_current
      and exists (
          select 1 from staged s
          where s.indicator_code = f.indicator_code
            and s.sector_code is not distinct from f.sector_code
            and s.district_code is not distinct from f.district_code
      )
      and not exists (select 1 from staged s where {KEY_MATCH})
"""
INSERT_AUDIT = """
    insert into audit_log values (nextval('audit_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def staged_change_counts(con: Con) -> dict[str, int]:
    """How many staged rows are new, changed or unchanged."""
    rows = _run(con, f"select change, count(*) from ({STAGED_CHANGES}) group by change")
    return {"new": 0, "changed": 0, "unchanged": 0, **dict(rows)}


def staged_diff(con: Con) -> pd.DataFrame:
    """Each staged row against the figure in force: new, changed (old -> new) or unchanged."""
    return con.execute(f"{STAGED_CHANGES} order by source_row").df()


def staged_key_history(con: Con) -> pd.DataFrame:
    """Figures in force for the staged rows' keys, in quarters the staged frame does not give."""
    return con.execute(STAGED_KEY_HISTORY).df()


def staged_warnings(
    con: Con, plan_id: str, *, target_multiple: float, change_ratio: float
) -> pd.DataFrame:
    """Rows of the staged frame that deserve a warning, with the number behind each."""
    params = {
        "plan": plan_id,
        "kind": "target",
        "target_multiple": target_multiple,
        "change_ratio": change_ratio,
    }
    return con.execute(STAGED_WARNINGS, params).df()


def insert_batch(
    con: Con,
    *,
    plan_id: str,
    kind: str,
    file_name: str | None,
    file_sha256: str | None,
    user_name: str,
    row_count: int,
    is_demo: bool,
    rolls_back: int | None = None,
    note: str | None = None,
) -> int:
    """Record a batch and return its id."""
    params = [
        plan_id,
        kind,
        file_name,
        file_sha256,
        user_name,
        datetime.now(),
        row_count,
        is_demo,
        rolls_back,
        note,
    ]
    return _scalar(con, INSERT_BATCH, params)


def store_file(con: Con, batch_id: int, file_name: str, sha256: str, size_bytes: int) -> None:
    """Record a batch's file, whose bytes kpi.store.kept_files keeps under `sha256`."""
    _run(con, INSERT_FILE, [batch_id, file_name, sha256, size_bytes])


def apply_staged(con: Con, plan_id: str, batch_id: int, *, is_demo: bool) -> int:
    """Supersede changed figures and insert new and changed ones; returns rows written."""
    _run(con, SUPERSEDE_CHANGED, {"batch": batch_id})
    _run(con, INSERT_NEW_AND_CHANGED, {"plan": plan_id, "batch": batch_id, "is_demo": is_demo})
    return _scalar(con, COUNT_BATCH_FIGURES, [batch_id])


def write_audit(
    con: Con,
    *,
    user_name: str,
    role: str,
    action: str,
    plan_id: str | None,
    batch_id: int | None = None,
    object_id: str | None = None,
    before: object = None,
    after: object = None,
) -> None:
    """Append one entry to the audit log (before/after as JSON)."""
    _run(
        con,
        INSERT_AUDIT,
        [
            datetime.now(),
            user_name,
            role,
            action,
            plan_id,
            batch_id,
            object_id,
            None if before is None else json.dumps(before, ensure_ascii=False, default=str),
            None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        ],
    )


# ------------------------------------------------------------------ batches and rollback

BATCHES = """
    select b.batch_id, b.kind, b.file_name, b.user_name, b.loaded_at, b.row_count,
           b.is_demo, b.rolls_back, b.rolled_back_by, b.note, b.review_state,
           (select count(*) from figures f where f.batch_id = b.batch_id) as figures_written,
           (select count(*) from figures f where f.batch_id = b.batch_id and f.is_current)
               as figures_in_force,
           exists (select 1 from uploaded_files u where u.batch_id = b.batch_id) as has_file
    from batches b where b.plan_id = ?
    order by b.batch_id desc
"""
BATCH = "select * from batches where batch_id = ?"
UPLOADED_FILE = "select file_name, content, sha256 from uploaded_files where batch_id = ?"
# The values a batch replaced, for keys where the batch's figure is still in force.
ROLLBACK_RESTORE = f"""
    insert into figures
    select {NEXT_FIGURE_ID} + row_number() over (), prev.plan_id, prev.indicator_code, prev.period,
           prev.sector_code, prev.district_code, prev.value, $rollback, true, null,
           prev.is_demo, null
    from figures undone
    join figures prev
      on prev.superseded_by = undone.batch_id
     and prev.indicator_code = undone.indicator_code and prev.period = undone.period
     and prev.sector_code is not distinct from undone.sector_code
     and prev.district_code is not distinct from undone.district_code
    where undone.batch_id = $batch and undone.is_current
"""
ROLLBACK_RETIRE = """
    update figures set is_current = false, superseded_by = $rollback
    where batch_id = $batch and is_current
"""
MARK_ROLLED_BACK = "update batches set rolled_back_by = ? where batch_id = ?"


def batches(con: Con, plan_id: str) -> pd.DataFrame:
    """Every load batch, newest first, with how many of its figures are still in force."""
    return con.execute(BATCHES, [plan_id]).df()


def batch(con: Con, batch_id: int) -> dict | None:
    """One batch row, or None."""
    rows = con.execute(BATCH, [batch_id]).df()
    return None if rows.empty else rows.iloc[0].to_dict()


def uploaded_file(con: Con, batch_id: int) -> tuple[str, bytes | None, str | None] | None:
    """A batch's file: (name as uploaded, bytes kept in the store by an earlier release or None,
    the hash its bytes are kept under in kpi.store.kept_files or None)."""
    rows = _run(con, UPLOADED_FILE, [batch_id])
    if not rows:
        return None
    name, content, sha256 = rows[0]
    return name, None if content is None else bytes(content), sha256


def undo_batch(con: Con, batch_id: int, rollback_id: int) -> tuple[int, int]:
    """Restore what `batch_id` replaced and retire its figures; returns (restored, retired)."""
    params = {"batch": batch_id, "rollback": rollback_id}
    restored = _scalar(con, ROLLBACK_RESTORE, params)
    retired = _scalar(con, ROLLBACK_RETIRE, params)
    _run(con, MARK_ROLLED_BACK, [rollback_id, batch_id])
    return restored, retired


# ------------------------------------------------------------------ tasks

INSERT_TASK_UPDATES = """
    insert into task_updates
    select nextval('task_update_ids'), $plan, u.group_no, u.subtask_no, u.period, u.status,
           nullif(u.note, ''), nullif(u.evidence, ''), $user, nullif(u.unit_zh, ''),
           current_timestamp, $is_demo
    from task_update_frame u
"""
# The latest update per sub-task up to a quarter (updates are never overwritten).
LATEST_TASK_STATUS = """
    with ranked as (
        select u.*, row_number() over (
                   partition by group_no, subtask_no order by period desc, update_id desc
               ) as recency
        from task_updates u
        where u.plan_id = ? and u.period <= ?
    ),
    final as (
        select group_no, subtask_no, period as last_period, status, note, evidence,
               user_name, unit_zh, updated_at, is_demo
        from ranked where recency = 1
    )
    select * from final order by group_no, subtask_no
"""
TASK_HISTORY = """
    select * from task_updates
    where plan_id = ? and group_no = ? and subtask_no = ?
    order by period desc, update_id desc
"""


def insert_task_updates(
    con: Con, plan_id: str, updates: pd.DataFrame, *, user_name: str, is_demo: bool
) -> int:
    """Append task updates (group_no, subtask_no, period, status, note, evidence, unit_zh)."""
    con.register("task_update_frame", updates)
    try:
        params = {"plan": plan_id, "user": user_name, "is_demo": is_demo}
        return _scalar(con, INSERT_TASK_UPDATES, params)
    finally:
        con.unregister("task_update_frame")


def latest_task_status(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """Each sub-task's most recent update up to `as_of` (sub-tasks never updated are absent)."""
    return con.execute(LATEST_TASK_STATUS, [plan_id, as_of]).df()


# Every update ever recorded, all columns (the full data export's task status history).
TASK_UPDATE_HISTORY = """
    select * from task_updates where plan_id = ?
    order by group_no, subtask_no, period, update_id
"""


def task_update_history(con: Con, plan_id: str) -> pd.DataFrame:
    """Every task update of a plan with note, evidence, who and when; oldest first per task."""
    return con.execute(TASK_UPDATE_HISTORY, [plan_id]).df()


def task_history(con: Con, plan_id: str, group_no: int, subtask_no: int) -> pd.DataFrame:
    """Every update of one sub-task, newest first."""
    return con.execute(TASK_HISTORY, [plan_id, group_no, subtask_no]).df()


# Every update of every sub-task up to a quarter, oldest first (the warning list walks it back).
TASK_UPDATES_UP_TO = """
    select group_no, subtask_no, period, status, update_id, is_demo
    from task_updates
    where plan_id = ? and period <= ?
    order by group_no, subtask_no, period, update_id
"""


def task_updates(con: Con, plan_id: str, as_of: str) -> pd.DataFrame:
    """Every task update up to `as_of`, oldest first (the status history of all sub-tasks)."""
    return con.execute(TASK_UPDATES_UP_TO, [plan_id, as_of]).df()


# ------------------------------------------------------------------ demo data

DELETE_DEMO = (
    "delete from figures where is_demo",
    "delete from batches where is_demo",
    "delete from task_updates where is_demo",
)


def delete_demo(con: Con) -> dict:
    """Remove every demo figure, batch and task update; returns the counts removed."""
    counts = {}
    for statement, name in zip(DELETE_DEMO, ("figures", "batches", "task_updates"), strict=True):
        counts[name] = _scalar(con, statement)
    write_audit(
        con, user_name="etl", role="admin", action="remove_demo", plan_id=None, after=counts
    )
    return counts


# ------------------------------------------------------------------ audit

AUDIT_LOG = "select * from audit_log order by audit_id desc"


def audit_log(con: Con) -> pd.DataFrame:
    """Every write ever made, newest first."""
    return con.execute(AUDIT_LOG).df()


# Figures a batch wrote, or that a batch superseded, for the audit's before/after (capped list).
_AUDIT_FIGURE_COLUMNS = "indicator_code, period, sector_code, district_code, value"
FIGURES_WRITTEN_BY = f"""
    select {_AUDIT_FIGURE_COLUMNS} from figures where batch_id = ?
    order by indicator_code, period, sector_code nulls first, district_code nulls first
    limit ?
"""
FIGURES_SUPERSEDED_BY = f"""
    select {_AUDIT_FIGURE_COLUMNS} from figures where superseded_by = ?
    order by indicator_code, period, sector_code nulls first, district_code nulls first
    limit ?
"""


def audit_figures(con: Con, batch_id: int, *, superseded: bool, limit: int) -> tuple[int, list]:
    """(count, first `limit` figures as dicts) written by `batch_id`, or superseded by it."""
    column = "superseded_by" if superseded else "batch_id"
    count = _scalar(con, f"select count(*) from figures where {column} = ?", [batch_id])
    sql = FIGURES_SUPERSEDED_BY if superseded else FIGURES_WRITTEN_BY
    rows = _run(con, sql, [batch_id, limit])
    keys = ("indicator_code", "period", "sector_code", "district_code", "value")
    return int(count), [dict(zip(keys, row, strict=True)) for row in rows]


# `etl export history`: every batch with the before/after its audit entry recorded.
BATCH_HISTORY_EXPORT = f"""
    with final as (
        select h.*, a.user_name as audit_user, a.role as audit_role,
               a.before_json, a.after_json
        from ({BATCHES}) h
        left join audit_log a
          on a.batch_id = h.batch_id and a.action in ('load', 'rollback', 'submit')
    )
    select * from final order by batch_id desc
"""


def batch_history_export(con: Con, plan_id: str) -> pd.DataFrame:
    """Every batch (as `batches`) with its audit entry's role and before/after JSON."""
    return con.execute(BATCH_HISTORY_EXPORT, [plan_id]).df()


# ------------------------------------------------------------------ target edits

INSERT_TARGET_EDIT = """
    insert into target_edits values (
        nextval('target_edit_ids'), $plan, $kind, $indicator, $sector, $period, $source_id,
        $source_ref, $source_value, $old_value, $new_value, $reason, $user, $role, $at
    )
    returning edit_id
"""
TARGET_EDITS = """
    select * from target_edits where plan_id = ? order by edit_id desc
"""


def insert_target_edit(con: Con, plan_id: str, kind: str, row: dict, edit: dict) -> int:
    """Append one edit of a target or milestone row (`row`: its key columns); returns its id."""
    params = {
        "plan": plan_id,
        "kind": kind,
        "indicator": row["indicator_code"],
        "sector": row["sector_code"],
        "period": row["period"],
        "source_id": row["source_id"],
        "source_ref": row["source_ref"],
        "source_value": edit["source_value"],
        "old_value": edit["old_value"],
        "new_value": edit["new_value"],
        "reason": edit["reason"],
        "user": edit["user_name"],
        "role": edit["role"],
        "at": datetime.now(),
    }
    return int(_scalar(con, INSERT_TARGET_EDIT, params))


def target_edits(con: Con, plan_id: str) -> pd.DataFrame:
    """Every target and milestone edit of a plan, newest first (never deleted)."""
    return con.execute(TARGET_EDITS, [plan_id]).df()


# ------------------------------------------------------------------ evidence (佐证材料)

INSERT_ATTACHMENT = """
    insert into attachments
        (attachment_id, plan_id, batch_id, update_id, kind, file_name, sha256, size_bytes,
         media_type, url, user_name, unit_zh, attached_at)
    values (nextval('attachment_ids'), $plan_id, $batch_id, $update_id, $kind, $file_name,
            $sha256, $size_bytes, $media_type, $url, $user_name, $unit_zh, $at)
    returning attachment_id
"""
# Every attachment with the sub-task and quarter of its task update (null for a batch's).
_ATTACHMENT_ROWS = """
    select a.attachment_id, a.plan_id, a.batch_id, a.update_id, u.group_no, u.subtask_no,
           u.period as update_period, a.kind, a.file_name, a.sha256, a.size_bytes,
           a.media_type, a.url, a.user_name, a.unit_zh, a.attached_at
    from attachments a left join task_updates u using (update_id)
"""
ATTACHMENTS = f"""
    {_ATTACHMENT_ROWS}
    where a.plan_id = $plan
      and ($batch::integer is null or a.batch_id = $batch)
      and ($update::bigint is null or a.update_id = $update)
    order by a.attachment_id
"""
ATTACHMENT = f"{_ATTACHMENT_ROWS} where a.attachment_id = ?"
SUBTASK_ATTACHMENTS = f"""
    {_ATTACHMENT_ROWS}
    where a.plan_id = ? and u.group_no = ? and u.subtask_no = ?
    order by u.period desc, a.attachment_id desc
"""
# Attachments of the batches that wrote figures (current or superseded) of one indicator up to
# a quarter: the evidence behind the figures its page shows.
INDICATOR_ATTACHMENTS = f"""
    {_ATTACHMENT_ROWS}
    where a.plan_id = $plan and a.batch_id in (
        select batch_id from plan_figures
        where plan_id = $plan and indicator_code = $code and period <= $as_of
    )
    order by a.batch_id desc, a.attachment_id
"""


def insert_attachment(con: Con, row: dict) -> int:
    """Append one attachment row (a file or a link); returns its id."""
    return int(_scalar(con, INSERT_ATTACHMENT, dict(row, at=datetime.now())))


def attachments(
    con: Con, plan_id: str, batch_id: int | None = None, update_id: int | None = None
) -> pd.DataFrame:
    """Attachments of a plan, of one batch or one task update when given; oldest first."""
    params = {"plan": plan_id, "batch": batch_id, "update": update_id}
    return con.execute(ATTACHMENTS, params).df()


def attachment(con: Con, attachment_id: int) -> dict | None:
    """One attachment row, or None."""
    frame = con.execute(ATTACHMENT, [attachment_id]).df()
    return frame.iloc[0].to_dict() if not frame.empty else None


def subtask_attachments(con: Con, plan_id: str, group_no: int, subtask_no: int) -> pd.DataFrame:
    """Attachments of every update of one sub-task, newest quarter first."""
    return con.execute(SUBTASK_ATTACHMENTS, [plan_id, group_no, subtask_no]).df()


def indicator_attachments(con: Con, plan_id: str, indicator_code: str, as_of: str) -> pd.DataFrame:
    """Attachments of the batches that wrote figures of one indicator up to `as_of`."""
    params = {"plan": plan_id, "code": indicator_code, "as_of": as_of}
    return con.execute(INDICATOR_ATTACHMENTS, params).df()


# ------------------------------------------------------------------ review (填报 → 审核 → 发布)
# A staff submission is a batch with review_state 'pending' whose rows wait in
# submitted_figures; approving applies them like a load under the same batch id (kpi.store.review).

SET_BATCH_REVIEW = """
    update batches set review_state = $state, unit_zh = $unit, entry = $entry,
                       resubmits = $resubmits
    where batch_id = $batch
"""
INSERT_SUBMITTED = """
    insert into submitted_figures
    select $batch, source_row, indicator_code, period, sector_code, district_code, value,
           entered_basis
    from submitted_frame
"""
SUBMITTED_FIGURES = """
    select source_row, indicator_code, period, sector_code, district_code, value, entered_basis
    from submitted_figures where batch_id = ?
    order by source_row, indicator_code, period, sector_code nulls first,
             district_code nulls first
"""
# Only a pending batch changes state: a second reviewer (or a second click) finds none.
MARK_REVIEWED = """
    update batches set review_state = $state, reviewed_by = $user, reviewed_at = $at,
                       review_reason = $reason
    where batch_id = $batch and review_state = 'pending'
    returning batch_id
"""
PENDING_SUBMISSIONS = "select count(*) from batches where plan_id = ? and review_state = 'pending'"
# Submissions are the batches that went through review (pending, returned, or approved by a
# reviewer); `$unit` limits them to one unit (staff). Pending first, then returned, newest first.
SUBMISSIONS = """
    with final as (
        select b.batch_id, b.plan_id, b.file_name, b.user_name, b.unit_zh, b.entry, b.loaded_at,
               b.row_count, b.review_state, b.reviewed_by, b.reviewed_at, b.review_reason,
               b.resubmits,
               (select min(n.batch_id) from batches n where n.resubmits = b.batch_id)
                   as resubmitted_as,
               (select count(*) from attachments a where a.batch_id = b.batch_id)
                   as attachments
        from batches b
        where b.plan_id = $plan and b.kind = 'load'
          and (b.review_state <> 'approved' or b.reviewed_by is not null)
          and ($unit is null or b.unit_zh = $unit)
    )
    select * from final
    order by case review_state when 'pending' then 0 when 'returned' then 1 else 2 end,
             batch_id desc
    limit $limit
"""


def set_batch_review(
    con: Con,
    batch_id: int,
    *,
    state: str,
    unit_zh: str | None,
    entry: str | None,
    resubmits: int | None,
) -> None:
    """Record a new batch's review state, the submitting unit, how it was entered, what it
    replaces."""
    params = {
        "batch": batch_id,
        "state": state,
        "unit": unit_zh,
        "entry": entry,
        "resubmits": resubmits,
    }
    _run(con, SET_BATCH_REVIEW, params)


def insert_submitted(con: Con, batch_id: int, rows: pd.DataFrame) -> None:
    """Keep a pending batch's rows (source_row, key, value, entered_basis) until its review."""
    con.register("submitted_frame", rows)
    try:
        _run(con, INSERT_SUBMITTED, {"batch": batch_id})
    finally:
        con.unregister("submitted_frame")


def submitted_figures(con: Con, batch_id: int) -> pd.DataFrame:
    """The rows a submitted batch holds, in the order of its file."""
    return con.execute(SUBMITTED_FIGURES, [batch_id]).df()


def mark_reviewed(
    con: Con, batch_id: int, *, state: str, user_name: str, reason: str | None
) -> bool:
    """Set a pending batch approved or returned; False when it was not pending."""
    params = {
        "batch": batch_id,
        "state": state,
        "user": user_name,
        "at": datetime.now(),
        "reason": reason,
    }
    return bool(_run(con, MARK_REVIEWED, params))


def pending_submissions(con: Con, plan_id: str) -> int:
    """How many submissions of a plan wait for review."""
    return int(_scalar(con, PENDING_SUBMISSIONS, [plan_id]) or 0)


def submissions(
    con: Con, plan_id: str, unit_zh: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Batches that went through review, pending first (of one unit when `unit_zh`)."""
    params = {"plan": plan_id, "unit": unit_zh, "limit": limit}
    return con.execute(SUBMISSIONS, params).df()


# ------------------------------------------------------------------ reporting calendar (tracking)

# Every submission of a figure: one row per batch, indicator and quarter it wrote (`figures`,
# approved) or holds for review (`submitted_figures`, pending or returned). A batch's loaded_at
# is when it was submitted. Rollback batches restore older figures and are no submission; a
# batch that was rolled back was undone and no longer counts.
FIGURE_SUBMISSIONS = """
    with written as (
        select batch_id, indicator_code, period, count(*) as figures
        from plan_figures where plan_id = $plan
        group by all
        union all
        select batch_id, indicator_code, period, count(*) as figures
        from submitted_figures
        where batch_id in (select batch_id from batches where plan_id = $plan)
        group by all
    ),
    final as (
        select w.period, w.indicator_code, b.batch_id, b.user_name, b.unit_zh, b.loaded_at,
               b.is_demo, coalesce(b.review_state, 'approved') as review_state,
               max(w.figures) as figures
        from written w
        join batches b on b.batch_id = w.batch_id
        where b.kind <> 'rollback' and b.rolled_back_by is null
        group by all
    )
    select * from final order by period, indicator_code, loaded_at, batch_id
"""


def figure_submissions(con: Con, plan_id: str) -> pd.DataFrame:
    """Every batch × indicator × quarter submitted for a plan, earliest first per quarter."""
    return con.execute(FIGURE_SUBMISSIONS, {"plan": plan_id}).df()


# ------------------------------------------------------------------ drafts (kpi.store.drafts)

SAVE_DRAFT = """
    insert or replace into entry_drafts (plan_id, user_name, period, saved_at, rows_json)
    values (?, ?, ?, current_timestamp, ?)
"""
LOAD_DRAFT = """
    select saved_at, rows_json from entry_drafts
    where plan_id = ? and user_name = ? and period = ?
"""
DELETE_DRAFT = "delete from entry_drafts where plan_id = ? and user_name = ? and period = ?"


def save_draft(con: Con, plan_id: str, user_name: str, period: str, rows_json: str) -> None:
    """Keep one draft per person, plan and quarter (replacing the earlier one)."""
    _run(con, SAVE_DRAFT, [plan_id, user_name, period, rows_json])


def load_draft(con: Con, plan_id: str, user_name: str, period: str) -> tuple | None:
    """(saved_at, rows_json) of a draft, or None."""
    rows = _run(con, LOAD_DRAFT, [plan_id, user_name, period])
    return rows[0] if rows else None


def delete_draft(con: Con, plan_id: str, user_name: str, period: str) -> None:
    _run(con, DELETE_DRAFT, [plan_id, user_name, period])


# ------------------------------------------------------------------ peers (issue 13)

# The same indicator code in the other loaded plans, with each plan's window.
PEER_PLANS = """
    with final as (
        select p.plan_id, p.name_zh, p.name_en, p.start_period, p.end_period, p.base_period,
               i.semantics
        from indicators i join plans p using (plan_id)
        where i.indicator_code = ? and i.plan_id <> ?
    )
    select * from final order by start_period desc, plan_id
"""
# City-wide figures in force that count for those plans (their windows), up to the as-of quarter.
PEER_PLAN_FIGURES = """
    select plan_id, period, value, is_demo
    from plan_figures
    where indicator_code = ? and plan_id <> ? and is_current and period <= ?
      and sector_code is null and district_code is null
    order by plan_id, period
"""
# Other cities' figures cited by any plan, with the document they come from.
PEER_FIGURES = """
    with final as (
        select f.*, s.doc_no, s.title_zh as source_title_zh, s.title_en as source_title_en
        from peer_figures f
        left join sources s on s.plan_id = f.plan_id and s.source_id = f.source_id
        where f.indicator_code = ?
    )
    select * from final order by as_of desc, city_zh
"""


def peer_plans(con: Con, plan_id: str, indicator_code: str) -> pd.DataFrame:
    """The other plans that have this indicator code, newest window first."""
    return con.execute(PEER_PLANS, [indicator_code, plan_id]).df()


def peer_plan_figures(con: Con, plan_id: str, indicator_code: str, as_of: str) -> pd.DataFrame:
    """City-wide figures in force of this indicator for every other plan, up to `as_of`."""
    return con.execute(PEER_PLAN_FIGURES, [indicator_code, plan_id, as_of]).df()


def peer_figures(con: Con, indicator_code: str) -> pd.DataFrame:
    """Cited figures of other cities for this indicator (from any plan), newest first."""
    return con.execute(PEER_FIGURES, [indicator_code]).df()


# ------------------------------------------------------------------ plans (kpi.store.plan_import)

PLAN_LIST = """
with counts as (
    select p.plan_id,
        (select count(*) from indicators i where i.plan_id = p.plan_id) as indicators,
        (select count(*) from targets t where t.plan_id = p.plan_id) as targets,
        (select count(*) from subtasks s where s.plan_id = p.plan_id) as tasks,
        (select count(*) from plan_figures f where f.plan_id = p.plan_id and f.is_current)
            as figures
    from plans p
)
select p.plan_id, p.name_zh, p.name_en, p.start_period, p.end_period, p.base_period,
    p.issued_on, c.indicators, c.targets, c.tasks, c.figures
from plans p join counts c using (plan_id)
order by p.start_period desc, p.plan_id
"""
# The file a plan was last imported from, kept in its refresh audit entry (kpi.store.reference).
IMPORTED_FROM = """
select plan_id, json_extract_string(after_json, '$.imported_from') as source
from audit_log
where action = 'reference_refresh'
    and json_extract_string(after_json, '$.imported_from') is not null
qualify row_number() over (partition by plan_id order by audit_id desc) = 1
"""


def plan_list(con: Con) -> pd.DataFrame:
    """Every plan with its window and counts; `figures` are those in force in its window."""
    return con.execute(PLAN_LIST).df()


def imported_from(con: Con) -> dict[str, str]:
    """plan_id -> the file it was last imported from (plans imported, not loaded from data/)."""
    return dict(_run(con, IMPORTED_FROM))


def reference_rows(con: Con, table: str, columns: list[str], plan_id: str) -> pd.DataFrame:
    """One plan's rows of a reference table (`table` and `columns` from plan_import.SHEETS)."""
    listed = ", ".join(columns)
    return con.execute(f"select {listed} from {table} where plan_id = ?", [plan_id]).df()

"""Stores for the reporting calendar tests: batches with a chosen submission time (loaded_at)."""

from datetime import datetime
from pathlib import Path

from kpi.store import db, queries

PLAN = "zhanjiang-dt-2023"
# The one indicator of these units (市教育局 has no other): its lateness is theirs alone.
LATE_INDICATOR = "digital_talent"
LATE_UNIT = "市教育局"
LATE_QUARTER = "2025Q4"  # due 2026-01-15 with the default 15 days


def add_batch(
    path: Path,
    rows: list[tuple[str, str]],
    loaded_at: datetime,
    *,
    user: str = "alice",
    unit: str | None = "市工业和信息化局",
    is_demo: bool = False,
    review_state: str = "approved",
) -> int:
    """A batch submitted at `loaded_at` writing a city-wide figure per (indicator, quarter) row:
    into `figures` when approved, into `submitted_figures` when pending or returned."""
    with db.connect(path) as con:
        batch_id = con.execute(
            "insert into batches (batch_id, plan_id, kind, user_name, loaded_at, row_count,"
            " is_demo, review_state, unit_zh) values (nextval('batch_ids'), ?, ?, ?, ?, ?, ?, ?, ?)"
            " returning batch_id",
            [
                PLAN,
                "demo" if is_demo else "load",
                user,
                loaded_at,
                len(rows),
                is_demo,
                review_state,
                unit,
            ],
        ).fetchone()[0]
        for code, period in rows:
            if review_state == "approved":
                con.execute(
                    "update figures set is_current = false, superseded_by = ? where plan_id = ?"
                    " and indicator_code = ? and period = ? and is_current"
                    " and sector_code is null and district_code is null",
                    [batch_id, PLAN, code, period],
                )
                con.execute(
                    f"insert into figures values ({queries.NEXT_FIGURE_ID} + 1, ?, ?, ?, null,"
                    " null, 1.0, ?, true, null, ?, null)",
                    [PLAN, code, period, batch_id, is_demo],
                )
            else:
                con.execute(
                    "insert into submitted_figures"
                    " values (?, 1, ?, ?, null, null, 1.0, 'declared')",
                    [batch_id, code, period],
                )
    return batch_id


def late_unit_store(path: Path) -> None:
    """From a demo store: LATE_QUARTER reported for real, on time, except LATE_INDICATOR, which
    nobody has reported (its demo figures are removed), so its units are late with it."""
    with db.connect(path) as con:
        codes = queries.indicators(con, PLAN)["indicator_code"].tolist()
        con.execute(
            "delete from figures where plan_id = ? and period = ? and is_demo", [PLAN, LATE_QUARTER]
        )
    on_time = [(code, LATE_QUARTER) for code in codes if code != LATE_INDICATOR]
    add_batch(path, on_time, datetime(2026, 1, 12, 9, 30), user="staff")

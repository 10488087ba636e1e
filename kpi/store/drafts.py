"""在线填报 drafts: the grid a person is filling in, kept until they submit it.

A draft is not a figure: it is one row per person, plan and quarter in `entry_drafts`,
overwritten on every save and deleted after a submission. Nothing reads it but its owner's entry
page, so it is not audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base.errors import InputRejected
from kpi.base.values import is_missing
from kpi.store import connection, db, queries
from kpi.store.queries import Con
from kpi.store.writer import writer

# A grid holds one row per indicator and breakdown of a unit (a few hundred at most); a draft
# larger than this is not a grid the page made.
MAX_DRAFT_ROWS = 5000


@dataclass(frozen=True)
class Draft:
    rows: list[dict]
    saved_at: datetime


def save_draft(
    path: Path | str | None, user: User | None, plan_id: str, period: str, rows: list[dict]
) -> Draft:
    """Keep `rows` (JSON-able dicts) as `user`'s draft for `period`, replacing any earlier one."""
    user = permissions.require(user, "upload")
    if len(rows) > MAX_DRAFT_ROWS:
        raise InputRejected("entry.draft_too_large", n=len(rows), limit=MAX_DRAFT_ROWS)
    # An empty grid cell is NaN in pandas and null in the draft.
    clean = [{k: None if is_missing(v) else v for k, v in row.items()} for row in rows]
    text = json.dumps(clean, ensure_ascii=False, allow_nan=False, default=str)
    with writer(path) as con:
        with connection.transaction(con):
            queries.save_draft(con, plan_id, user.username, period, text)
        return _load(con, plan_id, user.username, period)


def load_draft(
    path: Path | str | None, user: User | None, plan_id: str, period: str
) -> Draft | None:
    """`user`'s draft for `period`, or None."""
    if user is None:
        return None
    with db.read(path) as con:
        return _load(con, plan_id, user.username, period)


def delete_draft(path: Path | str | None, user: User | None, plan_id: str, period: str) -> None:
    """Forget `user`'s draft for `period` (after a submission, or when asked)."""
    user = permissions.require(user, "upload")
    with writer(path) as con, connection.transaction(con):
        queries.delete_draft(con, plan_id, user.username, period)


def _load(con: Con, plan_id: str, user_name: str, period: str) -> Draft | None:
    found = queries.load_draft(con, plan_id, user_name, period)
    if found is None:
        return None
    return Draft(rows=json.loads(found[1]), saved_at=found[0])

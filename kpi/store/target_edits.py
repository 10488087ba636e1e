"""Admin edits of targets and milestones (目标调整); no Streamlit.

Target edits never change the cited reference row: each edit is a new row of `target_edits`
naming the target or milestone by its natural key, with the old and new value and a required
reason. `queries.targets`/`milestones` apply the latest edit of each row, so the status maths,
charts and exports use it, and `etl init` (which rebuilds the reference tables) keeps it.
Same rules as kpi.store.intake: `permissions.require` first, then one transaction holding
the write and its audit entry, on `writer.writer`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base.errors import InputRejected
from kpi.store import connection, db, queries
from kpi.store.queries import Con
from kpi.store.writer import writer

KINDS = ("target", "milestone")
MIN_REASON_CHARS = 5
MAX_REASON_CHARS = 500

# Values equal up to float noise count as unchanged.
_REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TargetKey:
    """A target or milestone row by its natural key (the reference tables have no id)."""

    kind: str
    indicator_code: str
    sector_code: str | None
    period: str
    source_id: str
    source_ref: str

    @classmethod
    def of(cls, row: dict) -> TargetKey:
        """The key of a row of `editable_rows`."""
        sector = row.get("sector_code")
        return cls(
            row["kind"],
            row["indicator_code"],
            sector if isinstance(sector, str) and sector else None,
            row["period"],
            row["source_id"],
            row["source_ref"],
        )

    def object_id(self) -> str:
        """The audit log's object: 'target:base_stations_5g@全市/2025Q4 (zj-dt-plan 表1 …)'."""
        place = self.sector_code or "city"
        where = f"{self.source_id} {self.source_ref}"
        return f"{self.kind}:{self.indicator_code}@{place}/{self.period} ({where})"


EDITABLE_COLUMNS = [
    "kind",
    "indicator_code",
    "sector_code",
    "period",
    "value",
    "source_value",
    "value_as_written",
    "unit_as_written",
    "comparator",
    "source_id",
    "source_ref",
    "doc_no",
    "source_title_zh",
    "source_title_en",
    "is_default",
    "edited_value",
    "edit_reason",
    "edited_by",
    "edited_at",
]


def editable_rows(con: Con, plan_id: str) -> pd.DataFrame:
    """Every target and milestone with the value in force and any edit, in display order:
    indicator, then its targets (city-wide default first, then sectors), then its milestones."""
    targets = queries.targets(con, plan_id).assign(kind="target")
    milestones = queries.milestones(con, plan_id).assign(
        kind="milestone", is_default=False, comparator="", value_as_written="", unit_as_written=""
    )
    frames = [f.reindex(columns=EDITABLE_COLUMNS) for f in (targets, milestones) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=EDITABLE_COLUMNS)
    rows = pd.concat(frames, ignore_index=True)
    indicator_order = queries.indicators(con, plan_id).set_index("indicator_code")["sort_order"]
    sector_order = queries.sectors(con, plan_id).set_index("sector_code")["sort_order"]
    order = pd.DataFrame(
        {
            "indicator": rows["indicator_code"].map(indicator_order),
            "kind": (rows["kind"] == "milestone").astype(int),
            "sector": rows["sector_code"].map(sector_order).fillna(-1),
            "default": ~rows["is_default"].astype(bool),
            "period": rows["period"],
        }
    )
    ranked = order.sort_values(list(order.columns), kind="stable").index
    return rows.loc[ranked].reset_index(drop=True)


def read_editable_rows(path: Path | str | None, plan_id: str) -> pd.DataFrame:
    """`editable_rows` on a short-lived connection."""
    with db.read(path) as con:
        return editable_rows(con, plan_id)


def read_target_edits(path: Path | str | None, plan_id: str) -> pd.DataFrame:
    """Every edit of the plan, newest first, on a short-lived connection."""
    with db.read(path) as con:
        return queries.target_edits(con, plan_id)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOLERANCE, abs_tol=1e-12)


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON_CHARS:
        raise InputRejected("targets.reason_missing", n=MIN_REASON_CHARS)
    if len(text) > MAX_REASON_CHARS:
        raise InputRejected("targets.reason_too_long", n=MAX_REASON_CHARS)
    return text


def _clean_value(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InputRejected("targets.value_not_positive", value=value)
    return number


def _find(rows: pd.DataFrame, key: TargetKey) -> dict:
    for row in rows[rows["kind"] == key.kind].to_dict("records"):
        if TargetKey.of(row) == key:
            return row
    raise InputRejected("targets.row_gone")


def edit_target(
    path: Path | str | None,
    user: User | None,
    plan_id: str,
    key: TargetKey,
    new_value: float,
    reason: str | None,
    *,
    expected_value: float | None = None,
) -> int:
    """Record an admin edit of one target or milestone (canonical unit); returns its edit id.

    Refused unless the user is an admin, the reason has at least MIN_REASON_CHARS characters
    and the value is above 0 and differs from the value in force. With `expected_value` (the
    value the form showed), refused when someone else changed the row in the meantime.
    """
    user = permissions.require(user, "edit_targets")
    if key.kind not in KINDS:
        raise InputRejected("targets.unknown_kind", kind=key.kind)
    new_value = _clean_value(new_value)
    reason = _clean_reason(reason)
    with writer(path) as con:
        row = _find(editable_rows(con, plan_id), key)
        old_value = float(row["value"])
        if expected_value is not None and not _same(old_value, float(expected_value)):
            raise InputRejected("targets.changed_meanwhile")
        if _same(old_value, new_value):
            raise InputRejected("targets.value_unchanged")
        source_value = float(row["source_value"])
        with connection.transaction(con):
            edit_id = queries.insert_target_edit(
                con,
                plan_id,
                key.kind,
                {**row, "sector_code": key.sector_code},
                {
                    "source_value": source_value,
                    "old_value": old_value,
                    "new_value": new_value,
                    "reason": reason,
                    "user_name": user.username,
                    "role": user.role,
                },
            )
            queries.write_audit(
                con,
                user_name=user.username,
                role=user.role,
                action="edit_target",
                plan_id=plan_id,
                object_id=key.object_id(),
                before={
                    "value": old_value,
                    "source_value": source_value,
                    "edited": not _same(old_value, source_value),
                },
                after={
                    "edit_id": edit_id,
                    "value": new_value,
                    "reverted_to_source": _same(new_value, source_value),
                    "reason": reason,
                    "kind": key.kind,
                    "indicator_code": key.indicator_code,
                    "sector_code": key.sector_code,
                    "period": key.period,
                    "source_id": key.source_id,
                    "source_ref": key.source_ref,
                },
            )
    return edit_id


def revert_target(
    path: Path | str | None, user: User | None, plan_id: str, key: TargetKey, reason: str | None
) -> int:
    """Put the cited value back in force: one more edit (history is kept); returns its id."""
    permissions.require(user, "edit_targets")
    rows = read_editable_rows(path, plan_id)
    row = _find(rows, key)
    return edit_target(
        path,
        user,
        plan_id,
        key,
        float(row["source_value"]),
        reason,
        expected_value=float(row["value"]),
    )


def to_canonical(shown: float, indicator: dict) -> float:
    """A value typed in the indicator's display unit (1.86 万座) in its canonical unit (18600)."""
    return float(shown) * float(indicator.get("display_factor") or 1)


def to_display(value: float, indicator: dict) -> float:
    """A canonical value in the display unit (18600 座 -> 1.86 万座)."""
    return float(value) / float(indicator.get("display_factor") or 1)

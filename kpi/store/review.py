"""Review before publishing (填报 → 审核 → 发布): approve or return what staff submitted.

A staff member's upload or grid entry is written as a batch with review_state 'pending' whose
rows wait in `submitted_figures` (ingest.write_batch); nothing in `figures` changes. A reviewer
(or an admin) approves it — its rows are applied exactly like a load, under the same batch id,
superseding the figures in force (history kept) — or returns it with a reason the clerk sees and
answers with a corrected batch that `resubmits` it. Every step is one transaction with its audit
entry. Leaders' pages read `figures` only, so they show approved figures only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import i18n
from kpi.base.errors import InputRejected, PermissionDenied
from kpi.store import db, ingest, queries
from kpi.store.connection import transaction
from kpi.store.queries import Con
from kpi.store.writer import writer

PENDING, APPROVED, RETURNED = "pending", "approved", "returned"
REVIEW_STATES = (PENDING, RETURNED, APPROVED)
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the batch, its new state, and for an approval the figures written."""

    batch_id: int
    state: str
    figures_written: int = 0
    figures_superseded: int = 0


# ------------------------------------------------------------------ writes


def approve(path: Path | str | None, user: User | None, batch_id: int) -> ReviewResult:
    """Approve a pending batch (reviewer or admin): its figures come into force."""
    user = permissions.require(user, "review")
    with writer(path) as con:
        return approve_batch(con, int(batch_id), user_name=user.username, role=user.role)


def reject(path: Path | str | None, user: User | None, batch_id: int, reason: str) -> ReviewResult:
    """Return a pending batch to its submitter with a reason (reviewer or admin)."""
    user = permissions.require(user, "review")
    with writer(path) as con:
        return return_batch(con, int(batch_id), reason, user_name=user.username, role=user.role)


def approve_batch(con: Con, batch_id: int, *, user_name: str, role: str) -> ReviewResult:
    """Apply a pending batch's submitted rows like a load (same batch id), in one transaction
    with its audit entry; the command line calls this directly (role 'cli')."""
    with transaction(con):
        batch = _pending_batch(con, batch_id)
        rows = queries.submitted_figures(con, batch_id)
        with queries.staged(con, rows):
            written = queries.apply_staged(con, batch["plan_id"], batch_id, is_demo=False)
        if not queries.mark_reviewed(
            con, batch_id, state=APPROVED, user_name=user_name, reason=None
        ):
            raise _not_pending(batch_id, queries.batch(con, batch_id))
        before = ingest.audit_figures(con, batch_id, superseded=True)
        after = ingest.audit_figures(con, batch_id)
        queries.write_audit(
            con,
            user_name=user_name,
            role=role,
            action="approve",
            plan_id=batch["plan_id"],
            batch_id=batch_id,
            object_id=str(batch_id),
            before={
                "review_state": PENDING,
                "figures_superseded": before["count"],
                **ingest.listed_figures(before),
            },
            after={
                "review_state": APPROVED,
                "figures_written": written,
                **ingest.listed_figures(after),
            },
        )
    return ReviewResult(batch_id, APPROVED, int(written), int(before["count"]))


def return_batch(
    con: Con, batch_id: int, reason: str | None, *, user_name: str, role: str
) -> ReviewResult:
    """Return a pending batch with a reason (required, at most MAX_REASON_CHARS characters)."""
    text = (reason or "").strip()
    if not text:
        raise InputRejected("review.reason_required")
    if len(text) > MAX_REASON_CHARS:
        raise InputRejected("review.reason_too_long", limit=MAX_REASON_CHARS, n=len(text))
    with transaction(con):
        batch = _pending_batch(con, batch_id)
        if not queries.mark_reviewed(
            con, batch_id, state=RETURNED, user_name=user_name, reason=text
        ):
            raise _not_pending(batch_id, queries.batch(con, batch_id))
        queries.write_audit(
            con,
            user_name=user_name,
            role=role,
            action="return",
            plan_id=batch["plan_id"],
            batch_id=batch_id,
            object_id=str(batch_id),
            before={"review_state": PENDING},
            after={"review_state": RETURNED, "reason": text},
        )
    return ReviewResult(batch_id, RETURNED)


def _pending_batch(con: Con, batch_id: int) -> dict:
    batch = queries.batch(con, batch_id)
    if batch is None:
        raise InputRejected("intake.no_batch", batch=batch_id)
    if batch["review_state"] != PENDING:
        raise _not_pending(batch_id, batch)
    return batch


def _not_pending(batch_id: int, batch: dict | None) -> InputRejected:
    state = (batch or {}).get("review_state") or APPROVED
    return InputRejected(
        "review.not_pending", batch=batch_id, state=state_names(state), by=_reviewer(batch)
    )


def _reviewer(batch: dict | None) -> str:
    by = (batch or {}).get("reviewed_by")
    return by if isinstance(by, str) and by else "—"


def state_names(state: str) -> dict[str, str]:
    """A review state's name in both languages (as an error's parameter: {state[zh]})."""
    return {lang: i18n.t(f"review.state.{state}", lang) for lang in i18n.LANGS}


def check_resubmission(con: Con, batch_id: int, user: User, plan_id: str) -> None:
    """Refuse to link a submission to `batch_id` unless that is a returned batch of the same
    plan (and, for staff, of their own unit)."""
    batch = queries.batch(con, int(batch_id))
    if batch is None or batch["plan_id"] != plan_id:
        raise InputRejected("intake.no_batch", batch=batch_id)
    if batch["review_state"] != RETURNED:
        raise InputRejected("review.not_returned", batch=batch_id)
    if user.role == "staff" and batch["unit_zh"] != user.unit:
        raise PermissionDenied("upload", "permission.own_unit_only", unit=user.unit)


# ------------------------------------------------------------------ reads


def pending_count(con: Con, plan_id: str) -> int:
    """How many submissions of the plan wait for review."""
    return queries.pending_submissions(con, plan_id)


def submissions(con: Con, plan_id: str, user: User | None) -> pd.DataFrame:
    """Submissions as `user` may see them: reviewers and admins all, pending first; staff their
    unit's, a returned one not yet resubmitted first."""
    user = permissions.require(user, "submissions")
    if user.role != "staff":
        return queries.submissions(con, plan_id)
    # A clerk's first concern is a returned batch not yet answered: it comes first.
    mine = queries.submissions(con, plan_id, user.unit)
    waiting = (mine["review_state"] == RETURNED) & mine["resubmitted_as"].isna()
    return mine.iloc[(~waiting).argsort(kind="stable")].reset_index(drop=True)


def submitted_rows(con: Con, batch_id: int) -> pd.DataFrame:
    """The rows a batch was submitted with (for a preview or a resubmission)."""
    return queries.submitted_figures(con, int(batch_id))


def submitted_diff(con: Con, batch_id: int) -> pd.DataFrame:
    """A batch's submitted rows against the figures in force now: old -> new, and the basis."""
    rows = submitted_rows(con, batch_id)
    with queries.staged(con, rows):
        diff = queries.staged_diff(con)
    return diff.merge(rows[["source_row", "entered_basis"]], on="source_row", how="left")


def visible_batch(con: Con, user: User | None, batch_id: int) -> dict:
    """A submitted batch `user` may look at (staff: their unit's); refused otherwise."""
    user = permissions.require(user, "submissions")
    batch = queries.batch(con, int(batch_id))
    if batch is None:
        raise InputRejected("intake.no_batch", batch=batch_id)
    if user.role == "staff" and batch["unit_zh"] != user.unit:
        raise PermissionDenied("submissions", "permission.own_unit_only", unit=user.unit)
    return batch


def read_submissions(path: Path | str | None, plan_id: str, user: User | None) -> pd.DataFrame:
    """`submissions` on a short-lived read connection."""
    with db.read(path) as con:
        return submissions(con, plan_id, user)


def read_submission(
    path: Path | str | None, user: User | None, batch_id: int
) -> tuple[dict, pd.DataFrame]:
    """One submitted batch and its rows against the figures in force, if `user` may see it."""
    with db.read(path) as con:
        batch = visible_batch(con, user, batch_id)
        return batch, submitted_diff(con, int(batch_id))


def read_submitted_rows(path: Path | str | None, user: User | None, batch_id: int) -> pd.DataFrame:
    """The rows of a batch `user` may see (the grid's resubmission starts from them)."""
    with db.read(path) as con:
        visible_batch(con, user, batch_id)
        return submitted_rows(con, batch_id)

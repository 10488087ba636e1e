"""Staff writes from the browser: uploads, rollbacks and task updates (no Streamlit).

Every write function calls `permissions.require` before touching the store, writes in one
transaction together with an audit entry, and runs on `writer.writer` (one writer at a
time in this process; busy or conflicting -> RetryLater)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import periods
from kpi.base.errors import InputRejected, PreviewOutdated
from kpi.base.values import as_list
from kpi.store import connection, db, ingest, queries
from kpi.store.ingest import RollbackResult, UploadCheck
from kpi.store.queries import Con
from kpi.store.writer import writer

# A task group naming this collective unit is the responsibility of every county-level unit.
COLLECTIVE_COUNTY_UNIT = "各县（市、区）人民政府（管委会）"
# What a task update may say about a sub-task.
NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "not_started", "in_progress", "done", "delayed"
TASK_STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, DELAYED)
MAX_NOTE_CHARS = 2000
MAX_EVIDENCE_CHARS = 500


def commit_upload(
    path: Path | str | None, user: User | None, check: UploadCheck, *, accept_warnings: bool
) -> int:
    """Write a checked upload as one batch (with its audit entry); returns the batch id.

    Refused when the file has errors, or warnings that were not accepted. When figures changed
    since the check, raises PreviewOutdated so that the user sees a fresh diff first.
    """
    user = permissions.require(user, "upload")
    if check.checked.errors:
        raise InputRejected("intake.file_has_errors", n=len(check.checked.errors))
    if check.checked.warnings and not accept_warnings:
        raise InputRejected("intake.warnings_not_accepted", n=len(check.checked.warnings))
    with writer(path) as con:
        if _outdated(con, check):
            raise PreviewOutdated()
        with connection.transaction(con):
            return ingest.write_batch(con, check, user_name=user.username, role=user.role)


def _outdated(con: Con, check: UploadCheck) -> bool:
    """True when the figures in force for the file's keys differ from those previewed."""
    con.register("staged", check.checked.rows)
    try:
        if check.diff.empty:
            return queries.staged_change_counts(con, check.plan_id) != check.change_counts
        fresh = queries.staged_diff(con, check.plan_id)
    finally:
        con.unregister("staged")
    columns = ["source_row", "old_value"]
    return (
        not fresh[columns].reset_index(drop=True).equals(check.diff[columns].reset_index(drop=True))
    )


def rollback_batch(path: Path | str | None, user: User | None, batch_id: int) -> RollbackResult:
    """Undo a batch (admin only), recorded as a new batch with an audit entry."""
    user = permissions.require(user, "rollback")
    with writer(path) as con:
        return ingest.rollback(con, int(batch_id), user_name=user.username, role=user.role)


def county_units(con: Con, plan_id: str) -> list[str]:
    """Units of kind 'county' (governments and committees), without the collective name."""
    units = queries.responsible_units(con, plan_id)
    rows = units[(units["kind"] == "county") & (units["unit_zh"] != COLLECTIVE_COUNTY_UNIT)]
    return rows["unit_zh"].tolist()


def expand_units(units: list[str], counties: list[str]) -> list[str]:
    """A group's units with the collective county unit replaced by every county-level unit."""
    expanded: list[str] = []
    for unit in units:
        for name in counties if unit == COLLECTIVE_COUNTY_UNIT else [unit]:
            if name not in expanded:
                expanded.append(name)
    return expanded


def _subtask_units(con: Con, plan_id: str, group_no: int, subtask_no: int) -> list[str]:
    tasks = queries.tasks(con, plan_id)
    row = tasks[(tasks["group_no"] == group_no) & (tasks["subtask_no"] == subtask_no)]
    if row.empty:
        raise InputRejected("intake.no_subtask", group=group_no, subtask=subtask_no)
    return expand_units(as_list(row["units"].iloc[0]), county_units(con, plan_id))


def _clean_text(value: str | None, limit: int, too_long: str) -> str:
    """`value` stripped; refused with the catalog text `too_long` when over `limit` characters."""
    text = (value or "").strip()
    if len(text) > limit:
        raise InputRejected(too_long, limit=limit)
    return text


def _check_period(text: str) -> str:
    """The canonical quarter of `text`; refused when malformed or in the future."""
    try:
        period = periods.parse_period(text)
    except ValueError as err:
        raise InputRejected("intake.bad_quarter", text=text) from err
    current = periods.current_period()
    if period > current:
        raise InputRejected("intake.future_quarter", period=period, current=current)
    return period


def record_task_update(
    path: Path | str | None,
    user: User | None,
    plan_id: str,
    group_no: int,
    subtask_no: int,
    period: str,
    status: str,
    note: str | None,
    evidence: str | None,
) -> int:
    """Append one progress update of a sub-task (never overwrites); returns its update id.

    Staff may update only sub-tasks whose group lists their unit (the collective county unit
    counts for every county-level unit); admins any.
    """
    if not permissions.role_allows(user, "update_task"):
        permissions.require(user, "update_task")  # raises PermissionDenied with the role's reason
    group_no, subtask_no = int(group_no), int(subtask_no)
    with writer(path) as con:
        units = _subtask_units(con, plan_id, group_no, subtask_no)
        user = permissions.require(user, "update_task", unit=units)
        if status not in TASK_STATUSES:
            raise InputRejected("intake.unknown_status", status=status)
        period = _check_period(period)
        note = _clean_text(note, MAX_NOTE_CHARS, "intake.note_too_long")
        evidence = _clean_text(evidence, MAX_EVIDENCE_CHARS, "intake.evidence_too_long")
        history = queries.task_history(con, plan_id, group_no, subtask_no)
        before = None
        if not history.empty:
            last = history.iloc[0]
            before = {k: last[k] for k in ("update_id", "period", "status", "note", "evidence")}
        unit = user.unit if user.role == "staff" else None
        frame = pd.DataFrame(
            [
                {
                    "group_no": group_no,
                    "subtask_no": subtask_no,
                    "period": period,
                    "status": status,
                    "note": note,
                    "evidence": evidence,
                    "unit_zh": unit or "",
                }
            ]
        )
        with connection.transaction(con):
            queries.insert_task_updates(con, plan_id, frame, user_name=user.username, is_demo=False)
            update_id = int(
                queries.task_history(con, plan_id, group_no, subtask_no)["update_id"].max()
            )
            queries.write_audit(
                con,
                user_name=user.username,
                role=user.role,
                action="update_task",
                plan_id=plan_id,
                object_id=f"{group_no}({subtask_no})",
                before=before,
                after={
                    "update_id": update_id,
                    "period": period,
                    "status": status,
                    "note": note,
                    "evidence": evidence,
                    "unit_zh": unit,
                },
            )
    return update_id


def check_file(
    path: Path | str | None, plan_id: str, content: bytes, file_name: str, progress=None
) -> UploadCheck:
    """Check an upload against the store (writes nothing); `progress(fraction, stage)`."""
    with db.connect(path) as con:
        return ingest.check_upload(con, content, file_name, plan_id, progress=progress)


def original_file(path: Path | str | None, batch_id: int) -> tuple[str, bytes] | None:
    """The bytes of a batch's uploaded file, and its name as uploaded (shown, never a path)."""
    with db.connect(path) as con:
        return queries.uploaded_file(con, int(batch_id))


def read_task_history(path: Path | str | None, plan_id: str, group_no: int, subtask_no: int):
    """Every update of one sub-task, newest first, on a short-lived connection."""
    with db.connect(path) as con:
        return queries.task_history(con, plan_id, int(group_no), int(subtask_no))

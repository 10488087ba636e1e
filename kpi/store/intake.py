"""Staff writes from the browser: uploads, rollbacks and task updates (no Streamlit).

Every write function calls `permissions.require` before touching the store, writes in one
transaction together with an audit entry, and runs on `writer.writer` (one writer at a
time in this process; busy or conflicting -> RetryLater)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import config, i18n, periods
from kpi.base.errors import InputRejected, PermissionDenied, PreviewOutdated
from kpi.base.values import as_list
from kpi.store import connection, db, demo, ingest, kept_files, queries, review
from kpi.store import evidence as evidence_store  # `evidence` is also a task-update field
from kpi.store.ingest import RollbackResult, UploadCheck
from kpi.store.queries import Con
from kpi.store.validation import Problem
from kpi.store.writer import writer

# A task group naming this collective unit is the responsibility of every county-level unit.
COLLECTIVE_COUNTY_UNIT = "各县（市、区）人民政府（管委会）"
# What a task update may say about a sub-task.
NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "not_started", "in_progress", "done", "delayed"
TASK_STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, DELAYED)
MAX_NOTE_CHARS = 2000
MAX_EVIDENCE_CHARS = 500
# Rows outside the uploader's unit listed one by one; the rest are counted in one more problem,
# so that a large file of another unit's figures cannot flood memory with problems.
MAX_AUTHORITY_ROWS = 500
# How a batch was entered: an uploaded file or the 在线填报 grid (the command line says 'cli').
ENTRY_KINDS = ("file", "form")


def needs_review(user: User) -> bool:
    """A staff member's figures wait for a reviewer; an admin's are the bureau's own."""
    return user.role != "admin"


def commit_upload(
    path: Path | str | None,
    user: User | None,
    check: UploadCheck,
    *,
    accept_warnings: bool,
    entry: str = "file",
    evidence: evidence_store.Prepared | None = None,
    resubmits: int | None = None,
) -> int:
    """Write a checked upload (`entry` 'file') or grid ('form') as one batch with its audit
    entry (and its evidence, prepared beforehand); returns the batch id.

    A staff member's batch is a submission: pending until a reviewer approves it
    (kpi.store.review), nothing in force changes; an admin's is in force at once. `resubmits`
    names the returned batch this one corrects. Refused when the file has errors, or warnings
    that were not accepted. When figures changed since the check, raises PreviewOutdated so that
    the user sees a fresh diff first.
    """
    user = permissions.require(user, "upload")
    if entry not in ENTRY_KINDS:
        raise ValueError(f"unknown entry {entry!r}; expected one of {ENTRY_KINDS}")
    if check.checked.errors:
        raise InputRejected("intake.file_has_errors", n=len(check.checked.errors))
    if check.checked.warnings and not accept_warnings:
        raise InputRejected("intake.warnings_not_accepted", n=len(check.checked.warnings))
    with writer(path) as con:
        # Checked again here, whatever the check object says: the page keeps it across reruns.
        _require_authority(con, check, user)
        if _outdated(con, check):
            raise PreviewOutdated()
        if resubmits is not None:
            review.check_resubmission(con, int(resubmits), user, check.plan_id)
        with connection.transaction(con):
            batch_id = ingest.write_batch(
                con,
                check,
                user_name=user.username,
                role=user.role,
                review_state=review.PENDING if needs_review(user) else review.APPROVED,
                unit_zh=user.unit,
                entry=entry,
                resubmits=None if resubmits is None else int(resubmits),
                keep_file_in=kept_files.folder(path, kept_files.UPLOADS),
            )
            if evidence:
                evidence_store.insert_attachments(
                    con,
                    evidence,
                    plan_id=check.plan_id,
                    user_name=user.username,
                    unit_zh=user.unit,
                    batch_id=batch_id,
                    role=user.role,
                )
            return batch_id


def _outdated(con: Con, check: UploadCheck) -> bool:
    """True when the figures in force for the file's keys differ from those previewed."""
    with queries.staged(con, check.checked.rows):
        if check.diff.empty:
            return queries.staged_change_counts(con) != check.change_counts
        fresh = queries.staged_diff(con)
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
    attachments: evidence_store.Prepared | None = None,
) -> int:
    """Append one progress update of a sub-task (never overwrites); returns its update id.

    Staff may update only sub-tasks whose group lists their unit (the collective county unit
    counts for every county-level unit); admins any. The quarter must lie within the plan (an
    update after its end never reaches the pages). `attachments` (from `evidence.prepare`) are
    inserted in the same transaction.
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
        plan = queries.plan(con, plan_id)
        if not plan["start_period"] <= period <= plan["end_period"]:
            raise InputRejected(
                "evidence.task_period_outside_plan",
                period=period,
                start=plan["start_period"],
                end=plan["end_period"],
            )
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
            evidence_store.insert_attachments(
                con,
                attachments,
                plan_id=plan_id,
                user_name=user.username,
                unit_zh=unit,
                update_id=update_id,
                role=user.role,
            )
    return update_id


def check_file(
    path: Path | str | None, plan_id: str, content: bytes, file_name: str, progress=None
) -> UploadCheck:
    """Check an upload against the store, for nobody in particular (tests, scripts): no
    authority rows; pages use `check_for`, and `commit_upload` checks authority again anyway."""
    return check_for(path, None, content, file_name, plan_id, progress)


def check_for(
    path: Path | str | None,
    user: User | None,
    content: bytes,
    file_name: str,
    plan_id: str,
    progress=None,
    basis_choices=None,
) -> UploadCheck:
    """Check an upload by `user` against the store (writes nothing); `progress(fraction, stage)`;
    `basis_choices` settles rows flagged as possible running totals (ingest.check_upload).

    Besides `ingest.check_upload`, each row of an indicator the user's unit is not responsible
    for is an error naming the unit and the indicator (see `writable_indicators`). Reads the
    newest snapshot: `commit_upload` finds out if the figures moved on since."""
    with db.read(path) as con:
        check = ingest.check_upload(
            con, content, file_name, plan_id, progress=progress, basis_choices=basis_choices
        )
        if check.checked.rows is not None:
            problems = authority_problems(con, plan_id, user, check.checked.rows)
            if problems:
                # A row this user may not write needs no plausibility warning as well.
                refused = {p.row for p in problems if p.row}
                kept = [
                    p
                    for p in check.checked.problems
                    if p.severity == "error" or p.row not in refused
                ]
                check.checked.problems = sorted(
                    kept + problems, key=lambda p: (p.row or 0, p.severity, p.code)
                )
    return check


# ------------------------------------------------------------------ who writes which figures


def indicator_units(con: Con, plan_id: str) -> dict[str, list[str]]:
    """Per indicator: the units of the task groups linked to it, as the plan names them."""
    tasks = queries.tasks(con, plan_id)
    group_units = {
        int(g): as_list(u) for g, u in zip(tasks["group_no"], tasks["units"], strict=True)
    }
    links = queries.indicator_tasks(con, plan_id)
    units: dict[str, list[str]] = {}
    for code, group_no in zip(links["indicator_code"], links["group_no"], strict=True):
        listed = units.setdefault(code, [])
        listed += [u for u in group_units.get(int(group_no), []) if u not in listed]
    return units


def writable_indicators(con: Con, plan_id: str, user: User | None) -> list[str]:
    """The indicators `user` may write figures for, in display order.

    Admins: all. Staff: those whose linked task groups list their unit (the collective county
    unit counts for every county-level unit). Viewers and visitors: none. Every entry path that
    writes figures for a person asks this (the command line's `etl load` is IT's and is not
    limited)."""
    codes = queries.indicators(con, plan_id)["indicator_code"].tolist()
    owners = indicator_units(con, plan_id)
    counties = county_units(con, plan_id)
    return [
        code
        for code in codes
        if permissions.can(user, "upload", unit=expand_units(owners.get(code, []), counties))
    ]


def read_writable_indicators(path: Path | str | None, plan_id: str, user: User | None) -> list:
    """`writable_indicators` on a short-lived connection."""
    with db.read(path) as con:
        return writable_indicators(con, plan_id, user)


def _bilingual_units(con: Con, plan_id: str, units: list[str]) -> dict[str, str]:
    """Unit names joined in each language (as a problem's or error's parameter)."""
    rows = queries.responsible_units(con, plan_id)
    english = dict(zip(rows["unit_zh"], rows["unit_en"], strict=True))
    return {
        "name_zh": i18n.join(units, "zh"),
        "name_en": i18n.join([english.get(u) or u for u in units], "en"),
    }


def authority_problems(
    con: Con, plan_id: str, user: User | None, rows: pd.DataFrame
) -> list[Problem]:
    """An error on each row (up to MAX_AUTHORITY_ROWS, then one for the rest) whose indicator
    the user's unit is not responsible for; none for admins."""
    if user is None or user.role == "admin" or rows.empty:
        return []
    known = rows[rows["indicator_code"].notna()]  # an unknown indicator has its own error
    outside = known[~known["indicator_code"].isin(writable_indicators(con, plan_id, user))]
    if outside.empty:
        return []
    unit = _bilingual_units(con, plan_id, [user.unit or ""])
    owners = indicator_units(con, plan_id)
    names = queries.indicators(con, plan_id).set_index("indicator_code")
    params = {
        code: {
            "unit": unit,
            "code": code,
            "indicator": names.loc[code, ["name_zh", "name_en"]].to_dict(),
            "owners": _bilingual_units(con, plan_id, owners.get(code, [])),
        }
        for code in outside["indicator_code"].unique()
    }
    listed = outside.head(MAX_AUTHORITY_ROWS)
    problems = [
        Problem(
            int(row),
            "indicator_code",
            code,
            "not_own_indicator",
            params[code],
            key="authority.not_own_indicator",
        )
        for row, code in zip(listed["source_row"], listed["indicator_code"], strict=True)
    ]
    if len(outside) > len(listed):
        more = {"unit": unit, "n": len(outside) - len(listed)}
        problems.append(
            Problem(None, "indicator_code", None, "not_own_more", more, key="authority.more_rows")
        )
    return problems


def _require_authority(con: Con, check: UploadCheck, user: User) -> None:
    """Refuse (PermissionDenied) a batch with any figure outside the user's unit's indicators."""
    rows = check.checked.rows
    if rows is None or rows.empty or user.role == "admin":
        return
    outside = rows[~rows["indicator_code"].isin(writable_indicators(con, check.plan_id, user))]
    if outside.empty:
        return
    raise PermissionDenied(
        "upload",
        "authority.commit_refused",
        unit=user.unit,
        n=len(outside),
        indicators=", ".join(outside["indicator_code"].unique()[:10]),
    )


def demo_mode(path: Path | str | None) -> bool:
    """True while the store is in demo mode: the embedded default database with demo figures in
    it. The shipped demo accounts sign in only then (kpi.web.signin passes this down)."""
    target = config.db_path(path)
    if not config.is_default_db(target):
        return False  # no need to open the store
    with db.read(target) as con:
        return demo.has_demo_figures(con)


def original_file(path: Path | str | None, batch_id: int) -> tuple[str, bytes] | None:
    """The bytes of a batch's uploaded file, and its name as uploaded (shown, never a path);
    None when the batch kept no file. Raises KpiError when the kept file is gone or its bytes
    no longer match the hash recorded when it was loaded."""
    with db.read(path) as con:
        kept = queries.uploaded_file(con, int(batch_id))
    if kept is None:
        return None
    name, content, sha256 = kept
    if content is not None:  # kept inside the store by an earlier release
        return name, content
    content = kept_files.read_checked(
        kept_files.folder(path, kept_files.UPLOADS),
        sha256,
        missing="upload.original_missing",
        damaged="upload.original_damaged",
        batch=batch_id,
        name=name,
    )
    return name, content


def read_task_history(path: Path | str | None, plan_id: str, group_no: int, subtask_no: int):
    """Every update of one sub-task, newest first, on a short-lived connection."""
    with db.read(path) as con:
        return queries.task_history(con, plan_id, int(group_no), int(subtask_no))

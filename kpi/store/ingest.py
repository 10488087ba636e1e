"""The one load path, used by `python -m etl load` and the upload page alike.

check_upload reads and checks a file against the store without writing; write_batch writes a
checked file as one batch (the caller owns the transaction); rollback undoes a batch by recording
a new one. Every function takes an open connection (kpi.store.db.connect).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.base import config, i18n, periods
from kpi.base.errors import InputRejected
from kpi.store import basis, kept_files, queries
from kpi.store.connection import transaction
from kpi.store.queries import Con
from kpi.store.reading import read_table
from kpi.store.validation import (
    CheckedFile,
    FastCells,
    Problem,
    Problems,
    Reference,
    check_table,
    fast_cells,
    fast_check,
)

Progress = Callable[[float, str], None]


# A file's sha256 is worked out on this thread while the file is checked, and the file is kept
# (written and synced) while its figures are written: hashlib, file writes and DuckDB let go of
# the GIL. 50 and 90 ms of a million-row load.
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-file")


@dataclass
class UploadCheck:
    """A checked file: its problems, its normalised rows and the diff against the store."""

    file_name: str
    content: bytes
    plan_id: str
    checked: CheckedFile
    diff: pd.DataFrame = field(default_factory=pd.DataFrame)  # empty unless full_diff
    change_counts: dict[str, int] = field(default_factory=dict)
    # The clerk's explicit basis for flagged rows: {source_row: (choice, reason)}, for the audit.
    basis_choices: dict[int, tuple[str, str]] = field(default_factory=dict)
    _hashing: Future = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._hashing = _BACKGROUND.submit(
            lambda content: hashlib.sha256(content).hexdigest(), self.content
        )

    @property
    def sha256(self) -> str:
        """The file's sha256 (hex), as recorded with its batch and naming its kept copy."""
        return self._hashing.result()

    @property
    def ok(self) -> bool:
        return not self.checked.errors

    def summary(self) -> dict:
        counts = self.change_counts
        return {
            "file": self.file_name,
            "rows_read": self.checked.rows_read,
            "errors": len(self.checked.errors),
            "warnings": len(self.checked.warnings),
            "rows_accepted": 0 if self.checked.errors else sum(counts.values()),
            "new": int(counts.get("new", 0)),
            "changed": int(counts.get("changed", 0)),
            "unchanged": int(counts.get("unchanged", 0)),
        }


def reference_for(con: Con, plan_id: str, today: date | None = None) -> Reference:
    """What uploads for `plan_id` are checked against."""
    try:
        plan = queries.plan(con, plan_id)
    except KeyError:
        known = ", ".join(queries.plans(con)["plan_id"]) or "—"
        raise InputRejected("error.unknown_plan", plan=plan_id, known=known) from None
    targets = queries.targets(con, plan_id)
    return Reference(
        plan_id=plan_id,
        indicators=queries.indicators(con, plan_id),
        sectors=queries.sectors(con, plan_id),
        districts=queries.districts(con, plan_id),
        conversions=queries.unit_conversions(con),
        latest_allowed_period=periods.current_period(today),
        first_period=plan["base_period"],
        last_period=plan["end_period"],
        # Every target row counts, city-wide or per sector, in force (after admin edits).
        largest_targets=targets.groupby("indicator_code")["value"].max().to_dict(),
        windows=queries.indicator_windows(con),
        targets=targets,
    )


@dataclass(frozen=True)
class ReadFile:
    """An upload as read_upload read it: its table of strings (None when unreadable, with the
    problems why) and, when asked for, validation.fast_cells of the table."""

    table: pd.DataFrame | None
    problems: list[Problem]
    fast_cells: FastCells | None = None


def read_upload(content: bytes, file_name: str, *, fast: bool = False) -> ReadFile:
    """An upload's table (within the size limit); with `fast` also what fast_check reads of it."""
    table, problems = read_table(content, file_name, max_bytes=config.MAX_UPLOAD_MB * 2**20)
    return ReadFile(table, problems, fast_cells(table) if fast and table is not None else None)


def check_upload(
    con: Con,
    content: bytes,
    file_name: str,
    plan_id: str,
    *,
    today: date | None = None,
    progress: Progress | None = None,
    full_diff: bool = True,
    basis_choices: Mapping[int, tuple[str, str]] | None = None,
    suspect_check: bool = True,
    fast: bool = False,
    read: ReadFile | None = None,
    ref: Reference | None = None,
) -> UploadCheck:
    """Read and check one file against the reference and the figures in force; writes nothing.

    With full_diff the row-by-row comparison with the stored figures is kept for a preview;
    otherwise only the counts of new, changed and unchanged rows are. Each row's 本期数 or 累计数
    becomes the figure as stored (kpi.store.basis); `basis_choices` settles rows flagged as
    possible running totals, `suspect_check=False` skips that flag (generated demo figures).

    With `fast` (`etl load`), a file of plain codes and values that nothing is wrong with is
    checked on its distinct cells and its running totals in numpy (_fast_rows); its rows then
    carry the stored value and entered basis only, not the 本期数/累计数 terms the upload page's
    preview shows. Any other file is checked as without it, so the problems reported are the
    same.

    `read` is the file as read_upload read it already, `ref` the plan's reference_for at
    `today`: `etl load` reads a file while it opens the store and reads the reference, and checks
    every file of a load against one reference.
    """
    report = progress or (lambda fraction, label: None)
    checked = CheckedFile(file_name=file_name)
    result = UploadCheck(file_name, content, plan_id, checked)
    fast = fast and suspect_check and not basis_choices
    report(0.05, "read")
    read = read or read_upload(content, file_name, fast=fast)
    checked.problems.extend(read.problems)
    table = read.table
    if table is None:
        return result
    checked.rows_read = len(table)
    report(0.3, "check")
    ref = ref or reference_for(con, plan_id, today)
    found = _fast_rows(con, table, ref, read.fast_cells) if fast else None
    if found is not None:
        rows, suspect = found
        report(0.6, "compare")
        compared = _compare(con, rows, plan_id, full_diff)
        if suspect():  # basis could take some quarter amount for a running total: check it fully
            found = None
    if found is None:
        rows, problems = check_table(table, ref)
        checked.problems.extend(problems)
        checked.rows = rows  # kept with errors too: further checks (who may write them) add theirs
        if rows is None or checked.errors:
            return result
        result.basis_choices = {int(k): v for k, v in (basis_choices or {}).items()}
        rows, problems = _resolve_basis(con, rows, ref, result.basis_choices, suspect_check)
        checked.problems.extend(problems)
        checked.rows = rows
        if checked.errors:
            checked.problems.sort(key=lambda p: (p.row or 0, p.severity, p.code))
            return result
        report(0.6, "compare")
        compared = _compare(con, rows, plan_id, full_diff)
    checked.rows = rows
    result.change_counts, result.diff, warnings = compared
    checked.problems.extend(_warning_problems(warnings))
    checked.problems.sort(key=lambda p: (p.row or 0, p.severity, p.code))
    report(0.8, "checked")
    return result


def _compare(
    con: Con, rows: pd.DataFrame, plan_id: str, full_diff: bool
) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame]:
    """The checked rows against the store: counts of new, changed and unchanged rows, the
    row-by-row diff (empty unless full_diff) and the plausibility warnings."""
    with queries.staged(con, rows):
        counts = queries.staged_change_counts(con)
        diff = queries.staged_diff(con) if full_diff else pd.DataFrame()
        warnings = queries.staged_warnings(
            con,
            plan_id,
            target_multiple=config.TARGET_MULTIPLE_WARNING,
            change_ratio=config.CHANGE_RATIO_WARNING,
        )
    return counts, diff, warnings


def _resolve_basis(
    con: Con,
    rows: pd.DataFrame,
    ref: Reference,
    choices: Mapping[int, tuple[str, str]],
    suspect_check: bool,
) -> tuple[pd.DataFrame, list[Problem]]:
    """basis.resolve against the history of the file's keys (read only when a row needs it)."""
    semantics = rows["indicator_code"].map(ref.indicators.set_index("indicator_code")["semantics"])
    needs_history = (
        rows["quarter_value"].notna().any()
        or rows["cumulative_value"].notna().any()
        or (suspect_check and (semantics != "level").any())
        or bool(choices)
    )
    if not needs_history:
        return rows.assign(
            entered_basis="declared",
            quarter_value=np.nan,
            cumulative_value=np.nan,
            cumulative_before=np.nan,
        ), []
    with queries.staged(con, rows):
        history = queries.staged_key_history(con)
    return basis.resolve(
        rows,
        ref.indicators,
        history,
        base_period=ref.first_period,
        targets=_default_targets(con, ref),
        choices=choices,
        suspect_check=suspect_check,
    )


def _default_targets(con: Con, ref: Reference) -> dict[tuple[str, str | None], float]:
    """The target per (indicator, sector or None) the running-total check compares with: the
    default one where there is one."""
    targets = ref.targets if ref.targets is not None else queries.targets(con, ref.plan_id)
    defaults = targets.sort_values("is_default", ascending=False).drop_duplicates(
        ["indicator_code", "sector_code"]
    )
    return {
        (code, None if pd.isna(sector) else sector): float(value)
        for code, sector, value in zip(
            defaults["indicator_code"], defaults["sector_code"], defaults["value"], strict=True
        )
    }


# Running totals summed in numpy may differ from basis's pandas sums in the last bits; a row
# this close to a threshold of the running-total check goes through the full check.
FAST_MARGIN = 1e-9


def _fast_rows(
    con: Con, table: pd.DataFrame, ref: Reference, cells: FastCells | None
) -> tuple[pd.DataFrame, Callable[[], bool]] | None:
    """The rows check_table and _resolve_basis would give a file they find nothing wrong with
    (validation.fast_check), with whether basis could take a quarter amount in them for a running
    total; None when fast_check does not take the file. The caller runs the full check then, and
    when that answer is True. The rows keep the value and entered basis only.

    The running totals are summed on the background thread (numpy lets go of the GIL) while the
    caller compares the rows with the store: 100 ms of a million-row load.
    """
    checked = fast_check(table, ref, cells)
    if checked is None:
        return None
    rows, encoded = checked
    rows = rows.drop(columns=["quarter_value", "cumulative_value"]).assign(entered_basis="declared")
    semantics = dict(
        zip(ref.indicators["indicator_code"], ref.indicators["semantics"], strict=True)
    )
    if all(semantics[code] == "level" for code in encoded["indicator_code"][1]):
        return rows, lambda: False  # no quarter amounts: basis leaves the values as they are
    with queries.staged(con, rows):
        history = queries.staged_key_history(con)
    suspect = _BACKGROUND.submit(
        basis.could_flag_running_totals,
        rows,
        history,
        semantics,
        base_period=ref.first_period,
        targets=_default_targets(con, ref),
        margin=FAST_MARGIN,
        encoded=encoded,
    )
    return rows, suspect.result


def _warning_problems(warnings: pd.DataFrame) -> list[Problem]:
    """Plausibility warnings (level_decrease, above_target, big_change) as problems, the first
    MAX_LISTED_PROBLEMS listed and the rest counted."""
    problems = Problems()
    columns = ("source_row", "code", "value", "reference", "reference_period")
    listed = warnings.iloc[problems.first(np.arange(len(warnings)), "warning")]
    for row, code, value, reference, reference_period in zip(
        *(listed[c].tolist() for c in columns), strict=True
    ):
        params = {
            "value": value,
            "reference": reference,
            "reference_period": reference_period or "",
        }
        problems.append(Problem(int(row), "value", f"{value:g}", code, params, severity="warning"))
    return problems.finished()


def write_batch(
    con: Con,
    check: UploadCheck,
    *,
    user_name: str,
    role: str,
    is_demo: bool = False,
    keep_file_in: Path | None = None,
    review_state: str = "approved",
    unit_zh: str | None = None,
    entry: str | None = None,
    resubmits: int | None = None,
) -> int:
    """The statements of one batch; the caller owns the transaction.

    An approved batch is applied to `figures` at once; a 'pending' one (a staff submission)
    only keeps its rows in `submitted_figures` until kpi.store.review approves it. The file as
    received is kept in the folder `keep_file_in` (kpi.store.kept_files) unless that is None:
    on disk when this returns, before the caller commits the row that names it.
    """
    with _kept_meanwhile(keep_file_in, check):
        rows = check.checked.rows
        batch_id = queries.insert_batch(
            con,
            plan_id=check.plan_id,
            kind="demo" if is_demo else "load",
            file_name=check.file_name,
            file_sha256=check.sha256,
            user_name=user_name,
            row_count=len(rows),
            is_demo=is_demo,
        )
        if keep_file_in is not None:
            queries.store_file(con, batch_id, check.file_name, check.sha256, len(check.content))
        if review_state != "approved" or unit_zh or entry or resubmits is not None:
            queries.set_batch_review(
                con, batch_id, state=review_state, unit_zh=unit_zh, entry=entry, resubmits=resubmits
            )
        # The basis chosen for rows that looked like cumulatives (本期数 / 累计数), with reasons.
        chosen = _basis_choices(check)
        choices = {"basis_choices": chosen} if chosen else {}
        how = {"entry": entry, "unit_zh": unit_zh, "resubmits": resubmits}
        how = {k: v for k, v in how.items() if v is not None}
        if review_state == "pending":
            queries.insert_submitted(con, batch_id, submitted_frame(rows))
            queries.write_audit(
                con,
                user_name=user_name,
                role=role,
                action="submit",
                plan_id=check.plan_id,
                batch_id=batch_id,
                object_id=check.file_name,
                after={**check.summary(), "review_state": review_state, **how, **choices},
            )
            return batch_id
        with queries.staged(con, rows):
            written = queries.apply_staged(con, check.plan_id, batch_id, is_demo=is_demo)
        before, after = audit_figures(con, batch_id, superseded=True), audit_figures(con, batch_id)
        queries.write_audit(
            con,
            user_name=user_name,
            role=role,
            action="load",
            plan_id=check.plan_id,
            batch_id=batch_id,
            object_id=check.file_name,
            before={"figures_superseded": before["count"], **listed_figures(before)},
            after={
                **check.summary(),
                **how,
                **choices,
                "figures_written": written,
                **listed_figures(after),
            },
        )
        return batch_id


@contextmanager
def _kept_meanwhile(folder: Path | None, check: UploadCheck) -> Iterator[None]:
    """Keep `check`'s file in `folder` (none: not kept) on the worker thread while the block
    runs; it is on disk when the block ends, and a file that could not be kept fails it."""
    if folder is None:
        yield
        return
    keeping = _BACKGROUND.submit(kept_files.keep, folder, check.content, check.sha256)
    try:
        yield
    except BaseException:
        wait([keeping])  # nothing is left writing when the caller rolls back
        raise
    keeping.result()


SUBMITTED_COLUMNS = ["source_row", "indicator_code", "period", "sector_code", "district_code"]


def submitted_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """A checked file's rows as submitted_figures keeps them: key, stored value and the basis
    the number was entered in ('declared' when the file had only the value column)."""
    frame = rows[[*SUBMITTED_COLUMNS, "value"]].copy()
    frame["entered_basis"] = rows.get("entered_basis", "declared")
    frame["entered_basis"] = frame["entered_basis"].fillna("declared")
    return frame


def _basis_choices(check: UploadCheck) -> dict[str, dict[str, str]]:
    """{source row: {basis, reason}} of the check's basis choices (none before that check)."""
    chosen = getattr(check, "basis_choices", None) or {}
    return {
        str(row): {"choice": choice, "reason": reason}
        for row, (choice, reason) in sorted(chosen.items())
    }


# The audit entry of a load or rollback lists at most this many figures on each side; the counts
# are always complete and `figures_truncated` says when the list was cut.
AUDIT_FIGURES_LIMIT = 200


def audit_figures(con: Con, batch_id: int, *, superseded: bool = False) -> dict:
    """The figures a batch wrote (or superseded): count, the first AUDIT_FIGURES_LIMIT, cut?"""
    count, figures = queries.audit_figures(
        con, batch_id, superseded=superseded, limit=AUDIT_FIGURES_LIMIT
    )
    return {"count": count, "figures": figures, "figures_truncated": count > len(figures)}


def listed_figures(audited: dict) -> dict:
    """An audit_figures result without its count: the list and whether it was cut."""
    return {k: v for k, v in audited.items() if k != "count"}


def default_plan_id(con: Con, wanted: str | None = None) -> str:
    """`wanted` (a --plan flag), else $KPI_PLAN, else the newest active plan (queries.plans); a
    plan that is not loaded is refused, naming the loaded ones."""
    wanted = wanted or config.plan_setting()
    known = queries.plans(con)["plan_id"].tolist()
    if wanted:
        if wanted not in known:
            listed = ", ".join(known) or "—"
            raise InputRejected("error.unknown_plan", plan=wanted, known=listed)
        return wanted
    if not known:
        raise InputRejected("sidebar.no_plan")
    return known[0]


@dataclass(frozen=True)
class RollbackResult:
    batch_id: int
    rollback_batch_id: int
    restored: int
    retired: int


def rollback(con: Con, batch_id: int, *, user_name: str, role: str = "admin") -> RollbackResult:
    """Undo a batch: its figures in force are superseded by the values they had replaced."""
    undone = queries.batch(con, batch_id)
    if undone is None:
        raise InputRejected("intake.no_batch", batch=batch_id)
    if not pd.isna(undone["rolled_back_by"]):
        by = int(undone["rolled_back_by"])
        raise InputRejected("intake.already_rolled_back", batch=batch_id, by=by)
    if undone["review_state"] not in (None, "approved"):
        state = {
            lang: i18n.t(f"review.state.{undone['review_state']}", lang) for lang in i18n.LANGS
        }
        raise InputRejected("intake.not_approved", batch=batch_id, state=state)
    with transaction(con):
        rollback_id = queries.insert_batch(
            con,
            plan_id=undone["plan_id"],
            kind="rollback",
            file_name=None,
            file_sha256=None,
            user_name=user_name,
            row_count=0,
            is_demo=False,
            rolls_back=batch_id,
        )
        restored, retired = queries.undo_batch(con, batch_id, rollback_id)
        # Before: the undone batch's figures that were in force; after: the values restored
        # (keys the batch had added are simply no longer in force).
        before = audit_figures(con, rollback_id, superseded=True)
        after = audit_figures(con, rollback_id)
        queries.write_audit(
            con,
            user_name=user_name,
            role=role,
            action="rollback",
            plan_id=undone["plan_id"],
            batch_id=rollback_id,
            object_id=str(batch_id),
            before={"batch_id": batch_id, "figures_in_force": retired, **listed_figures(before)},
            after={"restored": restored, "retired": retired, **listed_figures(after)},
        )
    return RollbackResult(batch_id, rollback_id, restored, retired)

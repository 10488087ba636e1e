"""`etl load`: check several files, and write them all in one transaction when all pass."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kpi.base import config
from kpi.store import kept_files
from kpi.store.connection import transaction
from kpi.store.db import connect
from kpi.store.ingest import (
    ReadFile,
    UploadCheck,
    check_upload,
    default_plan_id,
    read_upload,
    reference_for,
    write_batch,
)
from kpi.store.reading import size_problem

# Clean files of plain codes and values take check_upload's fast path (kpi.store.ingest);
# tests turn it off to compare what is stored with the full check.
FAST_CHECK = True
CHECKPOINT_THRESHOLD = "1KB"
# {source row: ("quarter" | "cumulative", reason)}: the basis of rows that look like cumulatives.
BasisChoices = dict[int, tuple[str, str]]
# The first file is read (and its cells encoded for the fast check) on this thread while the
# store opens and the plan's reference is read: DuckDB and Arrow let go of the GIL.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-read")


@dataclass
class LoadResult:
    """What `etl load` did: per-file checks and the batches written (empty on a dry run)."""

    checks: list[UploadCheck]
    batch_ids: list[int]
    dry_run: bool
    strict: bool
    submitted: bool = False  # written as pending submissions (`etl load --submit`)

    @property
    def ok(self) -> bool:
        """No errors, and with `strict` no warnings; notices (unfilled template rows skipped)
        never block."""
        blocked = any(c.checked.errors for c in self.checks)
        return not blocked and not (self.strict and any(c.checked.warnings for c in self.checks))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "submitted": self.submitted,
            "batch_ids": self.batch_ids,
            "files": [
                {
                    **c.summary(),
                    "notices": len(c.checked.notices),
                    "problems": [p.as_dict() for p in c.checked.problems],
                }
                for c in self.checks
            ],
        }


def load_files(
    paths: list[Path],
    *,
    db: Path | None,
    plan_id: str | None,
    user_name: str,
    dry_run: bool = False,
    strict: bool = False,
    today: date | None = None,
    submit: bool = False,
    basis_choices: BasisChoices | None = None,
) -> LoadResult:
    """Check every file; when all pass, write them all in one transaction (one batch each).

    IT's loads are in force at once; with `submit` they wait for review like a staff
    submission (kpi.store.review). `basis_choices` ({source row: (basis, reason)}) answer the
    check's 本期数 / 累计数 questions, for every file given."""
    paths = [Path(p) for p in paths]
    first_read = _READER.submit(_read_file, paths[0]) if paths else None
    with connect(db) as con:
        plan_id = plan_id or default_plan_id(con)
        ref = reference_for(con, plan_id, today)
        checks = []
        for i, path in enumerate(paths):
            content, read = first_read.result() if i == 0 else _read_file(path)
            check = check_upload(
                con,
                content,
                path.name,
                plan_id,
                full_diff=False,
                basis_choices=basis_choices,
                fast=FAST_CHECK,
                read=read,
                ref=ref,
            )
            checks.append(check)
        result = LoadResult(checks, [], dry_run, strict, submit)
        if result.ok and not dry_run:
            # A commit past the threshold checkpoints at once instead of writing the figures to
            # the log first and again at the checkpoint publishing needs (db.connect).
            con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            uploads = kept_files.folder(db, kept_files.UPLOADS)
            try:
                # One transaction for all files: any failure leaves the store as it was.
                with transaction(con):
                    for check in checks:
                        batch_id = write_batch(
                            con,
                            check,
                            user_name=user_name,
                            role="cli",
                            review_state="pending" if submit else "approved",
                            entry="cli",
                            keep_file_in=uploads,
                        )
                        result.batch_ids.append(batch_id)
            finally:
                con.execute("reset checkpoint_threshold")
    return result


def _read_file(path: Path) -> tuple[bytes, ReadFile]:
    """A file's content and table; a file over the size limit is refused unread."""
    max_bytes = config.MAX_UPLOAD_MB * 2**20
    too_large = size_problem(path.stat().st_size, max_bytes)
    if too_large:
        return b"", ReadFile(None, [too_large])
    with open(path, "rb") as f:
        content = f.read(max_bytes + 1)  # a file growing meanwhile is still refused by its size
    return content, read_upload(content, path.name, fast=FAST_CHECK)

"""`etl load`: check several files, and write them all in one transaction when all pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kpi.store.connection import transaction
from kpi.store.db import connect
from kpi.store.ingest import UploadCheck, check_upload, default_plan_id, write_batch


@dataclass
class LoadResult:
    """What `etl load` did: per-file checks and the batches written (empty on a dry run)."""

    checks: list[UploadCheck]
    batch_ids: list[int]
    dry_run: bool
    strict: bool

    @property
    def ok(self) -> bool:
        blocked = any(c.checked.errors for c in self.checks)
        return not blocked and not (self.strict and any(c.checked.warnings for c in self.checks))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "batch_ids": self.batch_ids,
            "files": [
                {**c.summary(), "problems": [p.as_dict() for p in c.checked.problems]}
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
) -> LoadResult:
    """Check every file; when all pass, write them all in one transaction (one batch each)."""
    with connect(db) as con:
        plan_id = plan_id or default_plan_id(con)
        checks = [
            check_upload(
                con, Path(p).read_bytes(), Path(p).name, plan_id, today=today, full_diff=False
            )
            for p in paths
        ]
        result = LoadResult(checks, [], dry_run, strict)
        if result.ok and not dry_run:
            # One transaction for all files: any failure leaves the store as it was.
            with transaction(con):
                for check in checks:
                    batch_id = write_batch(con, check, user_name=user_name, role="cli")
                    result.batch_ids.append(batch_id)
    return result

"""The one load path, used by `python -m etl load` and the upload page alike.

check_upload reads and checks a file against the store without writing; commit_checked writes a
checked file as one batch in one transaction; rollback undoes a batch by recording a new one.
"""

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from kpi import config, periods, queries
from kpi.db import connect, transaction
from kpi.queries import Con
from kpi.validation import CheckedFile, Problem, Reference, check_table, read_table

WARNING_TEXT = {
    "level_decrease": (
        "累计型指标低于上一季度（{reference_period}：{reference:g}，本次：{value:g}）",
        "Cumulative indicator falls below the previous quarter ({reference_period}: {reference:g})",
    ),
    "above_target": (
        "数值 {value:g} 超过 2025 年目标 {reference:g} 的 3 倍，请核实单位",
        "Value {value:g} is more than 3x the 2025 target {reference:g}; check the unit",
    ),
    "big_change": (
        "与已存数值 {reference:g} 相差超过 50%（本次：{value:g}），请核实",
        "Differs from the stored value {reference:g} by more than 50%",
    ),
}

Progress = Callable[[float, str], None]


@dataclass
class UploadCheck:
    """A checked file: its problems, its normalised rows and the diff against the store."""

    file_name: str
    content: bytes
    plan_id: str
    checked: CheckedFile
    diff: pd.DataFrame = field(default_factory=pd.DataFrame)  # empty unless full_diff
    change_counts: dict[str, int] = field(default_factory=dict)

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
    return Reference(
        plan_id=plan_id,
        indicators=queries.indicators(con, plan_id),
        sectors=queries.sectors(con, plan_id),
        districts=queries.districts(con, plan_id),
        conversions=queries.unit_conversions(con),
        latest_allowed_period=periods.current_period(today),
    )


def check_upload(
    con: Con,
    content: bytes,
    file_name: str,
    plan_id: str,
    *,
    today: date | None = None,
    progress: Progress | None = None,
    full_diff: bool = True,
) -> UploadCheck:
    """Read and check one file against the reference and the figures in force; writes nothing.

    With full_diff the row-by-row comparison with the stored figures is kept for a preview;
    otherwise only the counts of new, changed and unchanged rows are.
    """
    report = progress or (lambda fraction, label: None)
    checked = CheckedFile(file_name=file_name)
    result = UploadCheck(file_name, content, plan_id, checked)
    report(0.05, "read")
    table, problems = read_table(content, file_name, max_bytes=config.MAX_UPLOAD_MB * 2**20)
    checked.problems.extend(problems)
    if table is None:
        return result
    checked.rows_read = len(table)
    report(0.3, "check")
    rows, problems = check_table(table, reference_for(con, plan_id, today))
    checked.problems.extend(problems)
    if rows is None or checked.errors:
        return result
    checked.rows = rows
    report(0.6, "compare")
    con.register("staged", rows)
    try:
        result.change_counts = queries.staged_change_counts(con, plan_id)
        if full_diff:
            result.diff = queries.staged_diff(con, plan_id)
        warnings = queries.staged_warnings(
            con,
            plan_id,
            target_multiple=config.TARGET_MULTIPLE_WARNING,
            change_ratio=config.CHANGE_RATIO_WARNING,
        )
    finally:
        con.unregister("staged")
    checked.problems.extend(_warning_problems(warnings))
    checked.problems.sort(key=lambda p: (p.row or 0, p.severity, p.code))
    report(0.8, "checked")
    return result


def _warning_problems(warnings: pd.DataFrame) -> list[Problem]:
    problems = []
    columns = ("source_row", "code", "value", "reference", "reference_period")
    for row, code, value, reference, reference_period in zip(
        *(warnings[c].tolist() for c in columns), strict=True
    ):
        zh, en = WARNING_TEXT[code]
        values = {
            "value": value,
            "reference": reference,
            "reference_period": reference_period or "",
        }
        problems.append(
            Problem(
                int(row),
                "数值",
                f"{value:g}",
                code,
                zh.format(**values),
                en.format(**values),
                "warning",
            )
        )
    return problems


def commit_checked(
    con: Con,
    check: UploadCheck,
    *,
    user_name: str,
    role: str = "staff",
    strict: bool = False,
    is_demo: bool = False,
    keep_file: bool = True,
) -> int:
    """Write a checked file as one batch in one transaction; returns the batch id."""
    if check.checked.errors:
        raise ValueError("file has errors; nothing written")
    if strict and check.checked.warnings:
        raise ValueError("strict mode: file has warnings; nothing written")
    with transaction(con):
        return write_batch(
            con, check, user_name=user_name, role=role, is_demo=is_demo, keep_file=keep_file
        )


def write_batch(
    con: Con,
    check: UploadCheck,
    *,
    user_name: str,
    role: str,
    is_demo: bool = False,
    keep_file: bool = True,
) -> int:
    """The statements of one batch; the caller owns the transaction."""
    rows = check.checked.rows
    batch_id = queries.insert_batch(
        con,
        plan_id=check.plan_id,
        kind="demo" if is_demo else "load",
        file_name=check.file_name,
        file_sha256=hashlib.sha256(check.content).hexdigest(),
        user_name=user_name,
        row_count=len(rows),
        is_demo=is_demo,
    )
    if keep_file:
        queries.store_file(con, batch_id, check.file_name, check.content)
    con.register("staged", rows)
    try:
        written = queries.apply_staged(con, check.plan_id, batch_id, is_demo=is_demo)
    finally:
        con.unregister("staged")
    before, after = audit_figures(con, batch_id, superseded=True), audit_figures(con, batch_id)
    queries.write_audit(
        con,
        user_name=user_name,
        role=role,
        action="load",
        plan_id=check.plan_id,
        batch_id=batch_id,
        object_id=check.file_name,
        before={"figures_superseded": before["count"], **_drop_count(before)},
        after={**check.summary(), "figures_written": written, **_drop_count(after)},
    )
    return batch_id


# The audit entry of a load or rollback lists at most this many figures on each side; the counts
# are always complete and `figures_truncated` says when the list was cut.
AUDIT_FIGURES_LIMIT = 200


def audit_figures(con: Con, batch_id: int, *, superseded: bool = False) -> dict:
    """The figures a batch wrote (or superseded): count, the first AUDIT_FIGURES_LIMIT, cut?"""
    count, figures = queries.audit_figures(
        con, batch_id, superseded=superseded, limit=AUDIT_FIGURES_LIMIT
    )
    return {"count": count, "figures": figures, "figures_truncated": count > len(figures)}


def _drop_count(listed: dict) -> dict:
    return {k: v for k, v in listed.items() if k != "count"}


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


def default_plan_id(con: Con) -> str:
    """$KPI_PLAN, else the most recently issued plan."""
    wanted = os.environ.get("KPI_PLAN")
    known = queries.plans(con)["plan_id"].tolist()
    if wanted:
        if wanted not in known:
            raise KeyError(f"unknown plan {wanted}; loaded: {', '.join(known)}")
        return wanted
    if not known:
        raise KeyError("no plan loaded; run `python -m etl init`")
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
        raise KeyError(f"批次 {batch_id} 不存在 / no batch {batch_id}")
    if not pd.isna(undone["rolled_back_by"]):
        raise ValueError(
            f"批次 {batch_id} 已被批次 {int(undone['rolled_back_by'])} 撤销 / already rolled back"
        )
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
            before={"batch_id": batch_id, "figures_in_force": retired, **_drop_count(before)},
            after={"restored": restored, "retired": retired, **_drop_count(after)},
        )
    return RollbackResult(batch_id, rollback_id, restored, retired)


TEMPLATE_COLUMNS = ["指标代码", "指标名称", "期间", "行业", "区县", "数值", "单位", "备注"]


def upload_template(con: Con, plan_id: str, fmt: str, *, today: date | None = None) -> bytes:
    """The upload template: one row per indicator for the last complete quarter, value blank."""
    from kpi import exports

    period = periods.add_quarters(periods.current_period(today), -1)
    indicators = queries.indicators(con, plan_id)
    rows = pd.DataFrame(
        {
            "指标代码": indicators["indicator_code"],
            "指标名称": indicators["name_zh"],
            "期间": period,
            "行业": "",
            "区县": "",
            "数值": "",
            "单位": indicators["display_unit"],
            "备注": "",
        }
    )
    if fmt == "csv":
        return exports.to_csv_bytes(rows)
    return exports.to_xlsx_bytes({"上报数据": rows, "填写说明": template_help(con, plan_id)})


def template_help(con: Con, plan_id: str) -> pd.DataFrame:
    """The instructions sheet: an example row, accepted periods, sectors, districts and units."""
    sectors = queries.sectors(con, plan_id)
    districts = queries.districts(con, plan_id)
    lines = [
        ("示例 example", "base_stations_5g, 5G 基站, 2025Q3, , 赤坎区, 1.75, 万座"),
        ("期间 period", "2024Q3、2024-Q3、2024年第三季度、2024年3季度"),
        ("数值 value", "可写千分位、全角数字、万/亿、单位后缀，如 1,234 / 1.8万 / 3亿元；不能为负"),
        ("行业 sector", "留空为全市；可填：" + "、".join(sectors["name_zh"])),
        ("区县 district", "留空为全市；可填：" + "、".join(districts["name_zh"])),
        ("累计型 level", "填季度末累计数；新增型填本季度新增数；年度流量型填本季度发生额"),
        ("未填数值", "数值为空的行会被跳过（给出提示），不会写入"),
    ]
    return pd.DataFrame(lines, columns=["项目", "说明"])

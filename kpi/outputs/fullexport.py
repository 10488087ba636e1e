"""The full data export: reference rows, every figure version, tasks with every status update,
load batches and the audit log, as one XLSX workbook or as CSV files in a ZIP.

Columns keep their database names (a machine-readable backup); captions above each XLSX sheet say
what it holds. Independent of the as-of quarter.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kpi.base import i18n
from kpi.outputs import exports
from kpi.store import queries
from kpi.store.db import read
from kpi.store.queries import Con

# Sheet / file names in workbook order.
SHEETS = (
    "indicators",
    "targets",
    "milestones",
    "figures",
    "batches",
    "tasks",
    "task_updates",
    "audit",
)


def _units_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The tasks' `units` lists as one text cell ('、'-separated), like `etl export tasks`."""
    out = frame.copy()
    out["units"] = [
        "、".join(str(u) for u in units) if units is not None else "" for units in out["units"]
    ]
    return out


def export_frames(con: Con, plan_id: str, *, with_audit: bool = True) -> dict[str, pd.DataFrame]:
    """Every stored row of a plan, one frame per sheet (SHEETS order; 'audit' only if asked)."""
    audit = queries.audit_log(con)
    frames = {
        "indicators": queries.indicators(con, plan_id),
        "targets": queries.targets(con, plan_id),
        "milestones": queries.milestones(con, plan_id),
        # Current and superseded versions: the complete history of every figure.
        "figures": queries.figure_versions(con, plan_id),
        "batches": queries.batches(con, plan_id),
        "tasks": _units_text(queries.tasks(con, plan_id)),
        "task_updates": queries.task_update_history(con, plan_id),
        # Entries of this plan and plan-less ones (e.g. removing the demo data).
        "audit": audit[audit["plan_id"].isna() | (audit["plan_id"] == plan_id)],
    }
    if not with_audit:
        del frames["audit"]
    return {name: frame.reset_index(drop=True) for name, frame in frames.items()}


def _has_demo(frame: pd.DataFrame) -> bool:
    return "is_demo" in frame.columns and bool(frame["is_demo"].fillna(False).astype(bool).any())


def captions(
    frames: dict[str, pd.DataFrame], plan: dict, lang: str, at: dt.datetime
) -> dict[str, list[str]]:
    """Caption rows per sheet: what it holds, plan and export time, demo notice when it has any."""
    stamp = i18n.t("export.exported", lang, at=at.strftime("%Y-%m-%d %H:%M"))
    out = {}
    for name, frame in frames.items():
        rows = [i18n.t(f"export.sheet.{name}", lang), f"{i18n.name(plan, lang)} · {stamp}"]
        if _has_demo(frame):
            rows.append(i18n.t("export.demo", lang))
        out[name] = rows
    return out


def to_xlsx(
    frames: dict[str, pd.DataFrame], plan: dict, lang: str = "zh", at: dt.datetime | None = None
) -> bytes:
    """One workbook, one sheet per frame, captions above each."""
    at = at or dt.datetime.now()
    return exports.to_xlsx_bytes(frames, title_rows=captions(frames, plan, lang, at))


def to_zip(frames: dict[str, pd.DataFrame]) -> bytes:
    """One CSV (UTF-8 with BOM, formula-safe) per frame, `<name>.csv`, in a ZIP."""
    return exports.to_zip_bytes(
        {f"{name}.csv": exports.to_csv_bytes(frame) for name, frame in frames.items()}
    )


def export_file(
    db: str | Path | None,
    plan_id: str,
    fmt: str,
    lang: str = "zh",
    *,
    with_audit: bool = True,
) -> bytes:
    """The full export of a plan as 'xlsx' or 'zip' bytes, read from the newest snapshot."""
    if fmt not in ("xlsx", "zip"):
        raise ValueError(f"format must be xlsx or zip, not {fmt!r}")
    with read(db) as con:
        frames = export_frames(con, plan_id, with_audit=with_audit)
        plan = queries.plan(con, plan_id)
    return to_xlsx(frames, plan, lang) if fmt == "xlsx" else to_zip(frames)

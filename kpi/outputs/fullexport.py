"""The full data export: reference rows, every figure version, tasks with every status update,
load batches, the audit log and the evidence index, as one XLSX workbook or as CSV files in a ZIP
(which also holds the evidence files, under evidence/).

Captions above each XLSX sheet say what it holds. Column headers are in the export's language
(`headers="names"`), with a fields sheet (ZIP: fields.csv) mapping each header to its database
name; `headers="codes"` keeps the database names, for programs. XLSX values are exact; the CSVs
are formula-safe for a spreadsheet unless `raw`. Independent of the as-of quarter.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from kpi.base import files, i18n
from kpi.outputs import exports
from kpi.store import evidence, queries
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
    "attachments",  # the evidence index; the files themselves only in the ZIP
)
EVIDENCE_FOLDER = "evidence"
HEADERS = ("names", "codes")

# Column code -> catalog key of its header, where a page's column name says the same thing;
# every other code's header is `export.col.<code>`.
_PAGE_HEADERS = {
    "batch_id": "col.batch",
    "comparator": "col.comparator",
    "district": "col.district",
    "doc_no": "col.doc_no",
    "evidence": "col.evidence",
    "file_name": "col.file",
    "is_current": "col.current",
    "is_default": "col.default",
    "is_demo": "col.demo",
    "kind": "col.kind",
    "loaded_at": "col.loaded_at",
    "note": "col.note",
    "period": "col.period",
    "sector": "col.sector",
    "semantics": "col.semantics",
    "source_ref": "col.clause",
    "status": "col.status",
    "superseded_by": "col.superseded_by",
    "task": "col.task",
    "units": "col.units",
    "value": "col.value",
}
_FIELD_COLUMNS = ("sheet", "column_zh", "code", "column_en")


def _units_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The tasks' `units` lists as one text cell ('、'-separated), like `etl export tasks`."""
    out = frame.copy()
    out["units"] = [
        "、".join(str(u) for u in units) if units is not None else "" for units in out["units"]
    ]
    return out


def column_header(code: str, lang: str) -> str:
    """The header of database column `code` in `lang`."""
    return i18n.t(_PAGE_HEADERS.get(code, f"export.col.{code}"), lang)


def with_headers(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with its columns named in `lang` (same order, same values)."""
    return frame.set_axis([column_header(c, lang) for c in frame.columns], axis=1)


def fields_frame(frames: dict[str, pd.DataFrame], lang: str) -> pd.DataFrame:
    """The fields sheet: per sheet and column its Chinese header, code and English header."""
    rows = [
        (name, column_header(code, "zh"), code, column_header(code, "en"))
        for name, frame in frames.items()
        for code in frame.columns
    ]
    headers = [i18n.t(f"export.fields.{c}", lang) for c in _FIELD_COLUMNS]
    return pd.DataFrame(rows, columns=headers)


def export_name(attachment_id: int, file_name: str) -> str:
    """Where a file attachment is in the ZIP: evidence/<id>-<name, letters digits . - _ only>."""
    name = re.sub(r"[^\w.\-]+", "_", str(file_name)).strip("._")[-100:] or "file"
    return f"{EVIDENCE_FOLDER}/{int(attachment_id)}-{name}"


def evidence_index(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per attachment: what it is attached to, the file or link, who, unit and when."""
    files = rows["kind"] == "file"
    task = [
        f"{int(g)}({int(s)})" if pd.notna(g) else ""
        for g, s in zip(rows["group_no"], rows["subtask_no"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "attachment_id": rows["attachment_id"],
            "batch_id": rows["batch_id"],
            "task": task,
            "update_id": rows["update_id"],
            "update_period": rows["update_period"],
            "kind": rows["kind"],
            "file_name": rows["file_name"],
            "export_name": [
                export_name(i, n) if f else ""
                for i, n, f in zip(rows["attachment_id"], rows["file_name"], files, strict=True)
            ],
            "sha256": rows["sha256"],
            "size_bytes": rows["size_bytes"],
            "media_type": rows["media_type"],
            "url": rows["url"],
            "user_name": rows["user_name"],
            "unit_zh": rows["unit_zh"],
            "attached_at": rows["attached_at"],
        }
    )
    return out


def export_frames(
    con: Con, plan_id: str, *, with_audit: bool = True, with_evidence: bool | None = None
) -> dict[str, pd.DataFrame]:
    """Every stored row of a plan, one frame per sheet (SHEETS order; 'audit' only if asked,
    'attachments' with the evidence, which by default goes with the audit: both are for those
    who may see everything)."""
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
        "attachments": evidence_index(queries.attachments(con, plan_id)),
    }
    if not with_audit:
        del frames["audit"]
    if not (with_audit if with_evidence is None else with_evidence):
        del frames["attachments"]
    return {name: frame.reset_index(drop=True) for name, frame in frames.items()}


def _has_demo(frame: pd.DataFrame) -> bool:
    return "is_demo" in frame.columns and bool(frame["is_demo"].fillna(False).astype(bool).any())


def captions(
    frames: dict[str, pd.DataFrame],
    plan: dict,
    lang: str,
    at: dt.datetime,
    *,
    headers: str,
) -> dict[str, list[str]]:
    """Caption rows per sheet: what it holds, plan and export time, demo notice when it has any;
    a caption naming a column names it as the sheet's header does."""
    stamp = i18n.t("export.exported", lang, at=at.strftime("%Y-%m-%d %H:%M"))
    if headers == "names":
        figures = i18n.t(
            "export.named_figures",
            lang,
            current=column_header("is_current", lang),
            superseded_by=column_header("superseded_by", lang),
        )
        demo = i18n.t("export.named_demo", lang, is_demo=column_header("is_demo", lang))
    else:
        figures, demo = i18n.t("export.sheet.figures", lang), i18n.t("export.demo", lang)
    out = {}
    for name, frame in frames.items():
        title = figures if name == "figures" else i18n.t(f"export.sheet.{name}", lang)
        rows = [title, f"{i18n.name(plan, lang)} · {stamp}"]
        if _has_demo(frame):
            rows.append(demo)
        out[name] = rows
    return out


def to_xlsx(
    frames: dict[str, pd.DataFrame],
    plan: dict,
    lang: str = "zh",
    at: dt.datetime | None = None,
    *,
    headers: str = "names",
) -> bytes:
    """One workbook, one sheet per frame, captions above each; with `headers="names"` the
    columns named in `lang` and a last sheet mapping them to their codes."""
    at = at or dt.datetime.now()
    title_rows = captions(frames, plan, lang, at, headers=headers)
    if headers == "codes":
        return exports.to_xlsx_bytes(frames, title_rows=title_rows)
    sheets = {name: with_headers(frame, lang) for name, frame in frames.items()}
    fields = i18n.t("export.fields.sheet_name", lang)
    sheets[fields] = fields_frame(frames, lang)
    title_rows[fields] = [i18n.t("export.fields.caption", lang), title_rows[next(iter(frames))][1]]
    return exports.to_xlsx_bytes(sheets, title_rows=title_rows)


def write_zip(
    target: BinaryIO,
    frames: dict[str, pd.DataFrame],
    db: str | Path | None,
    lang: str = "zh",
    *,
    headers: str = "names",
    raw: bool = False,
) -> None:
    """The ZIP form into `target`: one CSV (UTF-8 with BOM; formula-safe unless `raw`) per frame,
    then each evidence file of the index (one in memory at a time, its hash verified), then with
    `headers="names"` fields.csv. A file missing or damaged on the server is left out and its
    `export_name` emptied, so the index says what the ZIP really holds."""
    stamp = time.localtime()[:6]

    def csv(frame: pd.DataFrame) -> bytes:
        return exports.to_csv_bytes(
            with_headers(frame, lang) if headers == "names" else frame, raw=raw
        )

    def add(name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)

    def add_evidence(index: pd.DataFrame) -> None:
        index = index.copy()
        for i, row in index[index["export_name"] != ""].iterrows():
            try:
                content = evidence.stored_bytes(db, row["sha256"])
            except FileNotFoundError:
                content = None
            if content is None:
                index.loc[i, "export_name"] = ""
            else:
                add(row["export_name"], content)
        add("attachments.csv", csv(index))

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            if name != "attachments":
                add(f"{name}.csv", csv(frame))
        if "attachments" in frames:
            add_evidence(frames["attachments"])
        if headers == "names":
            add("fields.csv", exports.to_csv_bytes(fields_frame(frames, lang), raw=raw))


def export_file(
    db: str | Path | None,
    plan_id: str,
    fmt: str,
    lang: str = "zh",
    *,
    with_audit: bool = True,
    with_evidence: bool | None = None,
    headers: str = "names",
    raw: bool = False,
) -> bytes:
    """The full export of a plan as 'xlsx' or 'zip' bytes, read from the newest snapshot.

    The evidence (index, and files in the ZIP) goes with the audit unless `with_evidence` says
    otherwise. Headers in `lang` with a fields sheet, or the codes (`headers="codes"`); `raw`
    writes the ZIP's CSVs as stored (XLSX is always exact)."""
    buffer = io.BytesIO()
    _export(
        buffer,
        db,
        plan_id,
        fmt,
        lang,
        with_audit=with_audit,
        with_evidence=with_evidence,
        headers=headers,
        raw=raw,
    )
    return buffer.getvalue()


def export_to_file(
    db: str | Path | None,
    plan_id: str,
    fmt: str,
    out: Path,
    lang: str = "zh",
    *,
    with_audit: bool = True,
    with_evidence: bool | None = None,
    headers: str = "names",
    raw: bool = False,
) -> None:
    """`export_file` written to `out` (a temp name, then renamed), never whole in memory: the
    evidence files of a plan can run to gigabytes."""
    out = Path(out)
    try:
        with files.replacing(out) as handle:
            _export(
                handle,
                db,
                plan_id,
                fmt,
                lang,
                with_audit=with_audit,
                with_evidence=with_evidence,
                headers=headers,
                raw=raw,
            )
    except OSError as err:  # named by the file asked for, not the temporary one
        raise OSError(err.errno, err.strerror, str(out)) from err


def _export(
    target: BinaryIO,
    db: str | Path | None,
    plan_id: str,
    fmt: str,
    lang: str,
    *,
    with_audit: bool,
    with_evidence: bool | None,
    headers: str,
    raw: bool,
) -> None:
    if fmt not in ("xlsx", "zip"):
        raise ValueError(f"format must be xlsx or zip, not {fmt!r}")
    if headers not in HEADERS:
        raise ValueError(f"headers must be one of {HEADERS}, not {headers!r}")
    with read(db) as con:
        frames = export_frames(con, plan_id, with_audit=with_audit, with_evidence=with_evidence)
        plan = queries.plan(con, plan_id)
    if fmt == "xlsx":
        target.write(to_xlsx(frames, plan, lang, headers=headers))
    else:
        write_zip(target, frames, db, lang, headers=headers, raw=raw)

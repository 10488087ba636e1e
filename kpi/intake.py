"""Server-side writes from the browser: uploads, rollbacks and task updates (no Streamlit).

Every write function calls `kpi.auth.require` before touching the store, writes in one
transaction together with an audit entry, and serialises with the other writers of this process
(Streamlit sessions are threads sharing one DuckDB instance). A writer that cannot get its turn,
or whose transaction conflicts, gets `RetryLater` ("数据库正忙，请稍后重试").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from kpi import auth, db, i18n, ingest, periods, queries, views
from kpi.auth import User
from kpi.ingest import RollbackResult, UploadCheck
from kpi.queries import Con
from kpi.validation import Problem

# A task group naming this collective unit is the responsibility of every county-level unit.
COLLECTIVE_COUNTY_UNIT = "各县（市、区）人民政府（管委会）"
TASK_STATUSES = ("not_started", "in_progress", "done", "delayed")
MAX_NOTE_CHARS = 2000
MAX_EVIDENCE_CHARS = 500

# One writer at a time in this process; other processes are kept out by DuckDB's file lock.
_WRITE_LOCK = threading.Lock()


class RetryLater(RuntimeError):
    """The write could not run now (busy or conflicting); nothing was written."""

    message_zh = "数据库正忙，请稍后重试"
    message_en = "The database is busy; please try again shortly"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            f"{self.message_zh} / {self.message_en}" + (f" ({detail})" if detail else "")
        )

    def message(self, lang: str = "zh") -> str:
        """The notice in the reader's language."""
        return self.message_en if lang == "en" else self.message_zh


class PreviewOutdated(RetryLater):
    """Figures changed between the preview and the commit; check the file again."""

    message_zh = "预览之后数据已被他人更新，请重新检查文件后再提交（未写入）"
    message_en = "Figures changed after your preview; check the file again (nothing written)"


class IntakeRefused(ValueError):
    """A write refused for what was submitted (not for who submitted it); zh and en text."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        """The refusal in the reader's language."""
        return self.message_en if lang == "en" else self.message_zh


def _wait_seconds() -> float:
    return db.LOCK_WAIT_SECONDS


@contextmanager
def _writer(path: Path | str | None) -> Iterator[Con]:
    """A connection for one write, held alone in this process; busy or conflict -> RetryLater."""
    if not _WRITE_LOCK.acquire(timeout=_wait_seconds()):
        raise RetryLater("another write of this process is still running")
    try:
        with db.connect(path) as con:
            yield con
    except db.DatabaseBusy as err:
        raise RetryLater(str(err)) from err
    except duckdb.TransactionException as err:
        raise RetryLater(str(err)) from err
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise RetryLater(str(err)) from err
        raise
    finally:
        _WRITE_LOCK.release()


# ------------------------------------------------------------------ uploads


def commit_upload(
    path: Path | str | None, user: User | None, check: UploadCheck, *, accept_warnings: bool
) -> int:
    """Write a checked upload as one batch (with its audit entry); returns the batch id.

    Refused when the file has errors, or warnings that were not accepted. When figures changed
    since the check, raises PreviewOutdated so that the user sees a fresh diff first.
    """
    user = auth.require(user, "upload")
    if check.checked.errors:
        n = len(check.checked.errors)
        raise IntakeRefused(
            f"文件有 {n} 处错误，未写入任何数据", f"The file has {n} errors; nothing was written"
        )
    if check.checked.warnings and not accept_warnings:
        n = len(check.checked.warnings)
        raise IntakeRefused(
            f"文件有 {n} 条警告，请确认后再提交（未写入）",
            f"The file has {n} warnings; confirm them first (nothing written)",
        )
    with _writer(path) as con:
        if _outdated(con, check):
            raise PreviewOutdated()
        with db.transaction(con):
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
    user = auth.require(user, "rollback")
    with _writer(path) as con:
        try:
            return ingest.rollback(con, int(batch_id), user_name=user.username, role=user.role)
        except KeyError as err:
            raise IntakeRefused(f"批次 {batch_id} 不存在", f"There is no batch {batch_id}") from err
        except ValueError as err:
            if isinstance(err, IntakeRefused):
                raise
            raise IntakeRefused(
                f"批次 {batch_id} 已被撤销", f"Batch {batch_id} was already rolled back"
            ) from err


# ------------------------------------------------------------------ tasks


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


def _as_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [str(v) for v in value]


def _subtask_units(con: Con, plan_id: str, group_no: int, subtask_no: int) -> list[str]:
    tasks = queries.tasks(con, plan_id)
    row = tasks[(tasks["group_no"] == group_no) & (tasks["subtask_no"] == subtask_no)]
    if row.empty:
        raise IntakeRefused(
            f"任务 {group_no}({subtask_no}) 不存在",
            f"There is no sub-task {group_no}({subtask_no})",
        )
    return expand_units(_as_list(row["units"].iloc[0]), county_units(con, plan_id))


def _clean_text(value: str | None, limit: int, label_zh: str, label_en: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise IntakeRefused(
            f"{label_zh}过长（最多 {limit} 字）", f"{label_en} is too long (at most {limit} chars)"
        )
    return text


def _check_period(period: str) -> str:
    try:
        periods.parse_period(period)
    except ValueError as err:
        raise IntakeRefused(
            f"季度“{period}”格式不正确，应写作 2024Q3", f"Quarter '{period}' is not like 2024Q3"
        ) from err
    current = periods.current_period()
    if period > current:
        raise IntakeRefused(
            f"季度 {period} 尚未到来（当前为 {current}）",
            f"Quarter {period} is in the future (current: {current})",
        )
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
    if not auth.role_allows(user, "update_task"):
        auth.require(user, "update_task")  # raises PermissionDenied with the role's reason
    group_no, subtask_no = int(group_no), int(subtask_no)
    with _writer(path) as con:
        units = _subtask_units(con, plan_id, group_no, subtask_no)
        user = auth.require(user, "update_task", unit=units)
        if status not in TASK_STATUSES:
            raise IntakeRefused(f"未知进展状态“{status}”", f"Unknown status '{status}'")
        _check_period(period)
        note = _clean_text(note, MAX_NOTE_CHARS, "进展说明", "The note")
        evidence = _clean_text(evidence, MAX_EVIDENCE_CHARS, "佐证材料", "The evidence")
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
        with db.transaction(con):
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


def staff_subtasks(
    con: Con, plan_id: str, user: User | None, as_of: str | None = None
) -> pd.DataFrame:
    """The sub-tasks `user` may update (all for admins, none for viewers), with latest status.

    Columns are those of `kpi.tasks.task_board` plus `editable_units` (the responsible units,
    with the collective county unit expanded).
    """
    from kpi import tasks  # the task board (status, overdue flag)

    board = tasks.task_board(con, plan_id, as_of or periods.current_period())
    counties = county_units(con, plan_id)
    board["editable_units"] = board["units"].map(lambda units: expand_units(units, counties))
    if user is None or not auth.role_allows(user, "update_task"):
        return board.iloc[0:0]
    if user.role == "staff":
        mine = board["editable_units"].map(lambda units: user.unit in units)
        board = board[mine]
    return board.reset_index(drop=True)


# ------------------------------------------------------------------ submission tracking

TRACKING_COLUMNS = [
    "indicator_code",
    "name_zh",
    "name_en",
    "has_figure",
    "figures",
    "city_figure",
    "units",
]


def submission_tracking(con: Con, plan_id: str, period: str) -> pd.DataFrame:
    """Per indicator: whether a figure is in force for `period`, and its responsible units.

    `figures` counts every figure in force for the quarter (city-wide and breakdowns);
    `units` lists the units of the task groups linked to the indicator (queries.indicator_tasks),
    so the units to chase for a missing figure are those of the rows with has_figure false.
    """
    indicators = queries.indicators(con, plan_id)
    figures = queries.current_figures(con, plan_id, period)
    figures = figures[figures["period"] == period]
    counts = figures.groupby("indicator_code").size()
    city = figures[figures["sector_code"].isna() & figures["district_code"].isna()]
    group_units = (
        queries.tasks(con, plan_id)
        .drop_duplicates("group_no")
        .set_index("group_no")["units"]
        .map(_as_list)
    )
    links = queries.indicator_tasks(con, plan_id)
    units_of: dict[str, list[str]] = {}
    for code, group_no in zip(links["indicator_code"], links["group_no"], strict=True):
        listed = units_of.setdefault(code, [])
        for unit in group_units.get(group_no, []):
            if unit not in listed:
                listed.append(unit)
    out = pd.DataFrame(
        {
            "indicator_code": indicators["indicator_code"],
            "name_zh": indicators["name_zh"],
            "name_en": indicators["name_en"],
        }
    )
    out["figures"] = out["indicator_code"].map(counts).fillna(0).astype(int)
    out["has_figure"] = out["figures"] > 0
    out["city_figure"] = out["indicator_code"].isin(set(city["indicator_code"]))
    out["units"] = out["indicator_code"].map(lambda code: units_of.get(code, []))
    return out[TRACKING_COLUMNS]


def missing_by_unit(tracking: pd.DataFrame) -> pd.DataFrame:
    """Per responsible unit: the indicators without a figure that it is linked to; most first."""
    missing = tracking[~tracking["has_figure"]]
    pairs = missing[["indicator_code", "name_zh", "name_en", "units"]].explode("units")
    pairs = pairs.dropna(subset=["units"]).rename(columns={"units": "unit_zh"})
    columns = ["unit_zh", "missing", "indicators_zh", "indicators_en"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        pairs.groupby("unit_zh", sort=False)
        .agg(
            missing=("indicator_code", "nunique"),
            indicators_zh=("name_zh", lambda names: "、".join(dict.fromkeys(names))),
            indicators_en=("name_en", lambda names: "; ".join(dict.fromkeys(names))),
        )
        .reset_index()
    )
    grouped = grouped.sort_values("missing", ascending=False, kind="stable")
    return grouped[columns].reset_index(drop=True)


# ------------------------------------------------------------------ templates and reporting periods


def reporting_period(today: date | None = None) -> str:
    """The quarter staff report on now: the last complete one (the template's period)."""
    return periods.add_quarters(periods.current_period(today), -1)


def period_choices(plan: dict, today: date | None = None) -> list[str]:
    """Quarters from the plan's first to the current one, newest first."""
    first = str(plan.get("start_period") or reporting_period(today))
    return periods.period_range(first, periods.current_period(today))[::-1]


def template_example(indicators: pd.DataFrame, period: str) -> str:
    """One filled-in template row, preferably for an indicator shown in a scaled unit (万座)."""
    scaled = indicators[indicators["display_factor"] != 1]
    row = (scaled if not scaled.empty else indicators).iloc[0]
    return ",".join(
        [row["indicator_code"], row["name_zh"], period, "", "", "1.75", row["display_unit"]]
    )


def template_files(path: Path | str | None, plan_id: str) -> dict[str, bytes | str]:
    """The CSV and XLSX upload templates, their period and an example row."""
    with db.connect(path) as con:
        indicators = queries.indicators(con, plan_id)
        return {
            "csv": ingest.upload_template(con, plan_id, "csv"),
            "xlsx": ingest.upload_template(con, plan_id, "xlsx"),
            "period": reporting_period(),
            "example": template_example(indicators, reporting_period()),
        }


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


def download_name(batch_id: int, file_name: str | None) -> str:
    """A harmless name to offer the original file under: batch-N-<name without folders>."""
    base = str(file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return f"batch-{int(batch_id)}-{base or 'upload'}"


def read_staff_subtasks(path: Path | str | None, plan_id: str, user: User | None, as_of: str):
    """`staff_subtasks` on a short-lived connection."""
    with db.connect(path) as con:
        return staff_subtasks(con, plan_id, user, as_of)


def read_task_history(path: Path | str | None, plan_id: str, group_no: int, subtask_no: int):
    """Every update of one sub-task, newest first, on a short-lived connection."""
    with db.connect(path) as con:
        return queries.task_history(con, plan_id, int(group_no), int(subtask_no))


def read_submission_tracking(path: Path | str | None, plan_id: str, period: str) -> pd.DataFrame:
    """`submission_tracking` on a short-lived connection."""
    with db.connect(path) as con:
        return submission_tracking(con, plan_id, period)


# ------------------------------------------------------------------ tables as shown on the pages

# Problem.column is written in Chinese by kpi.validation; the English shown for it.
COLUMN_NAMES_EN = {
    "指标": "indicator",
    "指标代码": "indicator code",
    "期间": "period",
    "行业": "sector",
    "区县": "district",
    "数值": "value",
    "单位": "unit",
    "备注": "note",
}


def _frame(columns: dict[str, list], lang: str) -> pd.DataFrame:
    return pd.DataFrame({i18n.t(key, lang): values for key, values in columns.items()})


def problems_table(problems: list[Problem], lang: str = "zh") -> pd.DataFrame:
    """Problems as shown: row, column, value, type and the message in the reader's language."""
    en = lang == "en"
    whole = i18n.t("intake.whole_file", lang)
    columns = {
        "intake.col.row": [str(p.row) if p.row else whole for p in problems],
        "intake.col.column": [
            (COLUMN_NAMES_EN.get(p.column, p.column) if en else p.column) or "" for p in problems
        ],
        "intake.col.value": ["" if p.value is None else str(p.value) for p in problems],
        "intake.col.severity": [i18n.t(f"severity.{p.severity}", lang) for p in problems],
        "intake.col.message": [p.message_en if en else p.message_zh for p in problems],
    }
    return _frame(columns, lang)


def _lookup(frame: pd.DataFrame, code: str, lang: str) -> dict[str, str]:
    return {r[code]: i18n.name(r, lang) for r in frame.to_dict("records")}


def diff_table(
    diff: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
    lang: str = "zh",
) -> pd.DataFrame:
    """The preview: each row of the file as new, changed (old -> new) or unchanged.

    Values are in the indicator's display units with the unit (1.2 万座), names not codes.
    """
    rows = indicators.set_index("indicator_code").to_dict("index")
    names = _lookup(indicators, "indicator_code", lang)
    sector_names = _lookup(sectors, "sector_code", lang)
    district_names = _lookup(districts, "district_code", lang)
    city = "—"

    def place(code, lookup: dict[str, str]) -> str:
        return lookup.get(code, str(code)) if isinstance(code, str) and code else city

    records = diff.to_dict("records")
    columns = {
        "intake.col.row": [int(r["source_row"]) for r in records],
        "col.indicator": [names.get(r["indicator_code"], r["indicator_code"]) for r in records],
        "col.period": [r["period"] for r in records],
        "col.sector": [place(r["sector_code"], sector_names) for r in records],
        "col.district": [place(r["district_code"], district_names) for r in records],
        "intake.col.old": [
            views.format_value(_number(r["old_value"]), rows[r["indicator_code"]], lang)
            for r in records
        ],
        "intake.col.new": [
            views.format_value(_number(r["new_value"]), rows[r["indicator_code"]], lang)
            for r in records
        ],
        "intake.col.change": [i18n.t(f"change.{r['change']}", lang) for r in records],
    }
    return _frame(columns, lang)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def batch_status(row: dict, lang: str = "zh") -> str:
    """生效中 / 已撤销（批次 N） / 撤销记录（撤销批次 N）."""
    if row.get("kind") == "rollback":
        return i18n.t("batch_status.rollback", lang, of=_int_text(row.get("rolls_back")))
    if not _missing(row.get("rolled_back_by")):
        return i18n.t("batch_status.rolled_back", lang, by=_int_text(row["rolled_back_by"]))
    return i18n.t("batch_status.in_force", lang)


def can_roll_back(row: dict) -> bool:
    """Loads (and the demo batch) not yet undone; rollback records themselves are not offered."""
    return row.get("kind") != "rollback" and _missing(row.get("rolled_back_by"))


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _int_text(value) -> str:
    return "—" if _missing(value) else str(int(value))


def batch_history_table(batches: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Every batch as shown: id, status, file name, user, time, rows, figures in force, demo."""
    records = batches.to_dict("records")
    yes, no = i18n.t("common.yes", lang), i18n.t("common.no", lang)
    columns = {
        "col.batch": [int(r["batch_id"]) for r in records],
        "intake.col.status": [batch_status(r, lang) for r in records],
        "col.file": [r["file_name"] if isinstance(r["file_name"], str) else "" for r in records],
        "col.user": [r["user_name"] for r in records],
        "col.loaded_at": [pd.Timestamp(r["loaded_at"]).strftime("%Y-%m-%d %H:%M") for r in records],
        "intake.col.rows": [int(r["row_count"]) for r in records],
        "intake.col.in_force": [int(r["figures_in_force"]) for r in records],
        "col.demo": [yes if r["is_demo"] else no for r in records],
    }
    return _frame(columns, lang)


def batch_label(row: dict, lang: str = "zh") -> str:
    """One line naming a batch in a picker: 'N · file · user · time' (status is in the table)."""
    del lang  # the same in both languages; kept for a uniform signature
    parts = [
        str(int(row["batch_id"])),
        row["file_name"] if isinstance(row["file_name"], str) else "—",
        str(row["user_name"]),
        pd.Timestamp(row["loaded_at"]).strftime("%Y-%m-%d %H:%M"),
    ]
    return " · ".join(parts)


def tracking_table(tracking: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per indicator: reported or not, how many figures, the responsible units; missing first."""
    shown = tracking.sort_values("has_figure", kind="stable")
    yes, no = "✔", "✘"
    units_en = lang == "en"
    columns = {
        "col.indicator": [i18n.name(r, lang) for r in shown.to_dict("records")],
        "intake.col.reported": [yes if v else no for v in shown["has_figure"]],
        "intake.col.figures": shown["figures"].astype(int).tolist(),
        "col.units": [("; " if units_en else "、").join(u) for u in shown["units"]],
    }
    return _frame(columns, lang)


def missing_units_table(by_unit: pd.DataFrame, lang: str = "zh", names_en=None) -> pd.DataFrame:
    """Per responsible unit: how many and which indicators lack a figure."""
    en = lang == "en"
    names_en = names_en or {}
    columns = {
        "col.unit": [names_en.get(u, u) if en else u for u in by_unit["unit_zh"]],
        "intake.col.missing": by_unit["missing"].astype(int).tolist(),
        "intake.col.indicators": by_unit["indicators_en" if en else "indicators_zh"].tolist(),
    }
    return _frame(columns, lang)


def subtask_label(row: dict, lang: str = "zh") -> str:
    """'1(2) 推动宝钢…' for a picker (text cut to 60 characters)."""
    text = str(row["text_en"] if lang == "en" else row["text_zh"])
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{row['group_no']}({row['subtask_no']}) {text}"


def task_history_table(
    history: pd.DataFrame, lang: str = "zh", names_en: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every update of a sub-task as shown: quarter, status, note, evidence, who, unit, when."""
    records = history.to_dict("records")
    names = (names_en or {}) if lang == "en" else {}

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    columns = {
        "col.period": [r["period"] for r in records],
        "col.status": [i18n.task_status_name(r["status"], lang) for r in records],
        "col.note": [text(r["note"]) for r in records],
        "col.evidence": [text(r["evidence"]) for r in records],
        "intake.col.reported_by": [r["user_name"] for r in records],
        "intake.col.reporting_unit": [
            names.get(text(r["unit_zh"]), text(r["unit_zh"])) or "—" for r in records
        ],
        "intake.col.updated_at": [
            pd.Timestamp(r["updated_at"]).strftime("%Y-%m-%d %H:%M") for r in records
        ],
        "col.demo": [i18n.t("common.yes" if r["is_demo"] else "common.no", lang) for r in records],
    }
    return _frame(columns, lang)


def action_name(action: str, lang: str = "zh") -> str:
    """上传数据 / 撤销批次 / 任务进展 / ... ; the code itself when unknown."""
    key = f"audit_action.{action}"
    label = i18n.t(key, lang)
    return action if label == key else label


def filter_audit(
    log: pd.DataFrame, users: list[str] | None = None, actions: list[str] | None = None
) -> pd.DataFrame:
    """Audit entries of any of `users` and any of `actions`; an empty list does not filter."""
    shown = log
    if users:
        shown = shown[shown["user_name"].isin(users)]
    if actions:
        shown = shown[shown["action"].isin(actions)]
    return shown


def audit_table(log: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The audit log as shown (and downloaded): time, user, role, action, batch, object, JSON."""
    records = log.to_dict("records")

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    columns = {
        "intake.col.time": [
            pd.Timestamp(r["logged_at"]).strftime("%Y-%m-%d %H:%M:%S") for r in records
        ],
        "audit.filter_user": [r["user_name"] for r in records],
        "intake.col.role": [
            auth.ROLE_LABELS.get(r["role"], {}).get(lang, r["role"]) for r in records
        ],
        "intake.col.action": [action_name(r["action"], lang) for r in records],
        "col.batch": [_int_text(r["batch_id"]) for r in records],
        "intake.col.object": [text(r["object_id"]) for r in records],
        "intake.col.before": [text(r["before_json"]) for r in records],
        "intake.col.after": [text(r["after_json"]) for r in records],
    }
    return _frame(columns, lang)


def audit_label(row: dict, lang: str = "zh") -> str:
    """'N · time · user · action · object' for a picker."""
    when = pd.Timestamp(row["logged_at"]).strftime("%Y-%m-%d %H:%M:%S")
    parts = [
        str(int(row["audit_id"])),
        when,
        str(row["user_name"]),
        action_name(row["action"], lang),
    ]
    if isinstance(row.get("object_id"), str):
        parts.append(row["object_id"])
    return " · ".join(parts)


def parse_json(text) -> object:
    """A before/after JSON cell as data ({} when empty; the text itself if it is not JSON)."""
    if not isinstance(text, str) or not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}

"""Intake as shown: file problems, the preview diff, batches, tracking, audit, accounts."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from kpi.base import config, i18n, periods
from kpi.base.values import is_missing
from kpi.measure import tracking
from kpi.outputs import formatting
from kpi.store.validation import Problem


def problems_table(problems: list[Problem], lang: str = "zh") -> pd.DataFrame:
    """Problems as shown: row, column, value, type and the message in the reader's language."""
    whole = i18n.t("intake.whole_file", lang)
    columns = {
        "intake.col.row": [str(p.row) if p.row else whole for p in problems],
        "intake.col.column": [p.column_name(lang) for p in problems],
        "intake.col.value": ["" if p.value is None else str(p.value) for p in problems],
        "intake.col.severity": [i18n.t(f"severity.{p.severity}", lang) for p in problems],
        "intake.col.message": [p.message(lang) for p in problems],
    }
    return formatting.translated_frame(columns, lang)


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
            formatting.format_value(_number(r["old_value"]), rows[r["indicator_code"]], lang)
            for r in records
        ],
        "intake.col.new": [
            formatting.format_value(_number(r["new_value"]), rows[r["indicator_code"]], lang)
            for r in records
        ],
        "intake.col.change": [i18n.t(f"change.{r['change']}", lang) for r in records],
    }
    return formatting.translated_frame(columns, lang)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def batch_status(row: dict, lang: str = "zh") -> str:
    """生效中 / 已撤销（批次 N） / 撤销记录（撤销批次 N） / 待审核 / 已退回."""
    state = row.get("review_state")
    if not is_missing(state) and state != "approved":
        return i18n.t(f"review.state.{state}", lang)
    if row.get("kind") == "rollback":
        return i18n.t("batch_status.rollback", lang, of=_int_text(row.get("rolls_back")))
    if not is_missing(row.get("rolled_back_by")):
        return i18n.t("batch_status.rolled_back", lang, by=_int_text(row["rolled_back_by"]))
    return i18n.t("batch_status.in_force", lang)


def can_roll_back(row: dict) -> bool:
    """Approved loads (and the demo batch) not yet undone; rollback records themselves are not
    offered, nor submissions still under review (they have no figures in force)."""
    approved = is_missing(row.get("review_state")) or row.get("review_state") == "approved"
    return approved and row.get("kind") != "rollback" and is_missing(row.get("rolled_back_by"))


def _int_text(value) -> str:
    return "—" if is_missing(value) else str(int(value))


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
    return formatting.translated_frame(columns, lang)


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


# ------------------------------------------------------------------ submission tracking


def state_text(state: str, lang: str) -> str:
    """按时 / 逾期 / 未报 / 待报 / 演示数据 (or the English)."""
    return i18n.t(f"calendar.state.{state}", lang)


def review_text(review_state: object, lang: str) -> str:
    """待审核 / 已退回 / 已通过 for a submission; a dash when nothing was submitted."""
    if not isinstance(review_state, str):
        return "—"
    return i18n.t(f"calendar.review.{review_state}", lang)


def _unit(row: dict, lang: str) -> str:
    if not isinstance(row["unit_zh"], str):
        return i18n.t("warnings.no_unit", lang)
    return i18n.name(row, lang, field="unit")


def _time(value: object) -> str:
    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _text(value: object) -> str:
    return value if isinstance(value, str) and value else "—"


def due_caption(period: str, lang: str, today: date | None = None) -> str:
    """'2025Q4 的报送截止日为 2026-01-15（季度结束后 15 天）；今天是 …'."""
    return i18n.t(
        "calendar.due_caption",
        lang,
        period=period,
        due=tracking.due_date(period).isoformat(),
        days=config.REPORT_DUE_DAYS,
        today=(today or date.today()).isoformat(),
    )


def state_counts_text(status: pd.DataFrame, lang: str) -> str:
    """'按时 3 · 逾期 1 · 未报 2 · 待报 0 · 演示数据 0' over the unit × indicator rows."""
    counts = status["state"].value_counts()
    parts = [f"{state_text(s, lang)} {int(counts.get(s, 0))}" for s in tracking.SHOWN_ORDER]
    return " · ".join(parts)


def status_table(status: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per unit and indicator: state, due date, the first submission (when, by whom), review."""
    records = status.to_dict("records")
    columns = {
        "col.unit": [_unit(r, lang) for r in records],
        "col.indicator": [i18n.name(r, lang) for r in records],
        "calendar.col.state": [state_text(r["state"], lang) for r in records],
        "calendar.col.due": [r["due_date"].isoformat() for r in records],
        "calendar.col.days_overdue": [int(r["days_overdue"]) or "" for r in records],
        "calendar.col.first_at": [_time(r["submitted_at"]) for r in records],
        "intake.col.reported_by": [_text(r["submitted_by"]) for r in records],
        "intake.col.reporting_unit": [_text(r["submitted_unit"]) for r in records],
        "calendar.col.review": [review_text(r["review_state"], lang) for r in records],
        "intake.col.figures": [int(r["figures"]) for r in records],
    }
    return formatting.translated_frame(columns, lang)


def unit_summary_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per unit: its worst state, indicators in each state, reported and not yet reported."""
    records = summary.to_dict("records")
    columns = {
        "col.unit": [_unit(r, lang) for r in records],
        "calendar.col.worst": [state_text(r["worst"], lang) for r in records],
        **{f"calendar.state.{s}": summary[s].astype(int) for s in tracking.SHOWN_ORDER},
        "intake.col.reported": summary["reported"].astype(int),
        "intake.col.missing": (summary[tracking.MISSING] + summary[tracking.NOT_DUE]).astype(int),
        "intake.col.indicators": summary[i18n.column("unreported", lang)],
    }
    return formatting.translated_frame(columns, lang)


def late_table(late: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The late reports (tracking.late_reports): unit, quarter, due date, days overdue, the
    indicators nobody has reported."""
    records = late.to_dict("records")
    columns = {
        "col.unit": [_unit(r, lang) for r in records],
        "col.period": late["period"],
        "calendar.col.due": [r["due_date"].isoformat() for r in records],
        "calendar.col.days_overdue": late["days_overdue"].astype(int),
        "intake.col.missing": late["missing"].astype(int),
        "intake.col.indicators": late[i18n.column("indicators", lang)],
    }
    return formatting.translated_frame(columns, lang)


def quarters_text(quarters: list[str], lang: str) -> str:
    """Consecutive quarters as runs: '2023Q1–2025Q4', or '2024Q1–2024Q2、2025Q1'."""
    runs: list[list[str]] = []
    for quarter in quarters:
        if runs and periods.add_quarters(runs[-1][-1], 1) == quarter:
            runs[-1].append(quarter)
        else:
            runs.append([quarter])
    return i18n.join([r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs], lang)


def late_caption(lang: str, today: date | None = None) -> str:
    """What the late reports list, and at which date."""
    today = today or date.today()
    return i18n.t(
        "calendar.late.caption", lang, today=today.isoformat(), days=config.REPORT_DUE_DAYS
    )


def demo_note(quarters: list[str], lang: str) -> str:
    """Why quarters with demo figures are neither on time nor late."""
    return i18n.t("calendar.late.demo", lang, quarters=quarters_text(quarters, lang))


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


def audit_table(log: pd.DataFrame, lang: str = "zh", *, raw: bool = False) -> pd.DataFrame:
    """The audit log as shown: time, user, role, action, batch, object, before, after.

    Before and after read as 'key: value' in `lang` (a list of figures as its row count); `raw`
    keeps them as the JSON written, for the download.
    """
    records = log.to_dict("records")

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    def side(value) -> str:
        return text(value) if raw else audit_summary(value, lang)

    columns = {
        "intake.col.time": [
            pd.Timestamp(r["logged_at"]).strftime("%Y-%m-%d %H:%M:%S") for r in records
        ],
        "audit.filter_user": [r["user_name"] for r in records],
        "intake.col.role": [i18n.role_name(r["role"], lang) for r in records],
        "intake.col.action": [action_name(r["action"], lang) for r in records],
        "col.batch": [_int_text(r["batch_id"]) for r in records],
        "intake.col.object": [text(r["object_id"]) for r in records],
        "intake.col.before": [side(r["before_json"]) for r in records],
        "intake.col.after": [side(r["after_json"]) for r in records],
    }
    return formatting.translated_frame(columns, lang)


def _field_name(key: str, lang: str) -> str:
    label = i18n.t(f"audit.field.{key}", lang)
    return key if label == f"audit.field.{key}" else label


def _field_value(key: str, value, lang: str) -> str:
    """One value as a reader reads it: 是/否, role and task-state names, nested keys spelled out."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if key == "role" and isinstance(value, str):
        return i18n.role_name(value, lang)
    if key == "status" and isinstance(value, str):
        return i18n.task_status_name(value, lang)
    if key == "change" and isinstance(value, str):  # a reference row: added, removed, changed
        return _field_name(value, lang)
    if isinstance(value, dict):
        parts = [f"{_field_name(k, lang)} {_field_value(k, v, lang)}" for k, v in value.items()]
        return i18n.join(parts, lang)
    if isinstance(value, list):
        return i18n.join([_field_value(key, v, lang) for v in value], lang)
    return str(value)


def _is_rows(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def audit_fields(text, lang: str = "zh") -> tuple[list[tuple[str, str]], dict[str, pd.DataFrame]]:
    """A before/after JSON cell as (name, value) lines and, for each list of rows in it (the
    figures a load wrote, the reference rows a refresh changed), a small table in `lang`."""
    data = parse_json(text)
    if not isinstance(data, dict):
        data = {"text": data}
    lines, tables = [], {}
    for key, value in data.items():
        if _is_rows(value):
            names = list(dict.fromkeys(k for row in value for k in row))
            tables[_field_name(key, lang)] = pd.DataFrame(
                [[_field_value(k, row.get(k), lang) for k in names] for row in value],
                columns=[_field_name(k, lang) for k in names],
            )
        elif isinstance(value, list) and not value:
            continue  # an empty list of figures says nothing the counts do not
        else:
            lines.append((_field_name(key, lang), _field_value(key, value, lang)))
    return lines, tables


def escape_markdown(text: str) -> str:
    """text for st.markdown, every character shown as typed."""
    # Notes and reasons are typed by people: none of their characters may format the page.
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$:" else ch for ch in text)


def audit_markdown(lines: list[tuple[str, str]], lang: str = "zh") -> str:
    """audit_fields' lines as a Markdown list, '- 文件：a.csv', every character shown as typed."""
    return "\n".join(
        "- " + escape_markdown(i18n.t("audit.line", lang, name=name, value=value))
        for name, value in lines
    )


def audit_summary(text, lang: str = "zh") -> str:
    """A before/after JSON cell on one line: '文件：a.csv；读取行数：830；数值：200 行'."""
    lines, tables = audit_fields(text, lang)
    parts = [i18n.t("audit.line", lang, name=name, value=value) for name, value in lines]
    parts += [
        i18n.t("audit.line", lang, name=name, value=i18n.t("audit.rows", lang, n=len(table)))
        for name, table in tables.items()
    ]
    return i18n.t("format.clause_separator", lang).join(parts)


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


def download_name(batch_id: int, file_name: str | None) -> str:
    """A harmless name to offer the original file under: batch-N-<name without folders>."""
    base = str(file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return f"batch-{int(batch_id)}-{base or 'upload'}"


def accounts_table(
    rows: list[dict], lang: str = "zh", unit_names_en: dict[str, str] | None = None
) -> pd.DataFrame:
    """Accounts as shown: username, display name, role, unit, state (never a hash)."""
    names = (unit_names_en or {}) if lang == "en" else {}
    columns = {
        "users.col.username": [r["username"] for r in rows],
        "users.col.display_name": [r["display_name"] for r in rows],
        "intake.col.role": [i18n.role_name(r["role"], lang) for r in rows],
        "col.unit": [names.get(r["unit"], r["unit"]) if r["unit"] else "—" for r in rows],
        "users.col.state": [
            i18n.t("users.state.disabled" if r["disabled"] else "users.state.active", lang)
            for r in rows
        ],
    }
    return formatting.translated_frame(columns, lang)

"""Review (审核) as shown: the submissions queue, one submission's rows, the pending caption."""

from __future__ import annotations

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.outputs import formatting, intake_tables


def state_name(state: str | None, lang: str = "zh") -> str:
    """待审核 / 已通过 / 已退回 (or the English)."""
    return i18n.t(f"review.state.{state or 'approved'}", lang)


def entry_name(entry: str | None, lang: str = "zh") -> str:
    """文件上传 / 在线填报 / 命令行; — when not recorded."""
    return i18n.t(f"review.entry.{entry}", lang) if isinstance(entry, str) and entry else "—"


def basis_name(basis: str | None, lang: str = "zh") -> str:
    """How the number was entered: 按指标口径 / 本期数 / 累计数 / 本期数和累计数."""
    return i18n.t(f"review.basis.{basis if isinstance(basis, str) else 'declared'}", lang)


def _time(value) -> str:
    return "" if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _link(row: dict, lang: str) -> str:
    """Which returned batch this one corrects, or which batch corrected it."""
    parts = []
    if not is_missing(row.get("resubmits")):
        parts.append(i18n.t("submissions.resubmits", lang, batch=int(row["resubmits"])))
    if not is_missing(row.get("resubmitted_as")):
        parts.append(i18n.t("submissions.resubmitted_as", lang, batch=int(row["resubmitted_as"])))
    return i18n.join(parts, lang)


def _unit(row: dict, unit_names: dict[str, str]) -> str:
    unit = row.get("unit_zh")
    return unit_names.get(unit, unit) if isinstance(unit, str) and unit else "—"


def submissions_table(
    submissions: pd.DataFrame, lang: str = "zh", unit_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The queue as shown: batch, state, linked batch, unit, who, how, when, rows, evidence,
    reviewer, reason."""
    records = submissions.to_dict("records")
    names = unit_names or {}
    columns = {
        "col.batch": [int(r["batch_id"]) for r in records],
        "submissions.col.state": [state_name(r["review_state"], lang) for r in records],
        "submissions.col.link": [_link(r, lang) for r in records],
        "col.unit": [_unit(r, names) for r in records],
        "submissions.col.user": [r["user_name"] for r in records],
        "submissions.col.entry": [entry_name(r["entry"], lang) for r in records],
        "submissions.col.submitted_at": [_time(r["loaded_at"]) for r in records],
        "intake.col.rows": [int(r["row_count"]) for r in records],
        "submissions.col.evidence": [int(r["attachments"]) for r in records],
        "submissions.col.reviewed_by": [
            r["reviewed_by"] if isinstance(r["reviewed_by"], str) else "" for r in records
        ],
        "submissions.col.reviewed_at": [_time(r["reviewed_at"]) for r in records],
        "submissions.col.reason": [
            r["review_reason"] if isinstance(r["review_reason"], str) else "" for r in records
        ],
    }
    return formatting.translated_frame(columns, lang)


def submission_label(row: dict, lang: str = "zh", unit_names: dict[str, str] | None = None) -> str:
    """'N · unit · user · time' for a picker (the state is in the table: a label that changes
    with it would outlive a review in the open picker)."""
    del lang  # the same in both languages; kept for a uniform signature
    parts = [
        str(int(row["batch_id"])),
        _unit(row, unit_names or {}),
        str(row["user_name"]),
        _time(row["loaded_at"]),
    ]
    return " · ".join(parts)


def rows_table(
    diff: pd.DataFrame,
    indicators: pd.DataFrame,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
    lang: str = "zh",
) -> pd.DataFrame:
    """A submission's rows against the figures in force (old -> new) and how each was entered."""
    table = intake_tables.diff_table(diff, indicators, sectors, districts, lang=lang)
    table[i18n.t("submissions.col.basis", lang)] = [
        basis_name(b, lang) for b in diff.get("entered_basis", pd.Series(index=diff.index))
    ]
    return table


def pending_caption(pending: int, lang: str = "zh") -> str:
    """One line for leaders' pages: N submissions wait for review (empty when none)."""
    return i18n.t("review.pending_caption", lang, n=pending) if pending else ""

"""A submission as the pages show it, from a file (数据上报) or the grid (在线填报): the check
with its problems, the basis confirmation, the consequences, and the commit.

Both pages go through exactly these functions, so a grid is checked and written as a file is.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kpi.auth.accounts import User
from kpi.base.errors import KpiError
from kpi.measure import consequences
from kpi.outputs import entry_tables, intake_tables
from kpi.store import basis, evidence, intake
from kpi.store.ingest import UploadCheck
from kpi.web import cache, widgets, writes
from kpi.web import evidence as evidence_widgets
from kpi.web.context import Context

# Problems that ask the clerk which basis a number is in (kpi.store.basis).
BASIS_CODES = ("basis_suspect", "basis_reason_missing", "basis_choice_unknown")
MAX_REASON_CHARS = 200


@dataclass(frozen=True)
class Checked:
    """A check and, when it has no errors, what writing it would change."""

    check: UploadCheck
    digest: str
    effects: pd.DataFrame | None  # kpi.measure.consequences; None with errors


def choices(prefix: str, digest: str) -> dict[int, tuple[str, str]]:
    """The basis chosen per row for this very content ({} once the content changed)."""
    kept = st.session_state.get(f"{prefix}_choices")
    return dict(kept[1]) if kept and kept[0] == digest else {}


def run_check(ctx: Context, user: User, prefix: str, content: bytes, file_name: str) -> Checked:
    """The check of `content` with the basis choices made for it, run once with a progress bar
    and kept for the reruns (another user, content or choice checks afresh)."""
    digest = hashlib.sha256(content).hexdigest()
    chosen = choices(prefix, digest)
    key = (ctx.db, ctx.plan_id, user.username, file_name, digest, tuple(sorted(chosen.items())))
    cached = st.session_state.get(f"{prefix}_check")
    if cached is not None and cached[0] == key:
        return cached[1]
    t = ctx.t
    bar = st.progress(0.0, text=t("upload.stage.read"))
    check = intake.check_for(
        ctx.db,
        user,
        content,
        file_name,
        ctx.plan_id,
        progress=lambda done, stage: bar.progress(done, text=t(f"upload.stage.{stage}")),
        basis_choices=chosen,
    )
    rows = check.checked.rows
    effects = None
    if not check.checked.errors and rows is not None and not rows.empty:
        effects = consequences.read_consequences(ctx.db, ctx.plan_id, rows)
    bar.progress(1.0, text=t("upload.stage.checked"))
    result = Checked(check, digest, effects)
    st.session_state[f"{prefix}_check"] = (key, result)
    return result


def _names(ctx: Context) -> dict[str, pd.DataFrame]:
    return {n: cache.query(ctx.db, n, ctx.plan_id) for n in ("indicators", "sectors", "districts")}


def row_labels(ctx: Context, check: UploadCheck) -> dict[int, str]:
    """source row -> '智能制造示范工厂 · 全市' for the rows the check could read."""
    if check.checked.rows is None:
        return {}
    return entry_tables.row_labels(check.checked.rows, **_names(ctx), lang=ctx.lang)


def show_check(ctx: Context, checked: Checked, prefix: str, *, labels: bool = False) -> None:
    """Counts, the problems (each row named by its indicator when `labels`), the basis
    confirmation for rows that look like running totals, and the consequence preview."""
    t, check = ctx.t, checked.check
    summary = check.summary()
    errors, warnings = check.checked.errors, check.checked.warnings
    metrics = {
        "upload.metric.rows": summary["rows_read"],
        "upload.metric.accepted": summary["rows_accepted"],
        "upload.metric.errors": len(errors),
        "upload.metric.warnings": len(warnings),
    }
    for column, (label, value) in zip(st.columns(4), metrics.items(), strict=True):
        column.metric(t(label), value, border=True)
    if errors:
        st.error(t("upload.errors", n=len(errors)))
    elif warnings:
        st.warning(t("upload.warnings", n=len(warnings)))
    names = row_labels(ctx, check)
    if check.checked.problems:
        st.subheader(t("upload.problems"))
        table = intake_tables.problems_table(check.checked.problems, ctx.lang)
        if labels:
            table = entry_tables.with_row_labels(table, check.checked.problems, names, ctx.lang)
        widgets.data_table(
            ctx,
            table,
            f"{prefix}_problems",
            t("upload.problems"),
            column_config={t("intake.col.message"): st.column_config.TextColumn(width=640)},
        )
    basis_form(ctx, checked, prefix, names)
    if checked.effects is not None:
        show_consequences(ctx, checked.effects, len(check.checked.rows), prefix)


def basis_form(ctx: Context, checked: Checked, prefix: str, names: Mapping[int, str]) -> None:
    """确认口径: for each row whose number looks like a running total, the explanation and an
    explicit choice (按本期数写入 / 按累计数写入) with a reason; 重新检查 checks again with them.

    One choice per row, never one for all: each flagged number is a separate decision."""
    t = ctx.t
    chosen = choices(prefix, checked.digest)
    flagged: dict[int, list[str]] = {}
    for p in checked.check.checked.problems:
        if p.code in BASIS_CODES and p.row:
            flagged.setdefault(int(p.row), []).append(p.message(ctx.lang))
    rows = sorted(set(flagged) | set(chosen))
    if not rows:
        return
    st.subheader(t("entry.basis.title"))
    st.caption(t("entry.basis.help"))
    made = {}
    with st.form(f"{prefix}_basis_form", enter_to_submit=False, border=True):
        for row in rows:
            st.markdown(f"**{t('entry.basis.row', row=row, label=names.get(row, ''))}**")
            for message in flagged.get(row, []):
                st.caption(intake_tables.escape_markdown(message))
            before = chosen.get(row, (None, ""))
            choice = st.radio(
                t("entry.basis.choice"),
                basis.CHOICES,
                index=basis.CHOICES.index(before[0]) if before[0] in basis.CHOICES else None,
                format_func=lambda c: t(f"basis.choice.{c}"),
                horizontal=True,
                key=f"{prefix}_basis_{checked.digest[:12]}_{row}",
            )
            reason = st.text_input(
                t("entry.basis.reason"),
                value=before[1],
                max_chars=MAX_REASON_CHARS,
                key=f"{prefix}_reason_{checked.digest[:12]}_{row}",
            )
            if choice is not None:
                made[row] = (choice, reason.strip())
        if st.form_submit_button(t("entry.basis.recheck"), icon=":material/refresh:"):
            st.session_state[f"{prefix}_choices"] = (checked.digest, made)
            st.rerun()


def show_consequences(ctx: Context, effects: pd.DataFrame, total: int, prefix: str) -> None:
    """影响预览: per row the value entered and its basis, cumulative, completion and light
    before -> after."""
    t = ctx.t
    st.subheader(t("preview.title"))
    shown = len(effects)
    caption = t("preview.caption", moved=consequences.moved_lights(effects))
    if shown < total:
        caption += " " + t("preview.limited", shown=shown, total=total)
    st.caption(caption)
    widgets.data_table(
        ctx,
        entry_tables.consequence_table(effects, **_names(ctx), lang=ctx.lang),
        f"{prefix}_consequences",
        t("preview.title"),
    )


def commit_controls(
    ctx: Context,
    user: User,
    checked: Checked,
    prefix: str,
    *,
    label: str,
    entry: str,
    resubmits: int | None = None,
    after: Callable[[int], None] | None = None,
    success: Callable[[int], str] | None = None,
    state: Mapping[str, Callable[[int], object]] | None = None,
    forget: Iterable[str] = (),
) -> None:
    """Accept the warnings, attach evidence and write (intake.commit_upload); `after(batch)`
    runs once the batch is written (e.g. the grid's draft is deleted)."""
    t, check = ctx.t, checked.check
    errors, warnings = check.checked.errors, check.checked.warnings
    accepted = not warnings
    if warnings and not errors:
        accepted = st.checkbox(t("upload.accept", n=len(warnings)), key=f"{prefix}_accept")
    files, links = ([], "")
    if not errors:
        with st.expander(t("evidence.title"), icon=":material/attach_file:"):
            files, links = evidence_widgets.evidence_inputs(ctx, f"{prefix}_evidence")
    blocked = bool(errors) or not accepted
    reason = t("upload.commit_help_errors" if errors else "upload.commit_help_warnings")
    if not st.button(
        label,
        type="primary",
        disabled=blocked,
        key=f"{prefix}_commit",
        help=reason if blocked else None,
    ):
        return

    def write() -> int:
        prepared = evidence.prepare(ctx.db, files, links) if files or links.strip() else None
        batch_id = intake.commit_upload(
            ctx.db,
            user,
            check,
            accept_warnings=accepted,
            entry=entry,
            evidence=prepared,
            resubmits=resubmits,
        )
        # The batch is written; what follows it (a draft's deletion) may fail and wait.
        with contextlib.suppress(KpiError):
            if after is not None:
                after(batch_id)
        return batch_id

    writes.run(
        write,
        ctx.lang,
        success=success,
        state=state,
        forget=[f"{prefix}_check", f"{prefix}_choices", *forget],
    )

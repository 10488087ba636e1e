"""佐证材料 widgets: the inputs beside a submission or task update, and the list with downloads.

What a person may see is `kpi.store.evidence.can_see`; the bytes leave only through
`evidence.read_evidence` (hash verified), built when the download button is clicked.
"""

from __future__ import annotations

import functools
import re

import pandas as pd
import streamlit as st

from kpi.auth.accounts import User
from kpi.base import config
from kpi.base.errors import KpiError
from kpi.outputs import formatting
from kpi.store import evidence
from kpi.web.cache import query
from kpi.web.context import Context


def evidence_inputs(ctx: Context, key: str) -> tuple[list[tuple[str, bytes]], str]:
    """A file uploader and a links box (one link a line) with the limits under them.

    Returns (files as (name, bytes) pairs, links text) for `evidence.prepare`, which checks
    everything again server-side. Works inside a form."""
    st.markdown(f"**{ctx.t('evidence.title')}**")
    uploaded = st.file_uploader(
        ctx.t("evidence.files"),
        type=list(evidence.EXTENSIONS),
        accept_multiple_files=True,
        max_upload_size=config.EVIDENCE_MAX_MB,
        key=f"{key}_files",
    )
    links = st.text_area(
        ctx.t("evidence.links"),
        key=f"{key}_links",
        height=68,
        placeholder="https://",
        max_chars=config.EVIDENCE_MAX_FILES * (evidence.MAX_LINK_CHARS + 1),
    )
    st.caption(
        ctx.t(
            "evidence.limits",
            n=config.EVIDENCE_MAX_FILES,
            mb=config.EVIDENCE_MAX_MB,
            types=evidence.type_list(),
            chars=evidence.MAX_LINK_CHARS,
        )
    )
    files = [(f.name, f.getvalue()) for f in uploaded or []]
    return files, links or ""


def _md(text: object) -> str:
    """`text` shown literally in markdown (a file name or link is input, never markup)."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~:$])", r"\\\1", str(text))


def _href(url: str) -> str:
    """A checked http(s) link with the characters that would end a markdown link encoded."""
    return url.translate({ord(c): f"%{ord(c):02X}" for c in "()[]<> "})


def _size_text(size: float) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size / 1024, 0.1):.1f} KB"


def _download(ctx: Context, attachment_id: int) -> bytes:
    """The file's bytes; a damaged or missing file downloads as a text saying so."""
    try:
        return evidence.read_evidence(ctx.db, attachment_id)[1]
    except KpiError as err:
        return err.message(ctx.lang).encode("utf-8")


def evidence_rows(ctx: Context, user: User | None, rows: pd.DataFrame, key: str) -> None:
    """List attachment rows: a link or a download button for each one `user` may see; the
    number of the others (visitors see only how many there are)."""
    if rows.empty:
        st.caption(ctx.t("evidence.none"))
        return
    records = rows.to_dict("records")
    visible = [r for r in records if evidence.can_see(user, r)]
    hidden = len(records) - len(visible)
    if hidden:
        note = "evidence.hidden_visitor" if user is None else "evidence.hidden_other_units"
        st.caption(ctx.t(note, n=hidden))
    units = formatting.unit_names(query(ctx.db, "responsible_units", ctx.plan_id), ctx.lang)
    for row in visible:
        who = ctx.t(
            "evidence.by",
            user=row["user_name"],
            unit=units.get(row["unit_zh"], row["unit_zh"]) if row["unit_zh"] else "-",
            at=pd.Timestamp(row["attached_at"]).strftime("%Y-%m-%d %H:%M"),
        )
        if pd.notna(row.get("update_period")):
            who = f"{row['update_period']} · {who}"
        if row["kind"] == "link":
            link = f"[{_md(row['url'])}]({_href(row['url'])})"
            st.markdown(f":material/link: {link}  \n:gray[{_md(who)}]")
            continue
        text, button = st.columns([3, 1], vertical_alignment="center")
        size = _size_text(float(row["size_bytes"]))
        name = _md(row["file_name"])
        text.markdown(f":material/attach_file: {name} · {size}  \n:gray[{_md(who)}]")
        button.download_button(
            ctx.t("evidence.download"),
            functools.partial(_download, ctx, int(row["attachment_id"])),
            row["file_name"],
            row["media_type"],
            key=f"{key}_download_{int(row['attachment_id'])}",
            icon=":material/download:",
            on_click="ignore",
        )


def evidence_list(
    ctx: Context, user: User | None, *, batch_id: int | None = None, update_id: int | None = None
) -> None:
    """The attachments of one batch or one task update, as `evidence_rows` shows them."""
    rows = query(ctx.db, "attachments", ctx.plan_id, batch_id, update_id)
    evidence_rows(ctx, user, rows, f"evidence_{batch_id}_{update_id}")


def indicator_evidence(ctx: Context, user: User | None, indicator_code: str) -> None:
    """An expander with the attachments of the batches behind an indicator's figures."""
    rows = query(ctx.db, "indicator_attachments", ctx.plan_id, indicator_code, ctx.as_of)
    with st.expander(ctx.t("evidence.indicator", n=len(rows)), icon=":material/attach_file:"):
        evidence_rows(ctx, user, rows, f"indicator_evidence_{indicator_code}")


def task_evidence(ctx: Context, user: User | None, labels: dict[str, str]) -> None:
    """An expander to pick a sub-task with attachments (`labels`: 'g(s)' -> its label) and
    list them; nothing when no task update has any."""
    rows = query(ctx.db, "attachments", ctx.plan_id)
    rows = rows[rows["update_id"].notna()]
    if rows.empty:
        return
    keys = [
        f"{int(g)}({int(s)})" for g, s in zip(rows["group_no"], rows["subtask_no"], strict=True)
    ]
    with st.expander(ctx.t("evidence.count", n=len(rows)), icon=":material/attach_file:"):
        # In task order: '2(1)' before '10(1)'.
        options = sorted(set(keys), key=lambda k: tuple(map(int, k[:-1].split("("))))
        picked = st.selectbox(
            ctx.t("evidence.tasks_pick"),
            options,
            format_func=lambda k: f"{labels.get(k, k)} ({keys.count(k)})",
            key="tasks_evidence_pick",
        )
        chosen = rows[[k == picked for k in keys]].sort_values("attachment_id", ascending=False)
        evidence_rows(ctx, user, chosen, "tasks_evidence")

"""上报审核 / Submissions: reviewers approve or return what staff submitted; staff follow theirs."""

import streamlit as st

from kpi.auth import permissions
from kpi.base.values import is_missing
from kpi.measure import consequences
from kpi.outputs import entry_tables, formatting, review_tables
from kpi.store import review
from kpi.web import cache, context, evidence, widgets, writes

user, ctx = writes.open_page("submissions", "submissions.title")
t, lang = ctx.t, ctx.lang
reviewer = permissions.can(user, "review")
units = formatting.unit_names(cache.query(ctx.db, "responsible_units", ctx.plan_id), lang)


def review_form(batch_id: int) -> None:
    """Approve, or return with a reason (required for a return only)."""
    with st.form("submissions_review", enter_to_submit=False):
        reason = st.text_area(
            t("submissions.reason"),
            max_chars=review.MAX_REASON_CHARS,
            help=t("submissions.reason_help"),
            key="submissions_reason",
        )
        left, right = st.columns(2)
        approve = left.form_submit_button(t("submissions.approve"), type="primary")
        send_back = right.form_submit_button(t("submissions.return"))
    if approve:
        writes.run(
            lambda: review.approve(ctx.db, user, batch_id),
            lang,
            success=lambda r: t("submissions.approved", batch=r.batch_id, n=r.figures_written),
            reset={"submissions_reason": ""},
        )
    elif send_back:
        writes.run(
            lambda: review.reject(ctx.db, user, batch_id, reason),
            lang,
            success=t("submissions.returned", batch=batch_id),
            reset={"submissions_reason": ""},
        )


def preview(batch_id: int, pending: bool) -> None:
    """The batch's rows against the figures in force; for a pending one what approving would
    change (completion and light, before -> after); its evidence."""
    _, diff = review.read_submission(ctx.db, user, batch_id)
    names = {n: cache.query(ctx.db, n, ctx.plan_id) for n in ("indicators", "sectors", "districts")}
    title = t("submissions.rows", batch=batch_id)
    st.subheader(title)
    st.caption(t("submissions.rows_caption"))
    shown = review_tables.rows_table(diff, **names, lang=lang)
    widgets.data_table(ctx, shown, f"submission_{batch_id}", title)
    if pending:
        rows = review.read_submitted_rows(ctx.db, user, batch_id)
        effect = consequences.read_consequences(ctx.db, ctx.plan_id, rows)
        st.markdown(f"**{t('submissions.consequences')}**")
        widgets.data_table(
            ctx,
            entry_tables.consequence_table(effect, **names, lang=lang),
            f"submission_effect_{batch_id}",
            t("submissions.consequences"),
        )
    evidence.evidence_list(ctx, user, batch_id=batch_id)


def returned(row: dict) -> None:
    """The reviewer's reason, and for the clerk the way to correct and resubmit."""
    st.warning(t("submissions.returned_reason", by=row["reviewed_by"], reason=row["review_reason"]))
    if is_missing(row["resubmitted_as"]):
        # A button, as on the overview: a page link would need app.py's navigation to draw.
        if user.role == "staff" and st.button(
            t("submissions.resubmit"), icon=":material/edit_square:", key="submissions_resubmit"
        ):
            query = context.view_query(ctx, resubmit=str(int(row["batch_id"])))
            st.switch_page("pages/entry.py", query_params=query)
    else:
        st.caption(t("submissions.resubmitted_as", batch=int(row["resubmitted_as"])))


# ------------------------------------------------------------------ the page
st.caption(t("submissions.intro_reviewer" if reviewer else "submissions.intro_staff"))
queue = review.read_submissions(ctx.db, ctx.plan_id, user)
if queue.empty:
    st.info(t("submissions.none"))
    st.stop()
pending = int((queue["review_state"] == review.PENDING).sum())
st.columns([1, 3])[0].metric(t("submissions.pending"), pending, border=True)
title = t("submissions.queue")
widgets.data_table(ctx, review_tables.submissions_table(queue, lang, units), "submissions", title)
rows = {int(r["batch_id"]): r for r in queue.to_dict("records")}
picked = st.selectbox(
    t("submissions.pick"),
    list(rows),
    format_func=lambda b: review_tables.submission_label(rows[b], lang, units),
    key="submissions_pick",
)
row = rows[picked]
if row["review_state"] == review.RETURNED:  # the reason first: it says what to correct
    returned(row)
preview(picked, row["review_state"] == review.PENDING)
if row["review_state"] == review.PENDING and reviewer:
    review_form(picked)
elif row["review_state"] == review.PENDING:
    st.info(t("submissions.waiting"))

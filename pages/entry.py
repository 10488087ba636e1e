"""在线填报 / Online entry: the unit's indicators for the due quarter in a grid; draft, submit.

The grid becomes a CSV with the reader's headers and goes through the same check, messages,
preview and write as an uploaded file (kpi.web.submit)."""

import streamlit as st

from kpi.base.errors import KpiError
from kpi.measure import tracking
from kpi.outputs import entry_tables, upload_template
from kpi.store import drafts, intake, review
from kpi.web import submit, writes

user, ctx = writes.open_page("upload", "entry.title")
t, lang = ctx.t, ctx.lang
if st.session_state.pop("entry_done", None) is not None:
    st.query_params.pop("resubmit", None)  # the returned batch has been answered

# ?resubmit=<batch> (from the submissions page): start from a returned batch's rows.
resubmit, submitted = None, None
if raw := st.query_params.get("resubmit"):
    try:
        resubmit = int(raw)
        submitted = review.read_submitted_rows(ctx.db, user, resubmit)
    except (ValueError, KpiError) as err:
        st.error(err.message(lang) if isinstance(err, KpiError) else t("entry.bad_resubmit"))
        st.stop()
due = tracking.reporting_period(ctx.plan)
period = str(submitted["period"].max()) if submitted is not None and len(submitted) else due
extra = entry_tables.submitted_keys(submitted) if submitted is not None else []
rows = upload_template.read_unit_rows(ctx.db, ctx.plan_id, user, period=period, extra_keys=extra)
st.caption(t("entry.intro", period=period))
if resubmit is not None:
    st.info(t("entry.resubmitting", batch=resubmit, period=period))
if rows.empty:
    st.warning(t("entry.nothing"))
    st.stop()

# The grid starts from the returned batch, else the saved draft, once per session: the editor
# keeps the edits made on top of it across reruns.
scope = f"{period}_{resubmit or 0}"
base_key, grid_key = f"entry_base_{scope}", f"entry_grid_{scope}"
if base_key not in st.session_state:
    draft = None if submitted is not None else drafts.load_draft(ctx.db, user, ctx.plan_id, period)
    base = entry_tables.prefill(submitted, rows) if submitted is not None else []
    st.session_state[base_key] = (draft.rows if draft else base, draft.saved_at if draft else None)
base, saved_at = st.session_state[base_key]
if saved_at is not None:
    st.caption(t("entry.draft_loaded", at=f"{saved_at:%Y-%m-%d %H:%M}"))
labels = {c: t(f"entry.col.{c}") for c in entry_tables.GRID_COLUMNS}
edited = st.data_editor(
    entry_tables.entry_grid(rows, lang, base),
    key=grid_key,
    hide_index=True,
    num_rows="fixed",
    placeholder="",  # an empty cell is empty, not "None"
    height=min(38 + 35 * len(rows), 560),
    column_order=entry_tables.GRID_COLUMNS,
    disabled=[c for c in entry_tables.GRID_COLUMNS if c not in entry_tables.EDITABLE],
    column_config={
        **{
            c: st.column_config.Column(labels[c])
            for c in ("indicator", "breakdown", "basis", "unit")
        },
        **{
            c: st.column_config.NumberColumn(labels[c], min_value=0.0, format="%g")
            for c in ("previous_cumulative", "previous_quarter", "this_quarter", "cumulative")
        },
        "note": st.column_config.TextColumn(labels["note"], max_chars=200),
    },
)
st.caption(t("entry.grid_help"))
save, check, discard = st.columns(3)
if save.button(t("entry.save_draft"), key="entry_save", icon=":material/save:"):
    writes.run(
        lambda: drafts.save_draft(
            ctx.db, user, ctx.plan_id, period, entry_tables.draft_rows(edited)
        ),
        lang,
        success=lambda d: t("entry.draft_saved", at=f"{d.saved_at:%Y-%m-%d %H:%M}"),
    )
if check.button(t("entry.check"), key="entry_run_check", type="primary", icon=":material/rule:"):
    st.session_state["entry_checking"] = True
if saved_at is not None and discard.button(t("entry.discard"), key="entry_discard"):
    writes.run(
        lambda: drafts.delete_draft(ctx.db, user, ctx.plan_id, period),
        lang,
        success=t("entry.discarded"),
        forget=[base_key, grid_key, "entry_checking"],
    )

if st.session_state.get("entry_checking"):
    if entry_tables.filled(edited).empty:
        st.info(t("entry.empty"))
        st.stop()
    content = entry_tables.grid_csv(edited, rows, period)
    checked = submit.run_check(ctx, user, "entry", content, t("entry.file_name", period=period))
    submit.show_check(ctx, checked, "entry", labels=True)
    submit.commit_controls(
        ctx,
        user,
        checked,
        "entry",
        label=t("entry.submit"),
        entry="form",
        resubmits=resubmit,
        after=lambda batch: drafts.delete_draft(ctx.db, user, ctx.plan_id, period),
        success=lambda batch: t(
            "entry.submitted" if intake.needs_review(user) else "upload.committed", batch=batch
        ),
        state={"entry_done": lambda batch: batch},
        forget=[base_key, grid_key, "entry_checking"],
    )

"""目标调整 / Target edits (admins only): change a target or milestone with a written reason."""

import streamlit as st

from kpi.base import i18n
from kpi.outputs import formatting, reference_tables
from kpi.store import target_edits
from kpi.web import cache, widgets, writes

# Before anything is drawn: only administrators get past this line.
user, ctx = writes.open_page("edit_targets", "targets.title")
t, lang = ctx.t, ctx.lang
st.info(t("targets.intro", n=target_edits.MIN_REASON_CHARS), icon=":material/info:")

rows = target_edits.read_editable_rows(ctx.db, ctx.plan_id)
indicators = cache.query(ctx.db, "indicators", ctx.plan_id)
sectors = cache.query(ctx.db, "sectors", ctx.plan_id)
meta = indicators.set_index("indicator_code").to_dict("index")
sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}

st.subheader(t("targets.list"))
widgets.data_table(
    ctx,
    reference_tables.targets_table(rows, indicators, sectors, lang, admin=True),
    "targets_in_force",
    t("targets.list"),
    height=300,
)

# ------------------------------------------------------------------ the edit form
st.subheader(t("targets.form"))
records = rows.to_dict("records")
picked = st.selectbox(
    t("targets.pick"),
    range(len(records)),
    format_func=lambda i: reference_tables.row_label(
        records[i], meta[records[i]["indicator_code"]], sector_names, lang
    ),
    key="targets_pick",
)
row = records[picked]
ind = meta[row["indicator_code"]]
unit = i18n.unit(ind, lang)
st.caption(
    t(
        "targets.current",
        value=formatting.format_value(row["value"], ind, lang),
        cited=formatting.format_value(row["source_value"], ind, lang),
        source=f"{row['doc_no'] or row['source_id']} {row['source_ref']}",
    )
)
if formatting.is_edited(row):
    st.caption(formatting.edit_text(row, ind, lang))
scaled = float(ind.get("display_factor") or 1) != 1
with st.form("targets_form", clear_on_submit=False, enter_to_submit=False):
    shown = st.number_input(
        t("targets.new_value", unit=unit),
        min_value=0.0,
        value=target_edits.to_display(row["value"], ind),
        step=0.01 if scaled else 1.0,
        format="%g",
        help=t("targets.new_value_help", unit=unit, canonical=i18n.unit(ind, lang, display=False)),
        # Per row and value in force, so it starts at that row's value, also after a save.
        key=f"targets_value_{picked}_{row['value']:g}",
    )
    reason = st.text_area(
        t("targets.reason", n=target_edits.MIN_REASON_CHARS),
        max_chars=target_edits.MAX_REASON_CHARS,
        key="targets_reason",
    )
    revert = st.checkbox(t("targets.revert"), key="targets_revert")
    sure = st.checkbox(t("targets.confirm"), key="targets_confirm")
    submitted = st.form_submit_button(t("targets.submit"), type="primary")


def save() -> tuple[int, float]:
    """Record the edit (or the revert); returns its id and the value now in force."""
    key = target_edits.TargetKey.of(row)
    if revert:
        edit_id = target_edits.revert_target(ctx.db, user, ctx.plan_id, key, reason)
        return edit_id, row["source_value"]
    new_value = target_edits.to_canonical(shown, ind)
    edit_id = target_edits.edit_target(
        ctx.db, user, ctx.plan_id, key, new_value, reason, expected_value=row["value"]
    )
    return edit_id, new_value


if submitted and not sure:
    st.error(t("targets.confirm_missing"))
elif submitted:
    writes.run(
        save,
        lang,
        success=lambda done: t(
            "targets.saved",
            id=done[0],
            old=formatting.format_value(row["value"], ind, lang),
            new=formatting.format_value(done[1], ind, lang),
        ),
        # After a save: empty the form.
        reset={"targets_reason": "", "targets_revert": False, "targets_confirm": False},
    )

# ------------------------------------------------------------------ history
st.subheader(t("targets.history"))
edits = target_edits.read_target_edits(ctx.db, ctx.plan_id)
if edits.empty:
    st.info(t("targets.history_none"))
else:
    widgets.data_table(
        ctx,
        reference_tables.edit_history_table(edits, indicators, sectors, lang),
        "target_edits",
        t("targets.history"),
    )

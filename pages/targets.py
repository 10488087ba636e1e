"""目标调整 / Target edits (admins only): change a target or milestone with a written reason."""

import streamlit as st

from kpi import admin, auth, i18n, intake, ui, views
from kpi.auth_ui import guard

# Before anything is drawn: only administrators get past this line.
user = guard("edit_targets", ui.current_lang())
ctx = ui.page_setup()
t, lang = ctx.t, ctx.lang
st.title(t("targets.title"))
if ctx.plan_id is None:
    st.stop()
st.caption(i18n.name(ctx.plan, lang))
st.info(t("targets.intro", n=admin.MIN_REASON_CHARS), icon=":material/info:")
if flash := st.session_state.pop("targets_flash", None):
    st.success(flash)
# After a save: empty the form (set before the widgets exist, so the browser shows it too).
for name, value in st.session_state.pop("targets_reset", {}).items():
    st.session_state[name] = value

rows = admin.read_editable_rows(ctx.db, ctx.plan_id)
indicators = ui.query(ctx.db, "indicators", ctx.plan_id)
sectors = ui.query(ctx.db, "sectors", ctx.plan_id)
meta = indicators.set_index("indicator_code").to_dict("index")
sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}

st.subheader(t("targets.list"))
ui.data_table(
    ctx,
    admin.targets_overview_table(rows, indicators, sectors, lang),
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
    format_func=lambda i: admin.row_label(
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
        value=views.format_value(row["value"], ind, lang),
        cited=views.format_value(row["source_value"], ind, lang),
        source=f"{row['doc_no'] or row['source_id']} {row['source_ref']}",
    )
)
if views.is_edited(row):
    st.caption(views.edit_text(row, ind, lang))
scaled = float(ind.get("display_factor") or 1) != 1
with st.form("targets_form", clear_on_submit=False):
    shown = st.number_input(
        t("targets.new_value", unit=unit),
        min_value=0.0,
        value=admin.to_display(row["value"], ind),
        step=0.01 if scaled else 1.0,
        format="%g",
        help=t("targets.new_value_help", unit=unit, canonical=i18n.unit(ind, lang, display=False)),
        # Per row and value in force, so it starts at that row's value, also after a save.
        key=f"targets_value_{picked}_{row['value']:g}",
    )
    reason = st.text_area(
        t("targets.reason", n=admin.MIN_REASON_CHARS),
        max_chars=admin.MAX_REASON_CHARS,
        key="targets_reason",
    )
    revert = st.checkbox(t("targets.revert"), key="targets_revert")
    sure = st.checkbox(t("targets.confirm"), key="targets_confirm")
    submitted = st.form_submit_button(t("targets.submit"), type="primary")
if submitted:
    key = admin.TargetKey.of(row)
    try:
        if not sure:
            raise intake.IntakeRefused(t("targets.confirm_missing"), t("targets.confirm_missing"))
        if revert:
            edit_id = admin.revert_target(ctx.db, user, ctx.plan_id, key, reason)
            new_value = row["source_value"]
        else:
            new_value = admin.to_canonical(shown, ind)
            edit_id = admin.edit_target(
                ctx.db, user, ctx.plan_id, key, new_value, reason, expected_value=row["value"]
            )
    except (auth.PermissionDenied, intake.RetryLater, intake.IntakeRefused) as err:
        st.error(err.message(lang))
    else:
        ui.clear_caches()
        st.session_state["targets_flash"] = t(
            "targets.saved",
            id=edit_id,
            old=views.format_value(row["value"], ind, lang),
            new=views.format_value(new_value, ind, lang),
        )
        st.session_state["targets_reset"] = {
            "targets_reason": "",
            "targets_revert": False,
            "targets_confirm": False,
        }
        st.rerun()

# ------------------------------------------------------------------ history
st.subheader(t("targets.history"))
edits = admin.read_target_edits(ctx.db, ctx.plan_id)
if edits.empty:
    st.info(t("targets.history_none"))
else:
    ui.data_table(
        ctx,
        admin.edit_history_table(edits, indicators, sectors, lang),
        "target_edits",
        t("targets.history"),
    )

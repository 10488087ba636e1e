"""终期评估 / Final evaluation: the report on screen, with its PDF and DOCX."""

import functools

import streamlit as st

from kpi.outputs import final_report
from kpi.store import evidence
from kpi.web import cache, context, signin, widgets

ctx = context.page_setup()
context.page_header(ctx, "final.nav")
if ctx.plan_id is None:
    st.stop()

as_of = final_report.report_as_of(ctx.plan, ctx.as_of)
with_evidence = evidence.sees_all(signin.current_user())  # attachment names: as on the pages
st.caption(ctx.t("final.page.help", end=ctx.plan["end_period"]))
st.caption(ctx.t("final.page.as_of", as_of=as_of))
version = cache.db_version(ctx.db)

stem = widgets.report_stem(ctx.plan_id, as_of, ctx.lang)
for column, fmt in zip(st.columns(2, width=460), ("pdf", "docx"), strict=True):
    widgets.file_button(
        ctx,
        column,
        f"final.page.{fmt}",
        functools.partial(
            final_report.final_file,
            ctx.db,
            ctx.plan_id,
            as_of,
            ctx.lang,
            fmt,
            version=version,
            with_evidence=with_evidence,
        ),
        f"final-{stem}.{fmt}",
        f"final_{fmt}",
    )

with st.spinner(ctx.t("final.page.building")):
    report, sections = cache.load_final_screen(ctx.db, ctx.plan_id, as_of, ctx.lang, with_evidence)
if report.demo_notice:
    st.warning(report.demo_notice)
st.header(report.title)
st.caption(report.subtitle)

# The report as a few HTML blocks, one table shown per long section: the browser's time to draw a
# rerun grows with the number of elements (about 3 ms each).
blocks = [final_report.screen_html(ctx.t("document.summary"), report.summary_paragraphs)]
for number, section in enumerate(sections):
    if len(section.tables) <= 3:
        blocks.append(final_report.screen_html(section.heading, section.paragraphs, section.tables))
        continue
    # One table per task group: the reader picks one.
    st.html("".join([*blocks, final_report.screen_html(section.heading, section.paragraphs)]))
    blocks = []
    captions = [caption for caption, _ in section.tables]
    chosen = st.selectbox(
        ctx.t("final.page.choose_table"),
        range(len(captions)),
        format_func=captions.__getitem__,
        key=f"final_tables_{number}",
    )
    st.html(section.tables[chosen][1])
if blocks:
    st.html("".join(blocks))

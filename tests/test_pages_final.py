"""AppTest runs of the final evaluation page (终期评估) against a demo database, both languages."""

from pathlib import Path

import page_html
import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.outputs import final_report
from kpi.web import context, widgets

pytestmark = pytest.mark.page

PAGE = "../pages/final.py"
PLAN = "zhanjiang-dt-2023"


@pytest.fixture
def demo_env(module_demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(module_demo_store))
    return module_demo_store


def _run(lang: str, as_of: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state[context.PLAN_KEY] = PLAN
    if as_of:
        at.session_state[context.AS_OF_KEY] = as_of
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_final_page_shows_the_report_and_its_downloads_when_run(
    demo_env: Path, downloads: dict, lang: str
) -> None:
    at = _run(lang)
    assert at.title[0].value == i18n.t("final.nav", lang)
    assert at.header[0].value == i18n.t("final.report.title", lang)
    report = final_report.build_report(demo_env, PLAN, None, lang, with_evidence=False)
    # The report is drawn as HTML: its headings in order, each as written.
    assert page_html.headings(at) == [i18n.t("document.summary", lang)] + [
        s.heading for s in report.sections
    ]
    assert len(at.get("html")) <= 3  # a few blocks, not an element per heading and table
    assert i18n.t("final.report.demo_notice", lang) in [w.value for w in at.warning]
    assert set(downloads) == {"final_pdf", "final_docx"}
    assert downloads["final_pdf"][1] == f"final-{PLAN}-2025Q4-{lang}.pdf"
    # The completion table of the report is on the page as it is printed.
    shown = page_html.plain_tables(at)[0]
    assert list(shown.columns) == list(report.sections[0].tables[0].data.columns)


def test_final_page_download_builds_the_docx_when_clicked(demo_env: Path, downloads: dict) -> None:
    _run("en")
    build, name = downloads["final_docx"]
    assert name.endswith(".docx") and build()[:2] == b"PK"


def test_final_page_is_an_interim_reading_when_an_earlier_quarter_is_chosen(
    demo_env: Path,
) -> None:
    at = _run("zh", as_of="2024Q4")
    assert at.header[0].value == i18n.t("final.report.title_interim", "zh", as_of="2024Q4")


def _is_shown(table, at: AppTest) -> bool:
    """Whether a report table is on the page: its columns, and its first column's cells as
    shown (symbols in shaded cells), in a grid or a plain table."""
    frame, _ = final_report.screen_cells(table)
    return any(
        list(t.columns) == list(frame.columns)
        and list(t.iloc[:, 0].astype(str)) == list(frame.iloc[:, 0].astype(str))
        for t in page_html.tables(at)
    )


def test_a_long_section_shows_the_one_table_chosen(demo_env: Path) -> None:
    report = final_report.build_report(demo_env, PLAN, None, "zh", with_evidence=False)
    number, section = next((n, s) for n, s in enumerate(report.sections) if len(s.tables) > 3)
    at = _run("zh")
    shown = sum(len(s.tables) if len(s.tables) <= 3 else 1 for s in report.sections)
    assert len(page_html.tables(at)) == shown
    picker = at.selectbox(key=f"final_tables_{number}")
    assert picker.options == [t.caption for t in section.tables]
    assert _is_shown(section.tables[0], at) and not _is_shown(section.tables[2], at)
    picker.set_value(2).run()
    assert len(page_html.tables(at)) == shown
    assert _is_shown(section.tables[2], at) and not _is_shown(section.tables[0], at)


def test_report_tables_are_plain_tables_as_printed(demo_env: Path) -> None:
    at = _run("zh")
    plain = page_html.plain_tables(at)
    assert plain and not at.dataframe
    assert any(len(t) > widgets.SHORT_TABLE_ROWS for t in plain)  # long ones too, whole

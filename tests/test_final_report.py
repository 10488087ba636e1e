"""The final evaluation report (终期评估报告) end to end: built from the demo store, rendered to PDF
and DOCX, then read back (pdftotext, python-docx). The report has no charts: no chromium needed."""

import io
import re
import subprocess
from pathlib import Path

import docx.table
import pytest
from docx import Document

from kpi.base import i18n
from kpi.measure import assessment, progress
from kpi.measure import tasks as measure_tasks
from kpi.measure.tasks import DELAYED, DONE, IN_PROGRESS, NO_UPDATE, NOT_STARTED
from kpi.outputs import bulletin, bulletin_render, final_report, formatting
from kpi.store import db, queries

PLAN = "zhanjiang-dt-2023"
END = "2025Q4"
SECOND_PLAN = "guangzhou-dt-draft"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _docx_text(data: bytes) -> str:
    """Every paragraph, table cell and page header of a DOCX, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for section in doc.sections for p in section.header.paragraphs]
    for block in doc.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, docx.table.Table):
            lines += [cell.text for row in block.rows for cell in row.cells]
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _pdf_text(data: bytes, tmp: Path, *options: str) -> str:
    path = tmp / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def store(store_copy) -> Path:
    return store_copy(True, "final")


@pytest.fixture(scope="module")
def files(store: Path) -> dict[str, dict[str, bytes]]:
    """lang -> {'pdf': ..., 'docx': ...}, each language rendered once."""
    return {lang: final_report.final_files(store, PLAN, None, lang) for lang in i18n.LANGS}


@pytest.fixture(scope="module")
def docx_files(files) -> dict[str, bytes]:
    return {lang: both["docx"] for lang, both in files.items()}


@pytest.fixture(scope="module")
def rendered(files, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, str]:
    """(lang, format) -> the text of the rendered file."""
    tmp = tmp_path_factory.mktemp("rendered")
    texts = {}
    for lang, both in files.items():
        texts[(lang, "pdf")] = _pdf_text(both["pdf"], tmp)
        texts[(lang, "docx")] = _docx_text(both["docx"])
    return texts


def _table_after(doc, caption: str):
    """The DOCX table under the caption paragraph that ends with `caption`."""
    blocks = list(doc.iter_inner_content())
    at = next(i for i, b in enumerate(blocks) if getattr(b, "text", "").endswith(caption))
    return next(b for b in blocks[at:] if isinstance(b, docx.table.Table))


@pytest.fixture(scope="module")
def inputs(store: Path) -> final_report.FinalInputs:
    with db.read(store) as con:
        return final_report.read_final_inputs(con, PLAN)


FORMATS = [(lang, fmt) for lang in i18n.LANGS for fmt in ("pdf", "docx")]


# ------------------------------------------------------------------ content, read back


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_indicator_is_named_with_its_completion_in_the_pdf(
    rendered, inputs, lang: str
) -> None:
    text = _squash(rendered[(lang, "pdf")])
    start = text.index(_squash(i18n.t("bulletin.indicators_table", lang, as_of=END)))
    table = text[start : text.index(_squash(i18n.t("final.report.section.conflicts", lang)))]
    # pdftotext interleaves cells that wrap with their neighbours: each word of the name (each
    # character in Chinese) must be in the table, and the completion with it.
    for row in inputs.inputs.status.to_dict("records"):
        words = re.findall(r"[A-Za-z0-9]+|[\u4e00-\u9fff]", i18n.name(row, lang))
        assert all(word in table for word in words), i18n.name(row, lang)
        assert formatting.format_pct(row["completion"]) in table, i18n.name(row, lang)


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_indicator_has_its_completion_on_its_row_in_the_docx(
    docx_files, inputs, lang: str
) -> None:
    caption = i18n.t("bulletin.indicators_table", lang, as_of=END)
    doc = Document(io.BytesIO(docx_files[lang]))
    table = _table_after(doc, caption)
    header = [c.text for c in table.rows[0].cells]
    name, completion = (
        header.index(i18n.t("col.indicator", lang)),
        header.index(i18n.t("col.completion", lang)),
    )
    rows = {r.cells[name].text: r.cells[completion].text for r in table.rows[1:]}
    for row in inputs.inputs.status.to_dict("records"):
        shown = rows[i18n.name(row, lang)]
        assert shown.startswith(formatting.format_pct(row["completion"]))


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "fmt"), FORMATS)
def test_5g_conflict_shows_both_targets_and_which_is_used(rendered, lang: str, fmt: str) -> None:
    text = _squash(rendered[(lang, fmt)]).replace(",", "")
    section = text[text.index(_squash(i18n.t("final.report.section.conflicts", lang))) :]
    both = ("1.8万座", "1.86万座") if lang == "zh" else ("18000sites", "18600sites")
    for value in both:
        assert value in section
    assert _squash(i18n.t("col.default", lang)) in section  # which one is used
    assert "湛府办〔2022〕32号" in section  # the other source, by its document number


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "fmt"), FORMATS)
def test_demo_label_is_in_the_report_when_demo_figures(rendered, lang: str, fmt: str) -> None:
    text = rendered[(lang, fmt)]
    notice = i18n.t("final.report.demo_notice", lang)
    if fmt == "pdf":  # on every page
        pages = [page for page in text.split("\f") if page.strip()]
        assert all(notice in page for page in pages)
    else:  # in the page header
        assert notice in text


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_unit_scorecard_row_is_in_the_docx(docx_files, inputs, lang: str) -> None:
    row = final_report.unit_scorecard(inputs).iloc[0]
    doc = Document(io.BytesIO(docx_files[lang]))
    table = _table_after(doc, i18n.t("final.report.units_table", lang))
    assert [c.text for c in table.rows[1].cells] == [
        row[i18n.column("unit", lang)],
        str(row["indicators"]),
        str(row["indicators_achieved"]),
        str(row["indicators_missed"]),
        str(row["indicators_grey"]),
        str(row["n_subtasks"]),
        str(row[DONE]),
        str(row[DELAYED]),
        str(row[NOT_STARTED]),
        formatting.format_pct(row["completion_rate"] * 100),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_task_group_lists_its_subtasks_with_their_final_state(
    rendered, files, inputs, lang: str, tmp_path: Path
) -> None:
    """In the DOCX a sub-task's cells follow each other; in the PDF (read as laid out) its
    state is on the first line of its row."""
    group = inputs.board[inputs.board["group_no"] == 1]
    states = {
        r["task_ref"]: i18n.t(f"final.report.state.{r['state']}", lang)
        for r in group.to_dict("records")
    }
    text = _squash(rendered[(lang, "docx")])
    section = text[text.index(_squash(i18n.t("final.report.section.tasks", lang))) :]
    start = section.index(_squash(f"1 {group[i18n.column('group_name', lang)].iloc[0]}"))
    for ref, state in states.items():
        at = section.index(ref, start)
        assert _squash(state) in section[at : at + 600], ref
    laid_out = _pdf_text(files[lang]["pdf"], tmp_path, "-layout")
    lines = laid_out[laid_out.index(i18n.t("final.report.section.tasks", lang)) :].splitlines()
    for ref, state in states.items():
        row = next(line for line in lines if line.strip().startswith(f"{ref} "))
        assert state in row, ref


# ------------------------------------------------------------------ one definition per number


def test_completion_equals_assessment_and_bulletin_when_same_quarter(store: Path) -> None:
    with db.read(store) as con:
        status = assessment.indicator_status(con, PLAN, END).set_index("indicator_code")
    report = final_report.build_report(store, PLAN, END, "zh")
    quarterly = bulletin.build_bulletin(store, PLAN, END, "zh")
    mine = report.sections[0].tables[0].data
    theirs = quarterly.sections[0].tables[0].data
    column, name = i18n.t("col.completion", "zh"), i18n.t("col.indicator", "zh")
    row = status.loc["base_stations_5g"]
    shown = mine.set_index(name).loc[i18n.name(row.to_dict(), "zh"), column]
    assert shown == theirs.set_index(name).loc[i18n.name(row.to_dict(), "zh"), column]
    assert shown.startswith(formatting.format_pct(row["completion"]))
    assert (mine[column].tolist(), mine[name].tolist()) == (
        theirs[column].tolist(),
        theirs[name].tolist(),
    )


def test_the_other_side_of_a_conflict_is_assessed_against_its_own_target(inputs) -> None:
    rows = final_report.conflict_rows(inputs)
    five_g = [
        r for r in rows.to_dict("records") if r["indicator"]["indicator_code"] == "base_stations_5g"
    ]
    used, other = five_g
    assert (used["target_row"]["value"], other["target_row"]["value"]) == (18000.0, 18600.0)
    status = inputs.inputs.status.set_index("indicator_code").loc["base_stations_5g"]
    assert used["result"]["completion"] == status["completion"]
    baseline, actual = status["baseline"], status["actual"]
    assert other["result"]["completion"] == pytest.approx(
        progress.completion(actual, baseline, 18600.0)
    )
    assert other["result"]["light"] == "missed"


def test_smart_equipment_conflict_sets_sector_sum_against_the_city_target(inputs) -> None:
    rows = final_report.conflict_rows(inputs)
    values = [
        r["target_row"]["value"]
        for r in rows.to_dict("records")
        if r["indicator"]["indicator_code"] == "smart_equipment"
    ]
    assert values == [1600.0, 1380.0]  # the 附件1 row restating 1600 is not another side


# ------------------------------------------------------------------ rules


@pytest.mark.parametrize(
    ("status", "final", "state"),
    [
        (DONE, True, DONE),
        (DONE, False, DONE),
        (IN_PROGRESS, True, DELAYED),
        (IN_PROGRESS, False, IN_PROGRESS),
        (DELAYED, True, DELAYED),
        (DELAYED, False, DELAYED),
        (NOT_STARTED, True, NOT_STARTED),
        (NO_UPDATE, True, NOT_STARTED),
        (NO_UPDATE, False, NOT_STARTED),
    ],
)
def test_final_state_follows_the_stated_rule(status: str, final: bool, state: str) -> None:
    assert final_report.final_state(status, final) == state


def test_unit_scorecard_counts_in_progress_as_late_when_the_plan_ended(inputs) -> None:
    raw = measure_tasks.unit_scorecard(inputs.inputs.board).set_index("unit_zh").sort_index()
    card = final_report.unit_scorecard(inputs).set_index("unit_zh").sort_index()
    assert (card[DONE] == raw[DONE]).all()
    assert (card[DELAYED] == raw[DELAYED] + raw[IN_PROGRESS]).all()
    assert (card[NOT_STARTED] == raw[NOT_STARTED] + raw[NO_UPDATE]).all()


@pytest.mark.parametrize(
    ("as_of", "expected"), [(None, END), ("2026Q2", END), (END, END), ("2024Q3", "2024Q3")]
)
def test_report_is_taken_at_the_end_quarter_unless_earlier(as_of, expected: str) -> None:
    plan = {"end_period": END}
    assert final_report.report_as_of(plan, as_of) == expected


def test_report_says_interim_reading_when_before_the_end(store: Path) -> None:
    report = final_report.build_report(store, PLAN, "2024Q4", "en")
    assert report.title == i18n.t("final.report.title_interim", "en", as_of="2024Q4")
    assert "interim reading as of 2024Q4" in report.summary_paragraphs[0]
    states = report.sections[3].tables[0].data.columns
    assert i18n.t("final.report.state.in_progress", "en") in states


def test_report_after_the_end_uses_the_end_quarter_figures(store: Path) -> None:
    later = final_report.build_report(store, PLAN, "2027Q1", "zh")
    at_end = final_report.build_report(store, PLAN, END, "zh")
    assert later.summary_paragraphs == at_end.summary_paragraphs


def test_report_without_data_says_no_data_and_has_no_demo_label(empty_db: Path) -> None:
    report = final_report.build_report(empty_db, PLAN, None, "zh")
    assert report.demo_notice is None
    assert "无数据26项" in report.summary_paragraphs[0]
    state = i18n.t("final.report.state.not_started", "zh")
    group = report.sections[3].tables[1].data
    assert set(group[i18n.t("final.report.col.state", "zh")]) == {state}


# ------------------------------------------------------------------ evidence


def _attach_link(path: Path) -> str:
    """A link attached to the latest update of sub-task 1(2); returns the link."""
    url = "https://example.org/evidence/1-2.pdf"
    with db.connect(path) as con:
        update = con.execute(
            "select max(update_id) from task_updates where plan_id = ? and group_no = 1 "
            "and subtask_no = 2 and period <= ?",
            [PLAN, END],
        ).fetchone()[0]
        row = {
            "plan_id": PLAN,
            "batch_id": None,
            "update_id": update,
            "kind": "link",
            "file_name": None,
            "sha256": None,
            "size_bytes": None,
            "media_type": None,
            "url": url,
            "user_name": "staff",
            "unit_zh": "市工业和信息化局",
        }
        queries.insert_attachment(con, row)
    return url


@pytest.mark.parametrize("with_evidence", [True, False])
def test_attachments_are_named_only_for_those_who_may_see_them(
    demo_db: Path, with_evidence: bool
) -> None:
    url = _attach_link(demo_db)
    report = final_report.build_report(demo_db, PLAN, None, "en", with_evidence=with_evidence)
    group = report.sections[3].tables[1].data.set_index(i18n.t("col.task_ref", "en"))
    cell = group.loc["1(2)", i18n.t("col.evidence", "en")]
    hidden = i18n.t("final.report.attachments_hidden", "en", n=1)
    assert (url in cell, hidden in cell) == (with_evidence, not with_evidence)


# ------------------------------------------------------------------ files and other plans


def test_final_files_returns_the_formats_asked_for(store: Path) -> None:
    files = final_report.final_files(store, PLAN, None, "zh", formats=("docx",))
    assert list(files) == ["docx"] and files["docx"][:2] == b"PK"
    with pytest.raises(ValueError):
        final_report.final_files(store, PLAN, None, "zh", formats=("html",))


def test_a_download_renders_only_its_format_from_one_report_per_version(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = []
    render_files = bulletin_render.render_files

    def counted(report, formats, **kwargs):
        rendered.append(tuple(formats))
        return render_files(report, formats, **kwargs)

    monkeypatch.setattr(bulletin_render, "render_files", counted)
    built = final_report._cached_report.cache_info().misses
    args = (str(store), PLAN, END, "zh")
    first = final_report.final_file(*args, "docx", version=("docx-test", 1))
    again = final_report.final_file(*args, "docx", version=("docx-test", 1))
    assert first == again and first[:2] == b"PK"
    assert rendered == [("docx",)]  # not the PDF, 2-2.5 s more, which nobody asked for
    final_report.final_file(*args, "docx", version=("docx-test", 2))  # after a write
    assert rendered == [("docx",), ("docx",)]
    assert final_report._cached_report.cache_info().misses - built == 2


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_report_of_a_plan_without_sectors_or_conflicts(store: Path, lang: str) -> None:
    files = final_report.final_files(store, SECOND_PLAN, None, lang)
    text = _docx_text(files["docx"])
    assert i18n.t("final.report.no_conflicts", lang) in text
    assert i18n.t("bulletin.no_sectors", lang) in text
    with db.read(store) as con:
        status = assessment.indicator_status(con, SECOND_PLAN, END)
    for row in status.to_dict("records"):
        assert i18n.name(row, lang) in text


def test_screen_html_escapes_the_text_and_keeps_each_table_open_under_its_caption() -> None:
    table = '<table class="kpi-table"><tr><th>a</th></tr><tr><td>1</td></tr></table>'
    markup = final_report.screen_html(
        "一、<目标>", ["A & B <script>x</script>", "第二段"], [("表 <1>", table), ("表 2", table)]
    )
    assert "<h3>一、&lt;目标&gt;</h3>" in markup
    assert "<p>A &amp; B &lt;script&gt;x&lt;/script&gt;</p><p>第二段</p>" in markup
    assert "<script>" not in markup
    assert markup.count(f"</summary>{table}</details>") == 2
    assert "<details open><summary>表 &lt;1&gt;</summary>" in markup
    assert "<details" not in final_report.screen_html("摘要", ["一段"])

"""The quarterly bulletin end to end: built from the demo store, rendered, then read back.

PDFs are read with poppler (pdftotext, pdfimages, pdffonts, pdftoppm), DOCX with python-docx.
Chart export needs chromium: the rendered files are shared by the module (one export).
"""

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from etl_run import run_etl
from streamlit.testing.v1 import AppTest

from kpi.base import config, i18n
from kpi.outputs import bulletin, document, docx_render, fullexport, palette, pdf_render
from kpi.outputs.chart_images import ChartExporter
from kpi.outputs.docx_xml import xml_element
from kpi.store import db, loads, queries

PLAN = "zhanjiang-dt-2023"
AS_OF = "2025Q4"
ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER = str(config.browser_path())
needs_chromium = pytest.mark.skipif(
    not Path(BROWSER).is_file(), reason=f"chart export needs a chromium at {BROWSER}"
)
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
DOC_NO = re.compile(r"\S*〔\d{4}〕\d+号")  # document numbers are proper names: 湛府〔2023〕14号
LIGHT_ZH = {"red": "红灯", "yellow": "黄灯", "missed": "未达标"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _pdf_pages(path: Path) -> list[str]:
    return [page for page in _run("pdftotext", "-layout", str(path), "-").split("\f") if page]


def _fake_pngs(b: document.Bulletin) -> list[bytes]:
    """A 1x1 PNG per figure: layout checks without a browser."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")
    return [buffer.getvalue()] * len(b.figures())


# ------------------------------------------------------------------ one rendering per module


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulletin") / "demo.duckdb"
    db.ensure_database(path, with_demo=True)
    return path


@pytest.fixture(scope="module")
def status(store: Path) -> pd.DataFrame:
    """What `python -m etl status` prints, with the indicator names joined on."""
    done = run_etl("status", "--db", str(store), "--as-of", AS_OF, "--format", "json")
    assert done.returncode == 0
    frame = pd.DataFrame(json.loads(done.stdout))
    with db.connect(store) as con:
        names = queries.indicators(con, PLAN)[["indicator_code", "name_zh", "name_en"]]
    return frame.merge(names, on="indicator_code")


@pytest.fixture(scope="module")
def rendered(store: Path, chart_exporter: ChartExporter) -> dict:
    """The Chinese bulletin, its chart images, PDF and DOCX (in tests/artifacts/ for a look)."""
    # As bulletin_files does it: the PDF is laid out while chromium draws the charts.
    b = bulletin.build_bulletin(store, PLAN, AS_OF, "zh", today=dt.date(2026, 1, 15))
    figs = [f.figure for f in b.figures()]
    drawing = chart_exporter.submit(figs)
    pdf = pdf_render.render_pdf(b, images=drawing)
    images = [chart.result() for chart in drawing]
    again = chart_exporter.export(figs[1::-1])  # the same figures, other order, same tab
    docx = docx_render.render_docx(b, images=images)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bulletin-demo.pdf").write_bytes(pdf)
    (ARTIFACTS / "bulletin-demo.docx").write_bytes(docx)
    return {
        "bulletin": b,
        "images": images,
        "again": again,
        "pdf": ARTIFACTS / "bulletin-demo.pdf",
        "docx": Document(io.BytesIO(docx)),
        "pages": _pdf_pages(ARTIFACTS / "bulletin-demo.pdf"),
    }


# ------------------------------------------------------------------ summary numbers


def test_summary_counts_equal_etl_status_when_demo_data(store: Path, status) -> None:
    with db.connect(store) as con:
        inputs = bulletin.read_inputs(con, PLAN, AS_OF)
    counts = bulletin.summary_counts(inputs.status)
    expected = status["light"].value_counts()
    assert counts["total"] == len(status) == 26
    for light in ("achieved", "missed", "grey"):
        assert counts[light] == int(expected.get(light, 0)), light
    assert counts["missed"] > 0  # otherwise the chart checks prove little
    assert counts["green"] == counts["yellow"] == counts["red"] == 0  # the plan has ended


@pytest.mark.slow
@needs_chromium
def test_pdf_summary_sentence_states_etl_status_counts(rendered, status) -> None:
    n = status["light"].value_counts()
    sentence = (
        f"截至{AS_OF}，纳入监测的{len(status)}项指标中，达标{n.get('achieved', 0)}项，"
        f"未达标{n.get('missed', 0)}项，无数据{n.get('grey', 0)}项。"
    )
    assert sentence in _squash(rendered["pages"][0])
    docx_text = "\n".join(p.text for p in rendered["docx"].paragraphs)
    assert sentence in _squash(docx_text)


@pytest.mark.slow
@needs_chromium
def test_every_missed_indicator_has_a_captioned_chart(rendered, status) -> None:
    text = _squash("\n".join(rendered["pages"]))
    docx_captions = [p.text for p in rendered["docx"].paragraphs if p.style.name == "Caption"]
    behind = status[status["light"].isin(["red", "yellow", "missed"])]
    assert set(behind["light"]) == {"missed"}
    for row in behind.to_dict("records"):
        caption = f"{row['name_zh']}（{LIGHT_ZH[row['light']]}）"
        assert re.search(r"图\d+" + re.escape(_squash(caption)), text), caption
        assert any(c.endswith(caption) and c.startswith("图") for c in docx_captions), caption
    images = _run("pdfimages", "-list", str(rendered["pdf"])).splitlines()[2:]
    assert sum(line.split()[2] == "image" for line in images) >= len(behind)
    assert len(rendered["docx"].inline_shapes) >= len(behind)
    assert len(rendered["bulletin"].figures()) == len(behind)


@pytest.mark.slow
@needs_chromium
def test_pdf_embeds_noto_sans_cjk(rendered) -> None:
    listing = _run("pdffonts", str(rendered["pdf"]))
    cjk = [line.split() for line in listing.splitlines()[2:] if "Noto-Sans-CJK" in line]
    assert cjk, listing
    assert all(row[-5] == "yes" for row in cjk), listing  # the 'emb' column


@pytest.mark.slow
@needs_chromium
def test_demo_notice_on_every_pdf_page_and_in_docx_header(rendered) -> None:
    notice = _squash(rendered["bulletin"].demo_notice)
    assert "演示数据" in notice
    assert len(rendered["pages"]) >= 5
    for number, page in enumerate(rendered["pages"], start=1):
        assert notice in _squash(page), f"demo notice missing on page {number}"
    header = rendered["docx"].sections[0].header.paragraphs
    assert notice in _squash("".join(p.text for p in header))


@pytest.mark.slow
@needs_chromium
def test_docx_has_title_tables_and_every_indicator(rendered, status) -> None:
    doc = rendered["docx"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2025年第四季度进展通报" in text
    for heading in ("一、主要指标完成情况", "二、落后指标与责任单位", "三、分行业进展（专栏1）"):
        assert heading in text
    for heading in ("四、重点任务逾期情况", "五、方法说明", "六、数据来源与差异"):
        assert heading in text
    indicators = doc.tables[0]
    assert [c.text for c in indicators.rows[0].cells][:3] == ["指标", "实际", "目标"]
    assert len(indicators.rows) == len(status) + 1
    assert {r.cells[0].text for r in indicators.rows[1:]} == set(status["name_zh"])
    sector_matrix = next(t for t in doc.tables if t.rows[0].cells[0].text == "行业")
    assert len(sector_matrix.rows) == 12  # 11 sectors (专栏1) and the header
    assert "湛府〔2023〕14号" in "\n".join(c.text for t in doc.tables for c in t.columns[0].cells)


@pytest.mark.slow
@needs_chromium
def test_chart_export_without_tab_reload_is_order_independent(rendered) -> None:
    first, second = rendered["images"][:2]
    assert rendered["again"] == [second, first]
    assert first != second


@pytest.mark.slow
@needs_chromium
def test_pdf_pages_render_to_png_for_a_look(rendered) -> None:
    for page, name in ((1, "bulletin-demo-page1"), (3, "bulletin-demo-page3")):
        target = ARTIFACTS / name
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile"]
            + [str(rendered["pdf"]), str(target)],
            check=True,
        )
        png = target.with_suffix(".png")
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000


# ------------------------------------------------------------------ without a browser


def test_english_bulletin_has_no_chinese_in_headings(store: Path, status) -> None:
    b = bulletin.build_bulletin(store, PLAN, AS_OF, "en")
    doc = Document(io.BytesIO(docx_render.render_docx(b, images=_fake_pngs(b))))
    headings = [
        p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title", "Caption"))
    ]
    headings += [cell.text for table in doc.tables for cell in table.rows[0].cells]
    assert len(headings) > 40
    for text in headings:
        assert not CJK.search(DOC_NO.sub("", text)), text
    n = status["light"].value_counts()
    assert (
        f"of the 26 indicators monitored {n['achieved']} are achieved, {n['missed']} missed "
        f"and {n.get('grey', 0)} without data"
    ) in b.summary_paragraphs[0]
    assert b.demo_notice.startswith("[DEMO DATA]")


def _texts(b: document.Bulletin, sections: int) -> str:
    """The summary and the first `sections` sections: paragraphs, captions and table cells."""
    parts = list(b.summary_paragraphs)
    for section in b.sections[:sections]:
        parts += [section.heading, *section.paragraphs, *(f.caption for f in section.figures)]
        for table in section.tables:
            parts += [table.caption, *map(str, table.data.columns)]
            parts += [str(v) for v in table.data.to_numpy().ravel()]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_final_bulletin_speaks_of_achieved_and_missed_only(store: Path, lang: str) -> None:
    b = bulletin.build_bulletin(store, PLAN, AS_OF, lang)
    # Sections 1-4: the figures; the method section (5) explains the lights of earlier quarters.
    text = _texts(b, 4)
    assert i18n.light_name("green", lang) not in b.summary_paragraphs[0]
    if lang == "zh":  # in English "Green" is also a sector's name (Green steel)
        assert "绿灯" not in text
    for label in ("acceleration_needed", "on_track"):
        assert i18n.trend_name(label, lang) not in text, label
    assert i18n.light_name("missed", lang) in text


def test_bulletin_before_the_end_keeps_the_sequential_lights(store: Path) -> None:
    b = bulletin.build_bulletin(store, PLAN, "2024Q2", "zh")
    assert "绿灯" in b.summary_paragraphs[0] and "未达标" not in _texts(b, 4)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bulletin_completion_divides_to_the_percentage_shown(store: Path, lang: str) -> None:
    b = bulletin.build_bulletin(store, PLAN, AS_OF, lang)
    column = b.sections[0].tables[0].data[i18n.t("col.completion", lang)]
    checked = 0
    for cell in column:
        pct = re.match(r"(-?[\d.]+)%", cell)
        parts = re.search(r"(-?[\d,.]+) (?:/ |of )\D*?([\d,.]+)", cell)
        if pct and parts:
            done, needed = (float(x.replace(",", "")) for x in parts.groups())
            assert f"{done / needed * 100:.1f}" == pct.group(1), cell
            checked += 1
    assert checked >= 4  # 5G, 数据中心机架, 数字人才, 服务收入: measured from a baseline


def test_bulletin_without_data_has_no_charts_and_no_demo_notice(empty_db: Path) -> None:
    b = bulletin.build_bulletin(empty_db, PLAN, "2024Q2", "zh")
    assert b.demo_notice is None
    assert b.figures() == []
    assert "无数据26项" in b.summary_paragraphs[0]


def test_summary_names_the_biggest_movers_and_the_units_behind(store: Path) -> None:
    with db.connect(store) as con:
        inputs = bulletin.read_inputs(con, PLAN, "2024Q4")
    changes = bulletin.completion_changes(inputs.status, inputs.previous_status)
    top = inputs.status.set_index("indicator_code").loc[changes["indicator_code"].iloc[0]]
    paragraphs = bulletin.summary_paragraphs(inputs, "zh")
    assert paragraphs[1].startswith("与上季度（2024Q3）相比，完成率提高最多的是" + top["name_zh"])
    worst = inputs.status.sort_values("gap_points", ascending=False).iloc[0]
    assert paragraphs[2].startswith(f"落后序时进度最多的是{worst['name_zh']}（红灯")
    assert "责任单位：" in paragraphs[2]


@pytest.mark.parametrize(("points", "text"), [(12.04, "+12.0"), (-4.56, "−4.6"), (0.01, "0.0")])
def test_signed_points(points: float, text: str) -> None:
    assert bulletin._signed(points) == text


@pytest.mark.parametrize(
    ("items", "lang", "text"),
    [
        (["甲"], "zh", "甲"),
        (["甲", "乙", "丙"], "zh", "甲、乙、丙"),
        (["a"], "en", "a"),
        (["a", "b", "c"], "en", "a, b and c"),
    ],
)
def test_join_lists_items_the_way_each_language_does(items: list, lang: str, text: str) -> None:
    assert bulletin.join_items(items, lang) == text


@pytest.mark.parametrize(
    ("lang", "heading"), [("zh", "三、分行业进展（专栏1）"), ("en", "3. Sectors (Box 1)")]
)
def test_headings_are_numbered_the_way_each_language_does(lang: str, heading: str) -> None:
    assert bulletin.section_heading(3, "bulletin.section.sectors", lang) == heading


# ------------------------------------------------------------------ command line


@pytest.mark.slow
def test_etl_report_writes_pdf_and_docx_when_args_ok(empty_db: Path, tmp_path: Path) -> None:
    # No figures in the store, so no chart: no browser needed.
    pdf, docx = tmp_path / "b.pdf", tmp_path / "b.docx"
    done = run_etl("report", "--db", str(empty_db), "--as-of", "2024Q2", "--out", str(pdf))
    assert done.returncode == 0, done.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    args = ["report", "--db", str(empty_db), "--as-of", "2024Q2", "--format", "docx"]
    assert run_etl(*args, "--lang", "en", "--out", str(docx)).returncode == 0
    assert "Quarterly progress bulletin, 2024 Q2" in Document(str(docx)).paragraphs[0].text


@pytest.mark.slow
def test_etl_report_writes_both_files_named_in_one_run(empty_db: Path, tmp_path: Path) -> None:
    pdf, docx = tmp_path / "b.pdf", tmp_path / "b.docx"
    done = run_etl(
        "report", "--db", str(empty_db), "--as-of", "2024Q2", "--out", str(pdf), str(docx)
    )
    assert done.returncode == 0, done.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "2024" in Document(str(docx)).paragraphs[0].text
    assert str(pdf) in done.stdout and str(docx) in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--as-of", "2024Q5", "--out", "b.pdf"],  # not a quarter
        ["--out", "b.pdf", "b.txt"],  # one of two files without a known format
        ["--as-of", "2024Q2"],  # no --out
        ["--out", "b.txt"],  # format neither given nor in the suffix
        ["--format", "odt", "--out", "b.odt"],
        ["--out", "no/such/folder/b.pdf"],
        ["--lang", "fr", "--out", "b.pdf"],
    ],
)
def test_etl_report_exits_2_when_usage_is_wrong(
    args: list[str], empty_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_etl("report", "--db", str(empty_db), *args).returncode == 2
    assert not list(tmp_path.glob("b.*"))


def test_etl_report_exits_1_when_no_browser_for_the_charts(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    done = run_etl("report", "--db", str(store), "--out", str(tmp_path / "b.pdf"))
    assert done.returncode == 1
    assert "apt-get install chromium" in done.stderr
    assert not (tmp_path / "b.pdf").exists()


def _processes_marked(mark: str) -> list[int]:
    """Live processes whose environment carries `mark` (children inherit it)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mark.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--as-of", "2024Q2", "--out", "b.pdf", "b.docx"], 0),  # no figures: no chart
        (["--out", "b.txt"], 2),  # a usage error
    ],
)
def test_python_m_etl_report_leaves_no_early_chromium_behind(
    args: list[str], code: int, empty_db: Path, tmp_path: Path
) -> None:
    """`python -m etl report` starts chromium before its imports (etl/__main__.py); a run that
    draws no chart, or stops at a usage error, closes it before it exits."""
    mark = f"KPI_TEST_RUN={tmp_path.name}"
    name, value = mark.split("=")
    result = subprocess.run(
        [sys.executable, "-m", "etl", "report", "--db", str(empty_db), *args],
        cwd=tmp_path,  # where the files named are written
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), name: value},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr  # chromium's folder was removed under it at exit
    assert sorted(p.name for p in tmp_path.glob("b.*")) == (
        ["b.docx", "b.pdf"] if code == 0 else []
    )
    assert _processes_marked(mark) == []


# ------------------------------------------------------------------ full data export


@pytest.fixture
def revised_db(demo_db: Path, tmp_path: Path) -> Path:
    """The demo store with one figure revised: a superseded version exists."""
    path = tmp_path / "rev.csv"
    path.write_text("指标代码,期间,数值\nidc_racks,2025Q3,41000\n", encoding="utf-8")
    assert loads.load_files([path], db=demo_db, plan_id=None, user_name="t").ok
    return demo_db


def test_full_export_xlsx_holds_history_tasks_and_audit(revised_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.xlsx"
    done = run_etl("export-all", "--db", str(revised_db), "--out", str(out), "--headers", "codes")
    assert done.returncode == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == list(fullexport.SHEETS)

    def frame(name: str) -> pd.DataFrame:
        rows = [r for r in book[name].iter_rows(values_only=True)]
        header = next(i for i, r in enumerate(rows) if r[0] and r[1])  # after the captions
        return pd.DataFrame(rows[header + 1 :], columns=rows[header])

    figures = frame("figures")
    racks = figures[(figures["indicator_code"] == "idc_racks") & (figures["period"] == "2025Q3")]
    assert sorted(racks["is_current"]) == [False, True]  # the old value is kept, superseded
    assert racks.loc[~racks["is_current"].astype(bool), "superseded_by"].notna().all()
    assert len(frame("tasks")) == 71
    assert len(frame("task_updates")) > 71
    assert set(frame("audit")["action"]) >= {"load"}
    assert "含演示数据" in str(book["figures"]["A3"].value)


def test_full_export_zip_has_one_csv_per_sheet_and_audit_only_when_asked(
    revised_db: Path,
) -> None:
    archive = zipfile.ZipFile(
        io.BytesIO(fullexport.export_file(revised_db, PLAN, "zip", headers="codes"))
    )
    assert archive.namelist() == [f"{name}.csv" for name in fullexport.SHEETS]
    figures = pd.read_csv(archive.open("figures.csv"), encoding="utf-8-sig")
    assert (~figures["is_current"]).sum() == 1
    without = fullexport.export_file(revised_db, PLAN, "zip", with_audit=False)
    assert "audit.csv" not in zipfile.ZipFile(io.BytesIO(without)).namelist()


# ------------------------------------------------------------------ page


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reports_page_shows_four_download_buttons(
    lang: str, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_DB", str(store))
    at = AppTest.from_file("../pages/reports.py", default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 4
    title = {"zh": "报告与下载", "en": "Reports and downloads"}[lang]
    assert at.title[0].value == title
    assert not at.warning or "演示" in at.warning[0].value or "Demo" in at.warning[0].value


@pytest.mark.slow
def test_bulletin_file_renders_both_formats_once_per_store_version(empty_db: Path) -> None:
    key = (str(empty_db), PLAN, "2024Q2", "zh")
    before = bulletin._cached_files.cache_info()
    pdf = bulletin.bulletin_file(*key, "pdf", version=("v1",))
    docx = bulletin.bulletin_file(*key, "docx", version=("v1",))
    after = bulletin._cached_files.cache_info()
    assert pdf.startswith(b"%PDF") and docx.startswith(b"PK")
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    with pytest.raises(ValueError, match="format"):
        bulletin.bulletin_file(*key, "odt")


# ------------------------------------------------------------------ rendering


def test_sector_matrix_shades_every_indicator_column_by_its_own_light(store: Path) -> None:
    from docx.oxml.ns import qn

    with db.connect(store) as con:
        inputs = bulletin.read_inputs(con, PLAN, AS_OF)
    matrix = bulletin.sector_matrix(inputs.data, inputs.sector_status, inputs.sectors, "zh")
    assert list(matrix.data.columns) == [
        "行业",
        "智能制造典型场景",
        "智能制造示范工厂",
        "工业机器人/智能装备",
    ]
    b = document.Bulletin(
        "t", "s", dt.date(2026, 1, 1), sections=[document.Section("h", tables=[matrix])]
    )
    html = pdf_render.bulletin_html(b, [])
    first = matrix.cell_lights["智能制造典型场景"][0]
    assert re.search(f'<td class="light light-{first}">[^<]*60.0%（6 / 10 个）</td>', html)
    table = Document(io.BytesIO(docx_render.render_docx(b, images=[]))).tables[0]
    fills = [
        [xml_element(cell).tcPr.find(qn("w:shd")).get(qn("w:fill")) for cell in row.cells[1:]]
        for row in table.rows[1:]
    ]
    expected = [
        [palette.print_colours()[matrix.cell_lights[col][r]][0] for col in matrix.data.columns[1:]]
        for r in range(len(matrix.data))
    ]
    assert fills == expected


def test_pdf_charts_are_flattened_onto_white_jpegs() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 0, 0, 0)).save(buffer, "PNG")  # fully transparent
    jpeg = pdf_render.print_jpeg(buffer.getvalue())
    assert jpeg.startswith(b"\xff\xd8")
    assert Image.open(io.BytesIO(jpeg)).getpixel((5, 5)) == (255, 255, 255)

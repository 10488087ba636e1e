"""The bulletin's rendering (kpi.outputs document, chart_images, pdf_render, docx_render, docx_xml):
PDF checked with poppler, DOCX with python-docx, and the adapters around kaleido and python-docx."""

import asyncio
import concurrent.futures
import datetime as dt
import inspect
import io
import logging
import re
import struct
import subprocess
import threading
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from kpi.base import config
from kpi.base.config import CJK_FONT
from kpi.base.errors import SetupError
from kpi.outputs import chart_images, palette
from kpi.outputs.bulletin_render import render_both
from kpi.outputs.chart_images import ChartExporter, figures_to_images, for_print
from kpi.outputs.document import (
    Bulletin,
    Figure,
    Section,
    Table,
    format_cell,
    format_date,
)
from kpi.outputs.docx_render import CJK_FALLBACK_FONT, docx_writer, render_docx
from kpi.outputs.docx_xml import FONT_TABLE, W, add_font_fallback, xml_element
from kpi.outputs.pdf_render import bulletin_html, css_string, pdf_writer, render_pdf

ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER = str(config.browser_path())
needs_chromium = pytest.mark.skipif(
    not Path(BROWSER).is_file(),
    reason=f"kaleido needs a chromium at {BROWSER} (apt-get install chromium fonts-noto-cjk)",
)

TITLE = "数字化转型行动计划季度进展通报"
SUMMARY = "本季度全市数字化转型工作稳步推进，主要指标总体符合序时进度。"
NOTICE = "演示数据，非正式统计（DEMO DATA）"
LIGHTS = ["green", "red", "achieved", "yellow", "grey"]


def _chart(title: str, values: list[float]) -> go.Figure:
    quarters = ["2023Q4", "2024Q1", "2024Q2", "2024Q3"]
    fig = go.Figure(go.Bar(x=quarters, y=values, name="实际值"))
    fig.add_scatter(x=quarters, y=[4, 6, 8, 10], name="序时进度")
    fig.update_layout(title=title, template="plotly_white")
    return fig


def _bulletin(language: str = "zh", figures: list[Figure] | None = None) -> Bulletin:
    indicators = pd.DataFrame(
        {
            "指标": ["5G基站数", "工业互联网平台", "上云企业数", "数字经济增加值", "算力规模"],
            "目标值": [12000, 15, 3000, 420.5, None],
            "实际值": [11890, 9, 3100, 301.25, None],
            "灯号": ["绿", "红", "已达成", "黄", "无数据"],
        }
    )
    tasks = pd.DataFrame(
        {"任务": ["城市大脑", "数据中心扩容"], "责任单位": ["市政数局", "市工信局"]}
    )
    if figures is None:
        figures = [
            Figure("5G基站季度走势", _chart("5G基站建设进展（座）", [3, 5, 7, 9])),
            Figure("上云企业季度走势", _chart("上云企业数（家）", [2, 4, 8, 11])),
        ]
    return Bulletin(
        title=TITLE,
        subtitle="数字化转型三年行动计划（2023—2025年）· 截至2024年第三季度",
        generated_on=dt.date(2024, 10, 15),
        language=language,
        demo_notice=NOTICE,
        summary_paragraphs=[SUMMARY, "5G基站建设略低于序时进度，需加快推进。"],
        sections=[
            Section(
                "一、总体进展",
                ["截至第三季度，已达成指标5项，序时推进9项。"] * 4,
                tables=[Table("重点指标完成情况", indicators, LIGHTS, "灯号")],
                figures=figures[:1],
            ),
            Section(
                "二、重点任务",
                ["重点任务总体按计划推进，个别项目进度滞后。"] * 6,
                tables=[Table("重点任务进度", tasks)],
                figures=figures[1:],
            ),
            Section("三、方法与数据来源", ["序时进度按线性路径计算；数据由各责任单位报送。"]),
        ],
    )


def _fake_png(rgb: tuple[int, int, int]) -> bytes:
    """A tiny solid-colour PNG, so layout tests need no browser."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = 8, 4
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


FAKE_PNGS = [_fake_png((200, 30, 30)), _fake_png((30, 30, 200))]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _pdf_images(path: Path) -> list[tuple[int, int]]:
    """(width, height) of each image in the PDF, from `pdfimages -list`."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    # A PNG's alpha channel is listed as a separate 'smask' row: count the 'image' rows only.
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]


def _write(name: str, data: bytes) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data)
    return path


# --- with real figures (kaleido + chromium) --------------------------------------------------


@pytest.fixture(scope="module")
def rendered(chart_exporter: ChartExporter) -> tuple[Bulletin, bytes, bytes]:
    bulletin = _bulletin()
    pdf, docx = render_both(bulletin, exporter=chart_exporter)
    return bulletin, pdf, docx


@pytest.mark.slow
@needs_chromium
def test_render_both_leaves_caller_figures_untouched(rendered) -> None:
    bulletin, _, _ = rendered
    assert all(f.figure.layout.font.family is None for f in bulletin.figures())


@pytest.mark.slow
@needs_chromium
def test_pdf_has_title_summary_and_demo_notice_on_every_page(rendered) -> None:
    _, pdf, _ = rendered
    pages = _pdf_pages(_write("bulletin.pdf", pdf))
    assert len(pages) >= 2  # otherwise "every page" proves nothing
    assert _squash(TITLE) in _squash(pages[0])
    assert _squash(SUMMARY) in _squash(pages[0])
    for number, page in enumerate(pages, start=1):
        assert _squash(NOTICE) in _squash(page), f"demo notice missing on page {number}"
        assert f"第{number}页/共{len(pages)}页" in _squash(page)


@pytest.mark.slow
@needs_chromium
def test_pdf_embeds_noto_sans_cjk(rendered) -> None:
    _, pdf, _ = rendered
    listing = subprocess.run(
        ["pdffonts", str(_write("bulletin.pdf", pdf))], check=True, capture_output=True, text=True
    ).stdout
    cjk = [line.split() for line in listing.splitlines()[2:] if "Noto-Sans-CJK" in line]
    assert cjk, listing
    assert all(row[-5] == "yes" for row in cjk), listing  # the 'emb' column


@pytest.mark.slow
@needs_chromium
def test_pdf_has_one_print_resolution_image_per_figure(rendered) -> None:
    bulletin, pdf, _ = rendered
    images = _pdf_images(_write("bulletin.pdf", pdf))
    assert len(images) == len(bulletin.figures()) == 2
    assert set(images) == {(1800, 840)}  # 900 x 420 at scale 2


@pytest.mark.slow
@needs_chromium
def test_pdf_first_page_renders_to_png(rendered) -> None:
    _, pdf, _ = rendered
    source = _write("bulletin.pdf", pdf)
    target = ARTIFACTS / "bulletin-page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", source, target],
        check=True,
    )
    png = target.with_suffix(".png")
    assert png.stat().st_size > 10_000
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
@needs_chromium
def test_docx_has_text_notice_tables_and_images(rendered) -> None:
    bulletin, _, docx = rendered
    doc = Document(str(_write("bulletin.docx", docx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert TITLE in text
    assert SUMMARY in text
    assert "表1　重点指标完成情况" in text
    assert "图2　上云企业季度走势" in text
    assert NOTICE in "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    assert doc.tables[0].cell(1, 0).text == "5G基站数"
    assert doc.tables[0].cell(4, 1).text == "420.5"
    assert doc.tables[1].cell(2, 1).text == "市工信局"
    assert len(doc.inline_shapes) == len(bulletin.figures()) == 2


# --- layout only (given PNGs, no browser) ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2024, "2024"),  # years get no thousands separator
        (12000, "12000"),
        (np.int64(-56), "-56"),
        (420.5, "420.5"),
        (301.256, "301.26"),
        (3.0, "3"),
        (-0.001, "0"),
        (np.float64(0.1), "0.1"),
        (None, "—"),
        (float("nan"), "—"),
        (pd.NA, "—"),
        ("绿", "绿"),
    ],
)
def test_format_cell_shows_at_most_two_decimals(value: object, text: str) -> None:
    assert format_cell(value, "—") == text


@pytest.mark.parametrize(("lang", "text"), [("zh", "2026年1月5日"), ("en", "2026-01-05")])
def test_format_date_writes_the_readers_date(lang: str, text: str) -> None:
    assert format_date(dt.date(2026, 1, 5), lang) == text


def test_bulletin_html_names_the_document_language() -> None:
    assert '<html lang="zh-CN">' in bulletin_html(_bulletin(figures=[]), [])
    assert '<html lang="en-US">' in bulletin_html(_bulletin(language="en", figures=[]), [])


def test_figures_to_images_starts_no_browser_when_empty() -> None:
    assert figures_to_images([]) == []


def test_figures_to_images_explains_when_browser_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        figures_to_images([_chart("图", [1, 2, 3, 4])])


def test_render_pdf_refuses_wrong_number_of_images() -> None:
    with pytest.raises(ValueError, match="1 images for 2 figures"):
        render_pdf(_bulletin(), images=FAKE_PNGS[:1])


@pytest.mark.slow
def test_render_pdf_in_english_numbers_pages_in_english(tmp_path: Path) -> None:
    path = tmp_path / "en.pdf"
    path.write_bytes(render_pdf(_bulletin(language="en"), images=FAKE_PNGS))
    pages = _pdf_pages(path)
    assert "Page 1 of" in pages[0]
    assert "Summary" in pages[0]
    assert len(_pdf_images(path)) == 2


def test_bulletin_html_escapes_text_and_colours_lights() -> None:
    bulletin = _bulletin(figures=[])
    bulletin.summary_paragraphs = ['<img src="http://evil/x.png"> & 更多']
    page = bulletin_html(bulletin, [])
    assert "&lt;img src=&#34;http://evil/x.png&#34;&gt; &amp; 更多" in page  # markupsafe
    assert '<img src="http://evil' not in page
    # The symbol goes with the colour, so a black-and-white print still tells the lights apart.
    assert '<td class="light light-red">■ 红</td>' in page
    assert '<td class="light light-grey">○ 无数据</td>' in page
    assert f"background: #{palette.LIGHTS['red'].fill}" in page


def test_render_docx_sets_east_asian_font_and_shades_light_cells() -> None:
    doc = Document(io.BytesIO(render_docx(_bulletin(), images=FAKE_PNGS)))
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts.get(qn("w:eastAsia")) == CJK_FONT
    assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name
    heading_fonts = doc.styles["Heading 1"].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert heading_fonts.get(qn("w:eastAsia")) == CJK_FONT

    light_cells = [row.cells[3] for row in doc.tables[0].rows[1:]]
    fills = [xml_element(cell).tcPr.find(qn("w:shd")).get(qn("w:fill")) for cell in light_cells]
    assert fills == [palette.LIGHTS[key].fill for key in LIGHTS]
    assert [cell.text[0] for cell in light_cells] == [palette.LIGHTS[k].symbol for k in LIGHTS]
    assert len(doc.inline_shapes) == 2


def test_render_docx_omits_header_when_no_demo_notice() -> None:
    bulletin = _bulletin()
    bulletin.demo_notice = None
    doc = Document(io.BytesIO(render_docx(bulletin, images=FAKE_PNGS)))
    assert "".join(p.text for p in doc.sections[0].header.paragraphs) == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lights": ["green"]}, "go together"),
        ({"lights": ["green"], "light_column": "nope"}, "not a column"),
        ({"lights": ["green", "red"], "light_column": "x"}, "2 lights for 1 rows"),
        ({"lights": ["blue"], "light_column": "x"}, "unknown light keys"),
    ],
)
def test_table_refuses_inconsistent_lights(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Table("t", pd.DataFrame({"x": ["绿"]}), **kwargs)


def test_bulletin_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        Bulletin("t", "s", dt.date(2024, 1, 1), language="fr")


def test_bulletin_html_numbers_pages_with_css_counters() -> None:
    page = bulletin_html(_bulletin(figures=[]), [])
    assert 'content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";' in page
    page = bulletin_html(_bulletin(language="en", figures=[]), [])
    assert 'content: "Page " counter(page) " of " counter(pages);' in page


@pytest.mark.parametrize(
    ("text", "css"),
    [("第 ", '"第 "'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("</style>", '"\\3c /style>"')],
)
def test_css_string_quotes_and_escapes(text: str, css: str) -> None:
    assert css_string(text) == css


# --- PDF charts still being drawn --------------------------------------------------------------


@pytest.mark.slow
def test_render_pdf_waits_for_charts_still_being_drawn(tmp_path: Path) -> None:
    drawing = [concurrent.futures.Future() for _ in FAKE_PNGS]

    def draw() -> None:  # as ChartExporter does, from its own thread
        for future, png in zip(drawing, FAKE_PNGS, strict=True):
            future.set_result(png)

    threading.Timer(0.2, draw).start()
    path = tmp_path / "waited.pdf"
    path.write_bytes(render_pdf(_bulletin(), images=drawing))
    assert len(_pdf_images(path)) == 2


def _jpeg(rgb: tuple[int, int, int], size: tuple[int, int] = (90, 42)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, rgb).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.slow
def test_pdf_is_laid_out_before_its_charts_are_drawn_and_embeds_them_as_they_are() -> None:
    drawing = [chart_images.Drawing((90, 42)) for _ in range(2)]
    jpegs = [_jpeg((200, 30, 30)), _jpeg((30, 30, 200))]
    pool = concurrent.futures.ThreadPoolExecutor(1)
    laying_out = pool.submit(pdf_writer, _bulletin(), drawing)
    try:
        write = laying_out.result(timeout=60)  # no chart is drawn yet
    finally:
        for chart, jpeg in zip(drawing, jpegs, strict=True):
            chart.set_result(jpeg)
        pool.shutdown()
    pdf = write()
    assert all(jpeg in pdf for jpeg in jpegs)  # JPEGs are embedded byte for byte


def test_docx_is_built_before_its_charts_are_drawn() -> None:
    drawing = [chart_images.Drawing((90, 42)) for _ in range(2)]
    write = docx_writer(_bulletin(), drawing)
    for chart, rgb in zip(drawing, [(200, 30, 30), (30, 30, 200)], strict=True):
        chart.set_result(_jpeg(rgb))
    doc = Document(io.BytesIO(write()))
    assert len(doc.inline_shapes) == 2
    paragraphs = doc.paragraphs
    pictures = [i for i, p in enumerate(paragraphs) if p._p.xpath(".//pic:pic")]
    captions = [paragraphs[i + 1].text.split("　")[0] for i in pictures]
    assert captions == ["图1", "图2"]  # each chart above its caption


@pytest.mark.slow
def test_render_pdf_raises_the_error_of_a_chart_that_failed() -> None:
    failed = concurrent.futures.Future()
    failed.set_exception(SetupError("error.no_browser", path="/gone/chromium"))
    with pytest.raises(SetupError, match="/gone/chromium"):
        render_pdf(_bulletin(), images=[FAKE_PNGS[0], failed])


# --- adapters: each checks the dependency behaviour it relies on ------------------------------


def test_kaleido_still_has_the_tab_hook_the_adapter_overrides() -> None:
    import kaleido

    hook = kaleido.Kaleido._return_kaleido_tab
    assert inspect.iscoroutinefunction(hook)
    assert list(inspect.signature(hook).parameters) == ["self", "tab"]
    assert issubclass(chart_images.tab_keeping_kaleido(), kaleido.Kaleido)


@pytest.mark.parametrize(
    ("message", "logged"),
    [("{bye}\n", False), ("{bye}", False), ('{"id": 1, "result"', True), ("", True)],
)
def test_choreographers_record_of_chromiums_goodbye_is_dropped_and_no_other(
    message: str, logged: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Chromium's "{bye}" in one read with the message before it made choreographer log a
    traceback on a clean close (CI, 30 Nov 2026: `etl report` on a store without figures)."""
    chart_images.tab_keeping_kaleido()  # imports kaleido, and with it choreographer's pipe
    from choreographer.channels import _wire, pipe

    assert pipe._logger.name == chart_images.CHOREOGRAPHER_PIPE_LOGGER
    caplog.set_level(logging.ERROR)
    try:
        _wire.deserialize(message)
    except Exception:  # noqa: BLE001 - what choreographer's read_jsons catches and logs
        pipe._logger.exception("JSONError decoding message. Ignoring")
    assert bool(caplog.records) == logged


@pytest.mark.slow
@needs_chromium
def test_tab_keeping_kaleido_draws_the_bytes_of_kaleidos_public_path(
    monkeypatch: pytest.MonkeyPatch, chart_exporter: ChartExporter
) -> None:
    import kaleido

    adapter = chart_images.tab_keeping_kaleido()
    keep_tab = adapter._return_kaleido_tab
    returned = []

    async def spy(self, tab) -> None:
        returned.append(tab)
        await keep_tab(self, tab)

    monkeypatch.setattr(adapter, "_return_kaleido_tab", spy)
    first, second = _chart("图一", [1, 2, 3, 4]), _chart("图二", [4, 3, 2, 1])
    images = chart_exporter.export([first, second])  # the second on the tab the first was drawn in
    assert len(returned) == 2, "kaleido no longer calls the hook: every figure reloads its tab"
    public = kaleido.calc_fig_sync(
        for_print(second), opts=chart_exporter.opts, kopts={"path": BROWSER, "mathjax": False}
    )
    assert images[1] == public


@pytest.mark.slow
@needs_chromium
def test_one_batch_exporter_draws_jpegs_then_refuses_more() -> None:
    with ChartExporter(one_batch=True) as exporter:  # closes its browser once drawn
        (image,) = exporter.export([_chart("图", [1, 2, 3, 4])])
        with pytest.raises(RuntimeError, match="one batch"):
            exporter.submit([_chart("图", [4, 3, 2, 1])])
    assert image.startswith(b"\xff\xd8\xff")


@pytest.mark.slow
@needs_chromium
def test_a_close_that_hangs_kills_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    async def hang(self) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(chart_images.tab_keeping_kaleido(), "close", hang)
    monkeypatch.setattr(chart_images, "CLOSE_TIMEOUT_S", 1)
    exporter = ChartExporter()
    exporter.export([_chart("图", [1, 2, 3, 4])])
    browser = exporter._opening[0].subprocess.pid
    started = time.monotonic()
    exporter.close()
    assert time.monotonic() - started < 10
    status = Path(f"/proc/{browser}/status")
    for _ in range(50):  # killed; gone once reaped, a zombie until then
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.1)
    else:
        raise AssertionError("chromium still runs after a close that hung")


def test_xml_element_is_the_element_of_a_paragraph_cell_and_row() -> None:
    doc = Document()
    paragraph = doc.add_paragraph("x")
    table = doc.add_table(rows=1, cols=1)
    assert xml_element(paragraph).tag == qn("w:p")
    assert xml_element(table.rows[0]).tag == qn("w:tr")
    assert xml_element(table.cell(0, 0)).tag == qn("w:tc")
    assert xml_element(paragraph).getparent() is doc.element.body  # the live tree, not a copy


def test_add_font_fallback_names_simsun_in_python_docx_font_table() -> None:
    buffer = io.BytesIO()
    Document().save(buffer)
    before = zipfile.ZipFile(buffer)
    assert FONT_TABLE in before.namelist(), "python-docx's template has no font table any more"

    after = zipfile.ZipFile(io.BytesIO(add_font_fallback(buffer.getvalue(), CJK_FONT, "宋体")))
    assert after.namelist() == before.namelist()
    for name in before.namelist():
        if name != FONT_TABLE:
            assert after.read(name) == before.read(name), name
    fonts = etree.fromstring(after.read(FONT_TABLE))
    alt = fonts.find(f"{{{W}}}font[@{{{W}}}name='{CJK_FONT}']/{{{W}}}altName")
    assert alt.get(f"{{{W}}}val") == "宋体"


def test_render_docx_names_a_fallback_for_the_cjk_font() -> None:
    docx = zipfile.ZipFile(io.BytesIO(render_docx(_bulletin(), images=FAKE_PNGS)))
    fonts = etree.fromstring(docx.read(FONT_TABLE))
    alt = fonts.find(f"{{{W}}}font[@{{{W}}}name='{CJK_FONT}']/{{{W}}}altName")
    assert alt.get(f"{{{W}}}val") == CJK_FALLBACK_FONT

"""佐证材料 in the browser: a clerk attaches a PDF and a link to a task update and downloads the
file again; a renamed executable is refused; a visitor sees how many there are, not the files."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    assert_no_exception,
    dump_tables,
    fetch,
    open_page,
    screenshot,
    select_option,
    sign_in,
    wait_for_app,
)

PLAN = "zhanjiang-dt-2023"
T = 30_000  # ms: the machine is shared and slow
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LINK = "https://example.org/notice/2025-12"
TABLES = ("task_updates", "attachments", "audit_log")


@pytest.fixture(autouse=True)
def server_tracebacks(request, server):
    """After each test, print the server's tracebacks (the page hides error details)."""
    yield
    text = server.log.read_text(errors="replace") if server.log and server.log.exists() else ""
    if "Traceback" in text:
        print(f"--- {server.log} ---\n{text[-8000:]}")


def open_task_form(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    sign_in(page, "staff")
    open_page(page, "任务进展填报")
    assert_no_exception(page)
    select_option(page, "选择子任务", re.compile(r"^1\(1\) "))


def submit_with(page, file: Path, links: str = "") -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_role("textbox", name="进展说明").fill("验收报告已上传（e2e）")
    form.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(file))
    expect(form.get_by_text(file.name)).to_be_visible(timeout=T)
    if links:
        form.get_by_role("textbox", name=re.compile("^佐证链接")).fill(links)
    form.get_by_role("button", name="提交进展").click()
    wait_for_app(page)


def test_a_renamed_executable_is_refused_and_nothing_is_written(server, page, tmp_path) -> None:
    fake = tmp_path / "验收报告.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)  # a Windows executable, renamed
    before = dump_tables(server.db, TABLES)
    open_task_form(page, server.url)
    submit_with(page, fake)
    refusal = page.get_by_test_id("stAlert").filter(has_text="扩展名与内容不符")
    expect(refusal).to_be_visible(timeout=T)
    assert "验收报告.pdf" in refusal.inner_text()
    assert dump_tables(server.db, TABLES) == before


def test_staff_attaches_a_pdf_to_a_task_update_and_downloads_it(server, page, tmp_path) -> None:
    report = tmp_path / "验收报告.pdf"
    report.write_bytes(PDF)
    open_task_form(page, server.url)
    form = page.get_by_test_id("stForm")
    # The due quarter, which is the plan's last now that it has ended.
    expect(form.get_by_role("combobox", name="季度")).to_have_value("2025Q4")
    submit_with(page, report, LINK)
    expect(page.get_by_test_id("stAlert").filter(has_text="号进展：1(1)")).to_be_visible(timeout=T)
    assert_no_exception(page)
    rows = fetch(
        server.db,
        "select a.kind, a.file_name, a.url, a.size_bytes, a.unit_zh, u.period "
        "from attachments a join task_updates u using (update_id) where a.plan_id = ? "
        "order by a.attachment_id",
        [PLAN],
    )
    assert rows == [
        ("file", "验收报告.pdf", None, len(PDF), "市工业和信息化局", "2025Q4"),
        ("link", None, LINK, None, "市工业和信息化局", "2025Q4"),
    ]

    section = page.locator("[data-testid='stVerticalBlock']").filter(
        has=page.get_by_role("heading", name="本子任务的佐证材料（全部季度）")
    )
    expect(page.get_by_role("link", name=LINK)).to_be_visible(timeout=T)
    button = section.get_by_test_id("stDownloadButton").filter(has_text="下载").last
    button.scroll_into_view_if_needed()
    screenshot(page, "evidence-1-task-update")
    with page.expect_download(timeout=T) as download:
        button.click()
    assert download.value.suggested_filename == "验收报告.pdf"
    assert Path(download.value.path()).read_bytes() == PDF


def test_a_visitor_sees_how_many_but_not_the_files(server, page) -> None:
    page.goto(server.url)
    wait_for_app(page)
    open_page(page, "任务与责任单位")
    assert_no_exception(page)
    page.get_by_test_id("stExpander").get_by_text("佐证材料 2 份", exact=True).click()
    expect(page.get_by_text("有 2 份佐证材料，登录后按权限查看。")).to_be_visible(timeout=T)
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)
    expander = page.get_by_test_id("stExpander").filter(has_text="佐证材料")
    assert expander.get_by_test_id("stDownloadButton").count() == 0
    screenshot(page, "evidence-2-visitor")

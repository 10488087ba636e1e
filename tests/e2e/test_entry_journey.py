"""在线填报 in a real browser: a running total typed as 本期数 is stopped with the explanation and
passes as 累计数; a draft saved, reloaded and submitted.

The grid (st.data_editor) draws on a canvas: a cell is reached with the keyboard from the first
cell (Ctrl+ArrowUp/Left, then ArrowRight / ArrowDown), opened with Enter, typed into and
committed with Enter.
"""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.auth.accounts import User
from kpi.outputs import entry_tables, upload_template
from tests.e2e.browser import (
    assert_no_exception,
    fetch,
    open_page,
    screenshot,
    sign_in,
    wait_for_app,
)

PLAN = "zhanjiang-dt-2023"
PERIOD = "2025Q4"  # the due quarter once the plan has ended
T = 30_000
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
SHOTS = Path("/tmp/shots-entry")


def shot(page, name: str) -> None:
    """A screenshot in the artifacts and, for looking at, in /tmp/shots-entry."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot(page, name), SHOTS / f"{name}.png")


@pytest.fixture
def rows(server):
    """The staff unit's grid rows as the page builds them (same store, same quarter)."""
    return upload_template.read_unit_rows(server.db, PLAN, STAFF, period=PERIOD)


def row_of(rows, code: str, sector=None, district=None) -> int:
    keys = [
        entry_tables.row_key(
            c, s if isinstance(s, str) else None, d if isinstance(d, str) else None
        )
        for c, s, d in zip(
            rows["indicator_code"], rows["sector_code"], rows["district_code"], strict=True
        )
    ]
    return keys.index(entry_tables.row_key(code, sector, district))


def column_of(name: str) -> int:
    return entry_tables.GRID_COLUMNS.index(name)


def go_to_cell(page, row: int, column: str) -> None:
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # a cell of the first row shown
    page.keyboard.press("Control+ArrowUp")  # the grid may be scrolled: back to its first cell
    page.keyboard.press("Control+ArrowLeft")
    for _ in range(column_of(column)):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")


def shows(page, row: int, column: str, text: str) -> bool:
    """Whether the grid's cell shows `text` (read from the grid's accessible table)."""
    cell = page.get_by_test_id(f"glide-cell-{column_of(column)}-{row}")
    try:
        expect(cell).to_have_text(text, timeout=2_000)
    except AssertionError:
        return False
    return True


def clear_cell(page, row: int, column: str) -> None:
    # Checked and tried again: on a loaded machine the grid can drop a key pressed while the
    # page reruns.
    for _ in range(3):
        go_to_cell(page, row, column)
        page.keyboard.press("Delete")
        page.wait_for_timeout(600)
        wait_for_app(page)
        if shows(page, row, column, ""):
            return
    raise AssertionError(f"the grid's row {row} {column} could not be cleared")


def type_in_cell(page, row: int, column: str, text: str) -> None:
    for attempt in range(3):
        if attempt:  # what was typed may have half landed
            clear_cell(page, row, column)
        go_to_cell(page, row, column)
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        page.keyboard.type(text, delay=40)
        page.keyboard.press("Enter")
        page.wait_for_timeout(600)
        wait_for_app(page)
        if shows(page, row, column, text):
            return
    raise AssertionError(f"{text!r} could not be typed into the grid's row {row} {column}")


def open_entry(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    sign_in(page, "staff")
    expect(page.get_by_test_id("stSidebar").get_by_text("已登录：staff")).to_be_visible(timeout=T)
    open_page(page, "在线填报")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=T)
    assert_no_exception(page)


def submit(page) -> int:
    """Accept the warnings if there are any, submit, and return the batch id shown."""
    accept = page.get_by_test_id("stCheckbox").filter(has_text="我已核实")
    button = page.get_by_role("button", name="提交", exact=True)
    # Either is drawn once the check's run has finished: count only then.
    expect(accept.or_(button.and_(page.locator(":enabled"))).first).to_be_visible(timeout=T)
    if accept.count():
        accept.first.click()
        wait_for_app(page)
    button.click()
    done = page.get_by_test_id("stAlert").filter(has_text="已提交，批次号")
    expect(done).to_be_visible(timeout=T)
    return int(re.search(r"批次号 (\d+)", done.inner_text()).group(1))


def test_running_total_in_this_quarter_is_stopped_then_passes_as_cumulative(page, server, rows):
    row = row_of(rows, "smart_factories")
    total = rows["previous_cumulative"].iloc[row] + 2  # what a clerk's running tally says
    open_entry(page, server.url)
    type_in_cell(page, row, "this_quarter", f"{total:g}")
    page.get_by_role("button", name="检查并预览").click()
    wait_for_app(page)
    form = page.get_by_test_id("stForm")  # 确认口径, with the explanation under the row
    expect(form.get_by_text("这看起来是累计数")).to_be_visible(timeout=T)
    expect(page.get_by_text("确认口径", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_disabled()
    page.set_viewport_size({"width": 1400, "height": 2400})
    shot(page, "entry-1-stopped")
    page.set_viewport_size({"width": 1400, "height": 1000})

    clear_cell(page, row, "this_quarter")
    type_in_cell(page, row, "cumulative", f"{total:g}")
    expect(page.get_by_text("这看起来是累计数")).to_have_count(0, timeout=T)
    expect(page.get_by_text("影响预览", exact=True)).to_be_visible(timeout=T)
    # The preview's cells live in the grid's accessible table (drawn on a canvas).
    expect(page.get_by_text(f"累计数 {total:g} 个").first).to_be_attached(timeout=T)
    page.set_viewport_size({"width": 1400, "height": 2400})
    shot(page, "entry-2-preview")
    page.set_viewport_size({"width": 1400, "height": 1000})
    batch = submit(page)
    assert fetch(
        server.db,
        "select b.entry, s.value, s.entered_basis from batches b join submitted_figures s "
        "using (batch_id) where batch_id = ?",
        [batch],
    ) == [("form", 2.0, "cumulative")]  # stored as the quarter's two new factories


def test_grid_entry_saved_as_draft_reloaded_and_submitted(page, server, rows):
    row = row_of(rows, "cloud_firms", district="chikan")
    open_entry(page, server.url)
    type_in_cell(page, row, "this_quarter", "6")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存").first).to_be_visible(timeout=T)

    page.reload()  # a new session: the grid starts from the saved draft
    wait_for_app(page)
    if not page.get_by_test_id("stSidebar").get_by_text("已登录：staff").count():
        open_entry(page, server.url)
    else:
        open_page(page, "在线填报")
    expect(page.get_by_text(re.compile("已载入 .* 保存的草稿"))).to_be_visible(timeout=T)
    shot(page, "entry-3-draft-loaded")
    page.get_by_role("button", name="检查并预览").click()
    wait_for_app(page)
    expect(page.get_by_text("影响预览", exact=True)).to_be_visible(timeout=T)
    batch = submit(page)
    assert fetch(
        server.db,
        "select s.indicator_code, s.district_code, s.value from submitted_figures s "
        "where batch_id = ?",
        [batch],
    ) == [("cloud_firms", "chikan", 6.0)]
    assert fetch(server.db, "select count(*) from entry_drafts where user_name = 'staff'") == [(0,)]

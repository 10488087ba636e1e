"""Helpers for the browser tests: waiting for Streamlit, exception boxes, screenshots, sign-in."""

import re
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORDS = {
    "viewer": "viewer-pass-1",
    "staff": "staff-pass-1",
    "admin": "admin-pass-1",
    "reviewer": "reviewer-pass-1",
}


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the script has finished running (and a rerun has not just started)."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_timeout(300)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )


def assert_no_exception(page) -> None:
    """Streamlit shows uncaught errors in an exception box; a page must never show one."""
    boxes = page.get_by_test_id("stException")
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str, area: str = "sidebar") -> None:
    """Fill the sign-in form in the sidebar (app.py's, in a popover) or in the main area (a
    page's refusal)."""
    if area == "sidebar":
        page.get_by_test_id("stSidebar").get_by_test_id("stPopover").get_by_role("button").click()
        box = page.get_by_test_id("stPopoverBody")
    else:
        box = page.get_by_test_id("stMain")
    box.get_by_label("用户名").or_(box.get_by_label("Username")).first.fill(username)
    box.get_by_label("密码").or_(box.get_by_label("Password")).first.fill(PASSWORDS[username])
    submit = box.get_by_role("button", name="登录").or_(box.get_by_role("button", name="Sign in"))
    submit.first.click()
    if area == "sidebar":  # signing in reruns twice (the form, then the signed-in view): wait
        sidebar = page.get_by_test_id("stSidebar")
        sign_out = sidebar.get_by_role("button", name=re.compile("^(退出登录|Sign out)$"))
        expect(sign_out).to_be_visible(timeout=30_000)
    wait_for_app(page)


# ------------------------------------------------------------------ navigation and widgets


def nav_links(page):
    """The page links at the top of the sidebar (kpi.web.context.page_links)."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink")


def nav_titles(page) -> list[str]:
    """The page titles in the navigation (a link's text also holds its icon's name first)."""
    return [text.strip().splitlines()[-1].strip() for text in nav_links(page).all_inner_texts()]


def follow_link(page, link) -> None:
    """Click a navigation link, wait for the address to change and the new page to be drawn."""
    path = link.evaluate("a => a.href.split('?')[0]")  # the link carries the view as its query
    link.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(path)}(\?.*)?$"), timeout=30_000)
    wait_for_app(page)


def open_page(page, title: str) -> None:
    """Click a page in the sidebar navigation and wait for it to be drawn."""
    follow_link(page, nav_links(page).filter(has_text=title).first)


def select_option(page, label: str, option, *, area=None, attempts: int = 3) -> None:
    """Pick `option` (text, or a compiled regex) in the selectbox labelled `label`.

    A rerun that ends just after the click redraws the selectbox and closes its list; then the
    list is opened again.
    """
    box = (
        (area or page)
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True))
        .first
    )
    wanted = page.get_by_role("option", name=option).first
    for attempt in range(attempts):
        wait_for_app(page)
        box.click()
        try:
            wanted.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
    wanted.click()
    wait_for_app(page)


def choose_as_of(page, quarter: str) -> None:
    """Set the sidebar's as-of quarter (评估季度)."""
    select_option(page, "评估季度", quarter, area=page.get_by_test_id("stSidebar"))


def metric_value(page, label: str) -> str:
    """The value shown by the st.metric labelled exactly `label`."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.first.get_by_test_id("stMetricValue").inner_text().strip()


# ------------------------------------------------------------------ st.dataframe contents
# st.dataframe draws on a canvas; Glide Data Grid keeps an accessible <table role=grid> of the
# cells it draws inside the canvas element, which is what these helpers read.


def dataframe_with(page, header: str):
    """The st.dataframe that has a column headed exactly `header`."""
    th = page.locator("table[role=grid] th").filter(has_text=re.compile(f"^{re.escape(header)}$"))
    return page.get_by_test_id("stDataFrame").filter(has=th)


def grid_records(frame) -> list[dict[str, str]]:
    """The rows of one st.dataframe as {header: cell text} (the rows the grid has drawn)."""
    frame.scroll_into_view_if_needed()
    frame.locator("table[role=grid] tbody tr").first.wait_for(state="attached")
    return frame.locator("table[role=grid]").first.evaluate(
        """table => {
            const heads = [...table.querySelectorAll('thead th')].map(c => c.textContent.trim());
            return [...table.querySelectorAll('tbody tr')].map(row => Object.fromEntries(
                [...row.querySelectorAll('td')].map((c, i) => [heads[i], c.textContent.trim()])));
        }"""
    )


# ------------------------------------------------------------------ write controls

WRITE_BUTTONS = ("确认写入", "提交审核", "撤销该批次", "提交进展", "保存草稿", "审核通过", "退回")


def write_controls(page) -> list[str]:
    """Every control on the page that could write: uploaders, write buttons, non-login forms."""
    found = []
    if page.get_by_test_id("stFileUploader").count():
        found.append("file uploader")
    for name in WRITE_BUTTONS:
        if page.get_by_role("button", name=name).count():
            found.append(name)
    for text in page.get_by_test_id("stFormSubmitButton").all_inner_texts():
        if text.strip() not in ("登录", "Sign in"):
            found.append(f"form submit {text.strip()}")
    if page.get_by_test_id("stCheckbox").filter(has_text="确认撤销批次").count():
        found.append("rollback checkbox")
    return found


# ------------------------------------------------------------------ the database behind a server

HISTORY_TABLES = ("figures", "batches", "uploaded_files", "task_updates", "audit_log")


@contextmanager
def read_only(db: Path, timeout: float = 30.0):
    """A brief read-only connection; waits while the server holds the file for an operation."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            con = duckdb.connect(str(db), read_only=True)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield con
    finally:
        con.close()


def dump_tables(db: Path, tables: tuple[str, ...] = HISTORY_TABLES) -> dict[str, list[tuple]]:
    """Every row of the history tables, sorted: two dumps are equal iff the contents are."""
    with read_only(db) as con:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with read_only(db) as con:
        return con.execute(sql, params or []).fetchall()

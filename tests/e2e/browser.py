"""Helpers for the browser tests: waiting for Streamlit, exception boxes, screenshots, sign-in."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORDS = {"viewer": "viewer-pass-1", "staff": "staff-pass-1", "admin": "admin-pass-1"}


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


def sign_in(page, username: str) -> None:
    """Fill the sidebar sign-in form."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label("用户名").or_(sidebar.get_by_label("Username")).first.fill(username)
    sidebar.get_by_label("密码").or_(sidebar.get_by_label("Password")).first.fill(
        PASSWORDS[username]
    )
    sidebar.get_by_role("button", name="登录").or_(
        sidebar.get_by_role("button", name="Sign in")
    ).first.click()
    wait_for_app(page)

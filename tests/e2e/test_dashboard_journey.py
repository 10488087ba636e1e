"""A leader's journey in a real browser: every page, both languages, two as-of quarters."""

import json
import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.e2e.browser import REPO, assert_no_exception, nav_links, screenshot, wait_for_app


def choose_as_of(page, quarter: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").last.click()
    page.get_by_role("option", name=quarter).click()
    wait_for_app(page)


def visit_every_page(page, tag: str) -> list[str]:
    titles = []
    for index in range(nav_links(page).count()):
        link = nav_links(page).nth(index)
        titles.append(link.inner_text().strip())
        link.click()
        wait_for_app(page)
        assert_no_exception(page)
        screenshot(page, f"{tag}-{index}")
    return titles


def red_count(db, as_of: str) -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "status",
            "--db",
            str(db),
            "--as-of",
            as_of,
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(row["light"] == "red" for row in json.loads(out))


def test_every_page_in_both_languages_and_two_quarters(server, page) -> None:
    page.goto(server.url)
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_text("演示数据").first.is_visible()
    chinese = visit_every_page(page, "zh-default")
    assert "总览" in " ".join(chinese)

    nav_links(page).first.click()
    wait_for_app(page)
    choose_as_of(page, "2024Q2")
    assert page.get_by_text("2024Q2").first.is_visible()
    visit_every_page(page, "zh-2024Q2")

    page.get_by_test_id("stSidebar").get_by_text("English").click()
    wait_for_app(page)
    english = visit_every_page(page, "en-2024Q2")
    assert english != chinese
    assert any("Overview" in title or "Cockpit" in title for title in english)


def test_cockpit_shows_as_many_red_cards_as_etl_status(server, page) -> None:
    page.goto(server.url)
    wait_for_app(page)
    expected = red_count(server.db, "2024Q2")
    choose_as_of(page, "2024Q2")
    # The light counts are one line of badges: "■ 红灯 7".
    counts = page.get_by_test_id("stMarkdown").filter(has_text="红灯").first.inner_text()
    assert re.search(r"红灯\s*(\d+)", counts).group(1) == str(expected)


def test_indicator_sections_open_as_they_are_chosen(server, page) -> None:
    """Only the chosen section of the detail page is drawn; choosing another draws it."""
    page.goto(f"{server.url}/?as_of=2025Q4")
    wait_for_app(page)
    nav_links(page).filter(has_text="指标详情").click()
    wait_for_app(page)
    sections = page.get_by_role("radiogroup", name="页面内容")
    first = sections.get_by_role("radio", name="目标与来源")
    expect(first).to_have_attribute("aria-checked", "true")
    expect(page.locator("table.kpi-table")).to_have_count(1)  # the targets
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    sections.get_by_role("radio", name="数据与修订记录").click()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    wait_for_app(page)
    expect(page.locator("table.kpi-table")).to_have_count(0)
    assert_no_exception(page)
    screenshot(page, "indicator-figures-tab")

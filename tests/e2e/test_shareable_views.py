"""A shared link opens exactly its view; a reload and a card's arrow keep it (issue 11, item 4).

The server is new: the first request is the link itself, as after a restart.
"""

import re

from playwright.sync_api import expect

from tests.e2e.browser import (
    assert_no_exception,
    nav_links,
    nav_titles,
    screenshot,
    wait_for_app,
)

T = 30_000
LINK = "/indicator?as_of=2024Q2&lang=en&indicator=base_stations_5g"
PLAN = "zhanjiang-dt-2023"  # a link without a plan opens the default one, and names it


def expect_view(page, heading: str, as_of: str, indicator: str | None = None) -> None:
    assert_no_exception(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=T)
    expect(main.get_by_text(re.compile(f"As of {as_of}|评估季度：{as_of}")).first).to_be_visible()
    if indicator:
        picked = main.get_by_role("combobox").first
        expect(picked).to_have_value(re.compile(re.escape(indicator)), timeout=T)


def query(page) -> dict[str, str]:
    return dict(re.findall(r"[?&](\w+)=([^&]*)", page.url))


def test_a_shared_link_keeps_its_view_through_a_reload_and_a_card(server, page) -> None:
    page.goto(server.url + LINK)
    wait_for_app(page, timeout=60_000)
    expect_view(page, "Indicator detail", "2024Q2", "5G base stations")
    screenshot(page, "views-1-link")

    page.reload()
    wait_for_app(page)
    expect_view(page, "Indicator detail", "2024Q2", "5G base stations")
    assert query(page) == {
        "plan": PLAN,
        "as_of": "2024Q2",
        "lang": "en",
        "indicator": "base_stations_5g",
    }

    nav_links(page).first.click()  # the overview
    wait_for_app(page)
    expect_view(page, "Targets at a glance", "2024Q2")
    expect(page).to_have_url(re.compile(r"as_of=2024Q2&lang=en"))

    page.locator(".st-key-cockpit_cards button[data-code='idc_racks']").click()
    wait_for_app(page)
    expect_view(page, "Indicator detail", "2024Q2", "Internet data centre standard racks")
    expect(page).to_have_url(re.compile(r"/indicator\?"))
    assert query(page) == {"plan": PLAN, "as_of": "2024Q2", "lang": "en", "indicator": "idc_racks"}
    screenshot(page, "views-2-card")


def test_a_link_with_unknown_values_opens_the_default_view(server, page) -> None:
    page.goto(f"{server.url}/indicator?as_of=2031Q1&lang=xx&indicator=no_such_indicator")
    wait_for_app(page, timeout=60_000)
    expect_view(page, "指标详情", "2025Q4")
    shown = query(page)
    assert shown["lang"] == "zh" and shown["as_of"] == "2025Q4"
    assert shown["indicator"] != "no_such_indicator"


def test_a_page_switch_is_one_entry_in_the_history_and_one_back_press_undoes_it(
    server, page
) -> None:
    """Streamlit's own navigation dropped the query; the view written back was a second address,
    and Back then stopped on the same page. The links carry the view (kpi.web.context.page_links);
    the detail page's default indicator needs no key of its own."""
    page.goto(f"{server.url}/?plan={PLAN}&as_of=2024Q2&lang=en")
    wait_for_app(page, timeout=60_000)
    expect_view(page, "Targets at a glance", "2024Q2")
    overview = page.url
    before = page.evaluate("history.length")

    tasks = "Key tasks: responsibilities and progress"
    for number, (link, heading, path) in enumerate(
        [
            ("Indicator detail", "Indicator detail", "/indicator?"),
            ("Tasks and units", tasks, "/tasks?"),
        ],
        start=1,
    ):
        nav_links(page).filter(has_text=link).click()
        wait_for_app(page)
        expect(page).to_have_url(re.compile(re.escape(path)), timeout=T)
        expect_view(page, heading, "2024Q2")
        assert query(page) == {"plan": PLAN, "as_of": "2024Q2", "lang": "en"}
        assert page.evaluate("history.length") - before == number
    # Opened in a new tab, the overview's link opens the overview, not the page it is on.
    overview_link = nav_links(page).first.evaluate("a => new URL(a.href).pathname")
    assert overview_link == "/overview"

    page.go_back()
    wait_for_app(page)
    expect_view(page, "Indicator detail", "2024Q2")
    page.go_back()
    wait_for_app(page)
    expect_view(page, "Targets at a glance", "2024Q2")
    assert page.url == overview


def test_a_link_as_a_fresh_servers_first_request_gets_the_apps_navigation(
    fresh_server, page
) -> None:
    """Streamlit runs a page named by a fresh server's first request straight from pages/,
    listing the folder's files by name, for every session until app.py runs once
    (kpi.web.context._leave_pages_folder_mode)."""
    page.goto(f"{fresh_server.url}/method?plan={PLAN}&as_of=2025Q3&lang=en")
    wait_for_app(page, timeout=60_000)
    expect_view(page, "Method and sources", "2025Q3")
    expect(nav_links(page).first).to_have_text(re.compile("Overview"), timeout=T)
    titles = nav_titles(page)
    assert "Method and sources" in titles and not {"app", "method", "audit"} & set(titles)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name=re.compile("Sign in"))).to_be_visible()
    assert query(page)["as_of"] == "2025Q3"
    screenshot(page, "views-3-fresh-server-link")

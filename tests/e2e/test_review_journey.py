"""填报 → 审核 → 发布 in the browser: a clerk submits a file, a reviewer returns it with a reason,
the clerk reads the reason and resubmits, the reviewer approves, and the overview changes.

The figure is checked on the page and in the database behind the server at every step: nothing
reaches the overview (or `figures`) before the approval.
"""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.browser import (
    assert_no_exception,
    choose_as_of,
    dataframe_with,
    fetch,
    grid_records,
    metric_value,
    open_page,
    screenshot,
    sign_in,
    wait_for_app,
)

PLAN = "zhanjiang-dt-2023"
T = 30_000  # ms: the machine is shared and slow
QUARTER = "2025Q4"
CITY = "sector_code is null and district_code is null"
REASON = "请核对 2025Q4 机架数后重新提交"


def racks_in_force(db: Path) -> list[tuple]:
    return fetch(
        db,
        f"select value from figures where plan_id = ? and indicator_code = 'idc_racks' "
        f"and period = ? and {CITY} and is_current",
        [PLAN, QUARTER],
    )


def batch_row(db: Path, batch_id: int) -> tuple:
    return fetch(
        db,
        "select review_state, review_reason, reviewed_by, resubmits from batches "
        "where batch_id = ?",
        [batch_id],
    )[0]


def start_as(page, url: str, username: str) -> None:
    page.goto(url)
    wait_for_app(page)
    sign_in(page, username)
    expect(page.get_by_test_id("stSidebar").get_by_text(f"已登录：{username}")).to_be_visible(
        timeout=T
    )


def alert(page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def card(page):
    return page.locator(".st-key-cockpit_cards .card[data-code='idc_racks']")


def submissions_page(page) -> None:
    open_page(page, "上报审核")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="上报审核")).to_be_visible(timeout=T)


def test_submit_return_resubmit_approve_and_the_overview_changes(
    server, page, browser, tmp_path: Path
) -> None:
    assert racks_in_force(server.db) == [(37820.0,)]  # 3.78 万架

    # 1. The clerk submits a file: it waits for review, nothing in force changes.
    start_as(page, server.url, "staff")
    open_page(page, "数据上报")
    upload = tmp_path / "机架-2025Q4.csv"
    upload.write_text(f"指标代码,期间,数值\nidc_racks,{QUARTER},39000\n", encoding="utf-8")
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(upload))
    expect(page.get_by_text("检查完成")).to_be_visible(timeout=T)
    wait_for_app(page)
    page.get_by_role("button", name=re.compile("确认写入|提交审核")).click()
    done = alert(page, "批次号")
    expect(done).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)
    first = int(re.search(r"批次号 (\d+)", done.inner_text())[1])
    assert batch_row(server.db, first)[0] == "pending"
    assert racks_in_force(server.db) == [(37820.0,)]

    # The overview shows approved figures only, and says one submission is pending.
    open_page(page, "总览")
    choose_as_of(page, QUARTER)
    expect(card(page)).to_contain_text("3.78 / 5 万架", timeout=T)
    expect(page.get_by_text("另有 1 份上报待审核")).to_be_visible()

    # 2. The reviewer returns it: a reason is required.
    reviewer = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="zh-CN"
    ).new_page()
    start_as(reviewer, server.url, "reviewer")
    submissions_page(reviewer)
    assert metric_value(reviewer, "待审核") == "1"
    rows = grid_records(dataframe_with(reviewer, "新值"))
    assert [(r["原值"], r["新值"], r["变化"]) for r in rows] == [("3.78 万架", "3.9 万架", "修改")]
    screenshot(reviewer, "review-1-queue")
    reviewer.get_by_role("button", name="退回", exact=True).click()
    expect(alert(reviewer, "退回时请填写原因")).to_be_visible(timeout=T)
    assert batch_row(server.db, first)[0] == "pending"
    reviewer.get_by_role("textbox", name="退回原因").fill(REASON)
    reviewer.get_by_role("button", name="退回", exact=True).click()
    expect(alert(reviewer, f"批次 {first} 已退回上报员")).to_be_visible(timeout=T)
    wait_for_app(reviewer)
    assert batch_row(server.db, first)[:3] == ("returned", REASON, "reviewer")

    # 3. The clerk sees the reason and resubmits from the entry grid, which starts from the
    # returned batch's rows (checked, the figure confirmed).
    submissions_page(page)
    expect(alert(page, f"已被 reviewer 退回，原因：{REASON}")).to_be_visible(timeout=T)
    screenshot(page, "review-2-returned")
    page.get_by_role("button", name="更正后重新提交").click()
    expect(page).to_have_url(re.compile(rf"resubmit={first}"), timeout=T)
    wait_for_app(page)
    assert_no_exception(page)
    expect(alert(page, f"正在修改退回的批次 {first}")).to_be_visible(timeout=T)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.get_by_text("检查完成")).to_be_visible(timeout=T)
    wait_for_app(page)
    effect = grid_records(dataframe_with(page, "填报值"))
    assert [(r["填报值"], r["累计"]) for r in effect] == [
        ("累计数 3.9 万架", "3.78 万架 → 3.9 万架")
    ]
    page.get_by_role("button", name="提交", exact=True).click()
    resubmitted = alert(page, "批次号")
    expect(resubmitted).to_be_visible(timeout=T)
    wait_for_app(page)
    second = int(re.search(r"批次号 (\d+)", resubmitted.inner_text())[1])
    assert second != first
    assert batch_row(server.db, second) == ("pending", None, None, first)
    assert racks_in_force(server.db) == [(37820.0,)]

    # 4. The reviewer approves the resubmission; the overview shows the new figure.
    open_page(reviewer, "总览")  # and back: the queue is read afresh
    submissions_page(reviewer)
    queue = {r["批次"]: r for r in grid_records(dataframe_with(reviewer, "关联批次"))}
    assert (queue[str(second)]["状态"], queue[str(second)]["关联批次"]) == (
        "待审核",
        f"更正批次 {first}",
    )
    assert queue[str(first)]["关联批次"] == f"已重新提交为批次 {second}"
    reviewer.get_by_role("button", name="审核通过", exact=True).click()
    expect(alert(reviewer, f"批次 {second} 已审核通过")).to_be_visible(timeout=T)
    wait_for_app(reviewer)
    assert_no_exception(reviewer)
    screenshot(reviewer, "review-3-approved")
    assert batch_row(server.db, second)[0] == "approved"
    assert racks_in_force(server.db) == [(39000.0,)]
    audit = fetch(
        server.db,
        "select action, user_name from audit_log where batch_id in (?, ?) order by audit_id",
        [first, second],
    )
    assert audit == [
        ("submit", "staff"),
        ("return", "reviewer"),
        ("submit", "staff"),
        ("approve", "reviewer"),
    ]

    open_page(page, "总览")
    choose_as_of(page, QUARTER)
    expect(card(page)).to_contain_text("3.9 / 5 万架", timeout=T)
    expect(page.get_by_text("份上报待审核")).to_have_count(0)
    card(page).scroll_into_view_if_needed()
    screenshot(page, "review-4-cockpit")

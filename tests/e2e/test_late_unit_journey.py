"""A late unit on the warning list: in a store where 2025Q4 was reported on time except one
indicator, which nobody has reported, its units appear under 逾期未报 in Chromium, with the
quarter, the due date, the days overdue and the indicator; the list downloads with them."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.measure import tracking
from tests.calendar_helpers import LATE_QUARTER, LATE_UNIT, PLAN, late_unit_store
from tests.e2e.browser import (
    assert_no_exception,
    dataframe_with,
    grid_records,
    metric_value,
    open_page,
    screenshot,
    wait_for_app,
)
from tests.e2e.conftest import Server, start_server, stop_server

T = 30_000  # ms: the machine is shared and slow


@pytest.fixture
def late_server(demo_db: Path, users_file: Path) -> Iterator[Server]:
    late_unit_store(demo_db)
    server = start_server(demo_db, users_file)
    yield server
    stop_server(server)


def test_unit_that_has_not_reported_a_due_quarter_is_on_the_warning_list(
    late_server: Server, page
) -> None:
    page.goto(late_server.url)
    wait_for_app(page)
    open_page(page, "预警督办清单")
    assert_no_exception(page)
    heading = page.get_by_role("heading", name="逾期未报")
    expect(heading).to_be_visible(timeout=T)
    heading.scroll_into_view_if_needed()

    due = tracking.due_date(LATE_QUARTER)
    rows = {r["责任单位"]: r for r in grid_records(dataframe_with(page, "逾期天数"))}
    assert LATE_UNIT in rows, sorted(rows)
    row = rows[LATE_UNIT]
    assert row["季度"] == LATE_QUARTER
    assert row["截止日期"] == due.isoformat()
    assert row["逾期天数"] == str((date.today() - due).days)
    assert row["未报送指标"] == "数字化转型中高级人才"
    late, _demo = tracking.read_calendar(late_server.db, PLAN, date.today())
    assert int(metric_value(page, "逾期未报单位")) == late["unit_zh"].nunique() >= len(rows)
    # The quarters before are demo data: said so, and not counted as late.
    expect(page.get_by_text("的数字为演示数据，没有真实的报送记录")).to_be_visible()
    screenshot(page, "late-unit-warning-list")

    with page.expect_download(timeout=T) as info:
        page.locator(".st-key-download_csv_warnings_late_reports button").first.click()
    content = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    assert LATE_UNIT in content and LATE_QUARTER in content

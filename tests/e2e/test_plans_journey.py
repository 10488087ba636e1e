"""Two plans in one store, in the browser (issue 13): an admin imports the next plan on 规划管理;
it becomes the default, the sidebar switches between the two, the address names the plan, and
5G base stations run on from one plan into the next."""

import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from kpi.store.loads import load_files
from tests.e2e.browser import (
    assert_no_exception,
    open_page,
    screenshot,
    select_option,
    sign_in,
    wait_for_app,
)
from tests.e2e.conftest import Server
from tests.test_plan_continuity import CODE, NEW, OLD, TODAY, next_plan_folder

T = 30_000


def plan_zip(folder: Path) -> Path:
    """The next plan's CSV folder as the zip an admin uploads on 规划管理."""
    archive = folder / f"{NEW}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for csv_file in sorted(next_plan_folder(folder).glob("*.csv")):
            z.write(csv_file, csv_file.name)
    return archive


def query(page) -> dict[str, str]:
    return dict(re.findall(r"[?&](\w+)=([^&]*)", page.url))


def caption(page, text: str):
    return page.get_by_test_id("stMain").get_by_text(text).first


def test_an_admin_imports_the_next_plan_and_a_leader_switches_between_them(
    server: Server, page, tmp_path: Path
) -> None:
    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    sign_in(page, "admin")
    open_page(page, "规划管理")
    upload = page.get_by_test_id("stFileUploader").locator("input[type=file]")
    upload.set_input_files(str(plan_zip(tmp_path)))
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(f"预览：导入规划 {NEW} 将作如下改动")).to_be_visible(timeout=T)
    main.get_by_text("我已核对以上改动").click()
    wait_for_app(page)
    main.get_by_role("button", name="确认导入").click()
    wait_for_app(page)
    expect(main.get_by_text(f"已导入规划 {NEW}").first).to_be_visible(timeout=T)
    assert_no_exception(page)
    screenshot(page, "plans-0-imported")
    # IT loads the first quarter of the next plan; the first plan could not take it.
    figures = tmp_path / "2026Q1.csv"
    figures.write_text(f"指标代码,期间,数值,单位\n{CODE},2026Q1,21000,座\n", encoding="utf-8")
    assert load_files([figures], db=server.db, plan_id=NEW, user_name="it", today=TODAY).ok

    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    # The plan whose window covers today is the default, and the address says so.
    expect(caption(page, "测试用后续规划（2026—2030年）")).to_be_visible(timeout=T)
    expect(page).to_have_url(re.compile(f"plan={NEW}"), timeout=T)
    assert query(page)["as_of"] == "2026Q1"
    screenshot(page, "plans-1-next-plan")

    sidebar = page.get_by_test_id("stSidebar")
    select_option(page, "规划", re.compile("湛江市制造业数字化转型行动计划"), area=sidebar)
    assert_no_exception(page)
    expect(caption(page, "湛江市制造业数字化转型行动计划（2023—2025年）")).to_be_visible(timeout=T)
    expect(page).to_have_url(re.compile(f"plan={OLD}"), timeout=T)
    assert query(page)["as_of"] == "2025Q4"  # the first plan has no quarter after its end
    screenshot(page, "plans-2-first-plan")

    # A link naming the next plan opens it; its 5G page starts from the first plan's last figure.
    page.goto(f"{server.url}/indicator?plan={NEW}&as_of=2026Q1&lang=en&indicator={CODE}")
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    expect(caption(page, "Test follow-on plan (2026-2030)")).to_be_visible(timeout=T)
    assert query(page)["plan"] == NEW
    screenshot(page, "plans-3-next-plan-indicator")

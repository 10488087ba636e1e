"""Writing through the browser: upload with preview and commit, errors, refusals, rollback, tasks.

Every figure below is checked three ways where it matters: what the page shows, what the cockpit
shows afterwards, and what the database behind the server holds (read with brief read-only
connections; the app opens the file only for the length of one operation).
"""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.auth.accounts import User
from kpi.base import periods
from kpi.measure import tracking
from kpi.store import connection, ingest, intake, queries, review
from kpi.store import db as store_db
from tests.e2e.browser import (
    assert_no_exception,
    choose_as_of,
    dataframe_with,
    dump_tables,
    fetch,
    follow_link,
    grid_records,
    metric_value,
    nav_links,
    nav_titles,
    open_page,
    screenshot,
    select_option,
    sign_in,
    wait_for_app,
    write_controls,
)

PLAN = "zhanjiang-dt-2023"
T = 30_000  # ms: the machine is shared and slow
WRITE_PAGES = {"upload": "数据上报", "task_update": "任务进展填报", "audit": "操作日志"}
ANONYMOUS_REFUSAL = {
    "upload": "此功能需要登录（上报员或管理员）",
    "task_update": "此功能需要登录（上报员或管理员）",
    "audit": "此功能需要登录（管理员）",
}
VIEWER_REFUSAL = {
    "upload": "需要上报员或管理员权限",
    "task_update": "需要上报员或管理员权限",
    "audit": "需要管理员权限",
}
# Admin pages another change adds; a viewer must not see them either.
ADMIN_PAGES = ("目标调整", "用户管理")
CITY = "sector_code is null and district_code is null"


# ------------------------------------------------------------------ helpers


@pytest.fixture(autouse=True)
def server_tracebacks(request):
    """After each test, print the server's tracebacks (shown by pytest when the test failed).

    The app hides error details from users (client.showErrorDetails = "none"), so the page's
    exception box says nothing useful; the server's log has the traceback.
    """
    names = [n for n in ("server", "fresh_server") if n in request.fixturenames]
    logs = [request.getfixturevalue(name).log for name in names]
    yield
    for log in logs:
        text = log.read_text(errors="replace") if log and log.exists() else ""
        if "Traceback" in text:
            print(f"--- {log} ---\n{text[-8000:]}")


def start(page, url: str, username: str | None = None) -> None:
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)
    if username:
        sign_in(page, username)
        signed_in = page.get_by_test_id("stSidebar").get_by_text(f"已登录：{username}")
        expect(signed_in).to_be_visible(timeout=T)


def alert(page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def upload_file(page, path: Path) -> None:
    """Choose `path` in the page's file uploader and wait until the check is shown."""
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text("检查完成")).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)


def city_value(db: Path, code: str, period: str) -> list[tuple]:
    return fetch(
        db,
        f"select value from figures where plan_id = ? and indicator_code = ? and period = ? "
        f"and {CITY} and is_current",
        [PLAN, code, period],
    )


def card(page, code: str):
    """The overview card of one indicator (in the cards' HTML, by its code)."""
    return page.locator(f".st-key-cockpit_cards .card[data-code='{code}']")


def assert_refused_without_write_controls(page, refusal: str, title: str) -> None:
    expect(alert(page, refusal)).to_be_visible(timeout=T)
    assert write_controls(page) == []
    assert page.get_by_test_id("stDownloadButton").count() == 0  # no template, file or log
    assert page.get_by_test_id("stDataFrame").count() == 0  # no history, no audit entries
    expect(page.get_by_role("heading", name=title)).to_have_count(0)
    expect(page.get_by_test_id("stMain").get_by_label("用户名")).to_be_visible()


# ------------------------------------------------------------------ 1. the happy path


def test_staff_uploads_gbk_file_previews_commits_and_cockpit_shows_the_figure(
    server, page, tmp_path: Path
) -> None:
    quarter = "2024Q2"
    assert quarter <= periods.current_period()  # a quarter that has come: not refused as future
    assert city_value(server.db, "base_stations_5g", quarter) == [(12414.0,)]  # 1.24 万座
    start(page, server.url, "staff")
    choose_as_of(page, quarter)
    expect(card(page, "base_stations_5g")).to_contain_text("1.24 / 1.8 万座", timeout=T)

    open_page(page, "数据上报")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="数据上报")).to_be_visible()

    # The unit's template: one row per indicator the unit reports, for the due quarter, with its
    # basis and empty 本期数 / 累计数 cells.
    with page.expect_download(timeout=T) as info:
        page.get_by_role("button", name="下载 CSV 模板").click()
    template = Path(info.value.path()).read_bytes()
    staff = User("staff", "staff", "市工业和信息化局", "staff")
    with store_db.read(server.db) as con:
        due = tracking.reporting_period(queries.plan(con, PLAN))
        mine = intake.writable_indicators(con, PLAN, staff)
    assert info.value.suggested_filename == f"template-unit-{due}.csv"
    rows = list(csv.DictReader(io.StringIO(template.decode("utf-8-sig"))))
    assert {"指标代码", "口径", "上期累计数", "本期数", "累计数"} <= set(rows[0])
    assert {r["指标代码"] for r in rows} == set(mine) and "base_stations_5g" in mine
    assert {r["期间"] for r in rows} == {due}
    assert all(r["本期数"] == r["累计数"] == "" for r in rows)

    # A GBK file as Excel on Chinese Windows saves it: Chinese headers, names and quarters.
    content = (
        "指标,期间,区县,数值\n5G 基站,2024年第二季度,,12800\n5G 基站,2024年第二季度,赤坎区,3000\n"
    ).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    upload = tmp_path / "上报-2024年第二季度.csv"
    upload.write_bytes(content)
    upload_file(page, upload)
    assert [metric_value(page, m) for m in ("读取行数", "可写入行数", "错误", "警告")] == [
        "2",
        "2",
        "0",
        "0",
    ]
    expect(page.get_by_text("新增 1 条，修改 1 条，未变 0 条")).to_be_visible()
    preview = grid_records(dataframe_with(page, "新值"))
    shown = {
        (r["行号"], r["指标"], r["季度"], r["县（市、区）"], r["原值"], r["新值"], r["变化"])
        for r in preview
    }
    assert shown == {
        ("2", "5G 基站", quarter, "—", "1.24 万座", "1.28 万座", "修改"),
        ("3", "5G 基站", quarter, "赤坎区", "—", "0.3 万座", "新增"),
    }
    screenshot(page, "intake-1-preview")
    assert city_value(server.db, "base_stations_5g", quarter) == [(12414.0,)]  # not yet written

    commit = page.get_by_role("button", name="提交审核")
    expect(commit).to_be_enabled()
    commit.click()
    done = alert(page, "批次号")
    expect(done).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)
    batch_id = int(re.search(r"批次号 (\d+)", done.inner_text())[1])
    screenshot(page, "intake-1-committed")

    # A staff member's batch waits for review (tests/e2e/test_review_journey.py goes through
    # the review page); approved here directly, it comes into force.
    assert fetch(
        server.db,
        "select kind, user_name, file_name, row_count, review_state from batches "
        "where batch_id = ?",
        [batch_id],
    ) == [("load", "staff", upload.name, 2, "pending")]
    assert city_value(server.db, "base_stations_5g", quarter) == [(12414.0,)]
    with store_db.connect(server.db) as con:
        review.approve_batch(con, batch_id, user_name="reviewer", role="reviewer")
    open_page(page, "总览")  # a reload would start a new, signed-out session
    open_page(page, "数据上报")
    wait_for_app(page)
    assert sorted(
        fetch(
            server.db,
            "select coalesce(district_code, ''), value from figures "
            "where batch_id = ? and is_current",
            [batch_id],
        )
    ) == [("", 12800.0), ("chikan", 3000.0)]
    # The original bytes, GBK as uploaded, kept beside the store.
    assert intake.original_file(server.db, batch_id) == (upload.name, content)
    history = {r["批次"]: r for r in grid_records(dataframe_with(page, "上传人"))}
    assert history[str(batch_id)]["状态"] == "生效中"
    assert history[str(batch_id)]["文件"] == upload.name

    open_page(page, "总览")
    assert_no_exception(page)
    choose_as_of(page, quarter)
    expect(card(page, "base_stations_5g")).to_contain_text("1.28 / 1.8 万座", timeout=T)
    card(page, "base_stations_5g").scroll_into_view_if_needed()
    screenshot(page, "intake-1-cockpit")


# ------------------------------------------------------------------ 2. a broken file


def test_broken_file_shows_chinese_errors_and_writes_nothing(server, page, tmp_path: Path) -> None:
    current = periods.current_period()
    future = periods.add_quarters(current, 2)
    broken = tmp_path / "有错误.csv"
    broken.write_bytes(
        (
            "指标,期间,数值\n"
            "不存在的指标,2024Q2,100\n"
            "5G 基站,2024Q2,很多\n"
            "5G 基站,2024Q5,12000\n"
            f"5G 基站,{future},12000\n"
        ).encode("gbk")
    )
    before = dump_tables(server.db)
    start(page, server.url, "staff")
    open_page(page, "数据上报")
    assert_no_exception(page)
    upload_file(page, broken)

    assert metric_value(page, "读取行数") == "4"
    assert metric_value(page, "错误") == "4"
    assert metric_value(page, "可写入行数") == "0"
    expect(alert(page, "文件有 4 处错误，请按下表修改后重新上传（未写入任何数据）")).to_be_visible()
    problems = grid_records(dataframe_with(page, "说明"))
    messages = {(r["行号"], r["列"], r["填写的值"], r["类型"]): r["说明"] for r in problems}
    assert set(messages) == {
        ("2", "指标", "不存在的指标", "错误"),
        ("3", "数值", "很多", "错误"),
        ("4", "期间", "2024Q5", "错误"),
        ("5", "期间", future, "错误"),
    }
    assert messages["2", "指标", "不存在的指标", "错误"].startswith("未知指标“不存在的指标”")
    assert messages["3", "数值", "很多", "错误"] == "数值“很多”不是数字"
    assert messages["4", "期间", "2024Q5", "错误"] == (
        "期间“2024Q5”格式不正确，应写作 2024Q3、2024-Q3 或 2024年第三季度"
    )
    future_message = f"期间 {future} 尚未到来（当前季度为 {current}）"
    assert messages["5", "期间", future, "错误"] == future_message

    expect(page.get_by_role("button", name="提交审核")).to_be_disabled()
    expect(page.get_by_text("写入预览")).to_have_count(0)
    screenshot(page, "intake-2-errors")
    assert dump_tables(server.db) == before


# ------------------------------------------------------------------ 3. a viewer


def test_viewer_cannot_reach_any_write_action(server, page) -> None:
    start(page, server.url, "viewer")
    titles = nav_titles(page)
    assert "总览" in titles and "任务与责任单位" in titles
    assert not set(titles) & {*WRITE_PAGES.values(), *ADMIN_PAGES}, titles
    for index in range(nav_links(page).count()):
        follow_link(page, nav_links(page).nth(index))
        assert_no_exception(page)
        assert write_controls(page) == [], nav_titles(page)[index]
        screenshot(page, f"intake-3-viewer-{index}")

    for path, title in WRITE_PAGES.items():
        page.goto(f"{server.url}/{path}")  # a new browser session: signed out again
        wait_for_app(page)
        assert_no_exception(page)
        assert write_controls(page) == []
        # Registered but not listed for a visitor: the page itself says why, never a redirect.
        assert_refused_without_write_controls(page, ANONYMOUS_REFUSAL[path], title)
        assert page.url.startswith(f"{server.url}/{path}")
        sign_in(page, "viewer", area="main")
        assert_refused_without_write_controls(page, VIEWER_REFUSAL[path], title)
        assert not set(nav_titles(page)) & set(WRITE_PAGES.values())
        assert_no_exception(page)
        assert write_controls(page) == []
        expect(page.get_by_role("heading", name=title)).to_have_count(0)
        screenshot(page, f"intake-3-viewer-url-{path}")


# ------------------------------------------------------------------ 4. first request by URL


@pytest.mark.parametrize("path", list(WRITE_PAGES))
def test_write_page_as_first_request_on_fresh_server_refuses(fresh_server, page, path) -> None:
    page.goto(f"{fresh_server.url}/{path}")
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    title = WRITE_PAGES[path]
    assert_refused_without_write_controls(page, ANONYMOUS_REFUSAL[path], title)
    assert page.get_by_test_id("stFileUploader").count() == 0
    screenshot(page, f"intake-4-fresh-{path}")

    sign_in(page, "viewer", area="main")
    assert_no_exception(page)
    assert_refused_without_write_controls(page, VIEWER_REFUSAL[path], title)
    expect(page.get_by_text("当前账号：viewer（领导（只读））")).to_be_visible()
    if path == "audit":  # staff may upload and update tasks, but not read the audit log
        sign_in(page, "staff", area="main")
        assert_no_exception(page)
        assert_refused_without_write_controls(page, "需要管理员权限", title)


# ------------------------------------------------------------------ 5. rollback by an admin


def load_directly(db: Path, content: bytes, file_name: str) -> int:
    """Write a file as staff would, through kpi.store.ingest on a short read-write connection."""
    with store_db.connect(db) as con:
        check = ingest.check_upload(con, content, file_name, PLAN)
        assert not check.checked.problems, check.checked.problems
        with connection.transaction(con):
            return ingest.write_batch(con, check, user_name="staff", role="staff")


def test_admin_rolls_back_a_batch_and_the_earlier_value_returns(server, page) -> None:
    quarter = "2024Q3"
    assert city_value(server.db, "idc_racks", quarter) == [(28003.0,)]  # 2.8 万架
    batch_id = load_directly(
        server.db, f"指标代码,期间,数值\nidc_racks,{quarter},29500\n".encode(), "机架-回滚测试.csv"
    )
    assert city_value(server.db, "idc_racks", quarter) == [(29500.0,)]

    start(page, server.url, "admin")
    choose_as_of(page, quarter)
    expect(card(page, "idc_racks")).to_contain_text("2.95 / 5 万架", timeout=T)

    open_page(page, "数据上报")
    assert_no_exception(page)
    status = {r["批次"]: r["状态"] for r in grid_records(dataframe_with(page, "上传人"))}
    assert status[str(batch_id)] == "生效中"
    select_option(page, "选择批次", re.compile(rf"^{batch_id} · 机架-回滚测试\.csv · staff"))
    rollback = page.get_by_role("button", name="撤销该批次")
    expect(rollback).to_be_disabled()
    page.get_by_test_id("stCheckbox").get_by_text(f"确认撤销批次 {batch_id}").click()
    wait_for_app(page)
    expect(rollback).to_be_enabled(timeout=T)
    rollback.click()
    flash = alert(page, f"已撤销批次 {batch_id}")
    expect(flash).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)
    text = flash.inner_text()
    assert "恢复 1 个旧值，撤下 1 个数值" in text
    rollback_id = int(re.search(r"撤销记录为批次 (\d+)", text)[1])
    screenshot(page, "intake-5-rolled-back")

    # The rollback is a batch of its own in the history, and in the audit log.
    status = {r["批次"]: r["状态"] for r in grid_records(dataframe_with(page, "上传人"))}
    assert status[str(batch_id)] == f"已撤销（批次 {rollback_id}）"
    assert status[str(rollback_id)] == f"撤销记录（撤销批次 {batch_id}）"
    assert city_value(server.db, "idc_racks", quarter) == [(28003.0,)]
    assert fetch(
        server.db,
        "select kind, rolls_back, user_name from batches where batch_id = ?",
        [rollback_id],
    ) == [("rollback", batch_id, "admin")]
    assert fetch(
        server.db,
        "select role, batch_id from audit_log where action = 'rollback' and object_id = ?",
        [str(batch_id)],
    ) == [("admin", rollback_id)]

    open_page(page, "总览")
    assert_no_exception(page)
    choose_as_of(page, quarter)
    expect(card(page, "idc_racks")).to_contain_text("2.8 / 5 万架", timeout=T)
    card(page, "idc_racks").scroll_into_view_if_needed()
    screenshot(page, "intake-5-cockpit")

    open_page(page, "操作日志")
    assert_no_exception(page)
    log = grid_records(dataframe_with(page, "改动前"))
    entries = {(r["用户"], r["操作"], r["批次"], r["对象"]) for r in log}
    assert ("admin", "撤销批次", str(rollback_id), str(batch_id)) in entries
    screenshot(page, "intake-5-audit")


# ------------------------------------------------------------------ 6. a task update


def test_staff_updates_a_task_and_the_tasks_page_shows_the_status(server, page) -> None:
    quarter = "2025Q4"
    latest = fetch(
        server.db,
        "select status from task_updates where plan_id = ? and group_no = 1 and subtask_no = 1 "
        "and period <= ? order by period desc, update_id desc limit 1",
        [PLAN, quarter],
    )
    assert latest and latest[0][0] != "not_started"
    note = "平台验收材料已提交，待专家评审（e2e）"
    start(page, server.url, "staff")
    choose_as_of(page, quarter)
    open_page(page, "任务进展填报")
    assert_no_exception(page)
    select_option(page, "选择子任务", re.compile(r"^1\(1\) "))
    form = page.get_by_test_id("stForm")
    select_option(page, "进展状态", "未启动", area=form)
    select_option(page, "季度", quarter, area=form)
    form.get_by_role("textbox", name="进展说明").fill(note)
    form.get_by_role("textbox", name="佐证说明（可选）").fill("评审通知.pdf")
    form.get_by_role("button", name="提交进展").click()
    saved = alert(page, "号进展：1(1)")
    expect(saved).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)
    assert f"1(1)，{quarter}，未启动" in saved.inner_text()
    screenshot(page, "intake-6-task-saved")
    assert fetch(
        server.db,
        "select status, period, note, evidence, user_name, unit_zh from task_updates "
        "where plan_id = ? and group_no = 1 and subtask_no = 1 order by update_id desc limit 1",
        [PLAN],
    ) == [("not_started", quarter, note, "评审通知.pdf", "staff", "市工业和信息化局")]

    open_page(page, "任务与责任单位")
    assert_no_exception(page)
    choose_as_of(page, quarter)
    not_started = page.get_by_test_id("stMetric").filter(has_text="未启动")
    expect(not_started.get_by_test_id("stMetricValue")).to_have_text("1", timeout=T)
    statuses = page.get_by_test_id("stMultiSelect").filter(has_text="进展")
    statuses.first.click()
    page.get_by_role("option", name="未启动").click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text(re.compile(r"^显示 1 / \d+ 项子任务$"))).to_be_visible(timeout=T)
    # The caption can change before the grid has redrawn its rows: wait for the one row.
    rows = dataframe_with(page, "序号").locator("table[role=grid] tbody tr")
    expect(rows).to_have_count(1, timeout=T)
    board = grid_records(dataframe_with(page, "序号"))
    assert [(r["序号"], r["进展"]) for r in board] == [("1(1)", "○ 未启动")]  # symbol + word
    screenshot(page, "intake-6-tasks")

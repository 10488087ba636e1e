"""Authority through the browser: a staff account of 市通信建设管理办公室 cannot write another
unit's figures. The accounts are a copy of the shipped demo accounts (staff2 / staff2-demo), so
they sign in against a throwaway database."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.base import config
from tests.e2e.browser import (
    assert_no_exception,
    dataframe_with,
    dump_tables,
    grid_records,
    metric_value,
    open_page,
    screenshot,
    wait_for_app,
)
from tests.e2e.conftest import Server, start_server, stop_server

T = 30_000  # ms: the machine is shared and slow


@pytest.fixture
def demo_accounts_server(demo_db: Path, tmp_path: Path) -> Iterator[Server]:
    users = tmp_path / "users.yaml"
    shutil.copy(config.DEMO_USERS_FILE, users)
    users.chmod(0o600)
    server = start_server(demo_db, users)
    yield server
    stop_server(server)


def sign_in(page, username: str, password: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stPopover").get_by_role("button").click()  # the sign-in popover
    form = page.get_by_test_id("stPopoverBody")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("密码").fill(password)
    form.get_by_role("button", name="登录").click()
    wait_for_app(page)
    expect(sidebar.get_by_text("已登录：市通信建设管理办公室上报员")).to_be_visible(timeout=T)


def test_staff2_sees_a_row_error_for_another_units_indicator_and_nothing_is_written(
    demo_accounts_server: Server, page, tmp_path: Path
) -> None:
    server = demo_accounts_server
    mixed = tmp_path / "通信办上报.csv"
    mixed.write_bytes(
        (
            "指标代码,期间,数值\n"
            "base_stations_5g,2024Q3,13400\n"
            "public_platform,2024Q3,1\n"
            "smart_factories,2024Q3,2\n"
        ).encode("gbk")
    )
    before = dump_tables(server.db)
    page.goto(server.url)
    wait_for_app(page)
    sign_in(page, "staff2", "staff2-demo")
    open_page(page, "数据上报")
    assert_no_exception(page)
    expect(page.get_by_text("本单位（市通信建设管理办公室）可填报的指标：")).to_be_visible()

    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(mixed))
    expect(page.get_by_text("检查完成")).to_be_visible(timeout=T)
    wait_for_app(page)
    assert_no_exception(page)

    assert metric_value(page, "错误") == "2"
    assert metric_value(page, "可写入行数") == "0"
    problems = grid_records(dataframe_with(page, "说明"))
    refused = {r["行号"]: r for r in problems if r["说明"].startswith("本单位（")}
    assert set(refused) == {"3", "4"}
    assert refused["3"]["说明"].startswith(
        "本单位（市通信建设管理办公室）不负责该指标（湛江市工业互联网公共服务平台，public_platform）"
    )
    assert refused["4"]["说明"].startswith(
        "本单位（市通信建设管理办公室）不负责该指标（智能制造示范工厂，smart_factories）"
    )
    assert (refused["3"]["列"], refused["3"]["填写的值"], refused["3"]["类型"]) == (
        "指标代码",
        "public_platform",
        "错误",
    )
    expect(page.get_by_role("button", name="提交审核")).to_be_disabled()
    screenshot(page, "authority-row-errors")
    assert dump_tables(server.db) == before

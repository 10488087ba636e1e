"""AppTest runs of the admin pages 目标调整 (pages/targets.py) and 用户管理 (pages/users.py).

Each page is opened on its own (as a direct URL would) and through app.py's navigation, for
every role. Accounts live in a temporary users file (see tests/test_pages_intake.py).
"""

import json
from pathlib import Path

import page_html
import pytest
from intake_helpers import HISTORY_TABLES, dump_tables, use_accounts
from intake_helpers import run_page as run
from streamlit.testing.v1 import AppTest
from test_pages_intake import nav_visibility

from kpi.auth import accounts, signin
from kpi.base import config
from kpi.measure import assessment
from kpi.store import db, queries, target_edits

pytestmark = pytest.mark.page

TARGETS, USERS, APP = "../pages/targets.py", "../pages/users.py", "../app.py"
PLAN = "zhanjiang-dt-2023"
TABLES = HISTORY_TABLES + ("target_edits",)
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "admin": ("admin", None),
}


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KPI_DB -> a demo copy; KPI_USERS_FILE -> one account per role."""
    return use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def status(path: Path):
    with db.connect(path) as con:
        as_of = assessment.default_as_of(con, PLAN)
        return assessment.indicator_status(con, PLAN, as_of).set_index("indicator_code")


def audit(path: Path):
    with db.connect(path) as con:
        return queries.audit_log(con)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize("page", [TARGETS, USERS])
@pytest.mark.parametrize(
    ("username", "message"),
    [(None, "此功能需要登录（管理员）"), ("viewer", "需要管理员权限"), ("staff", "需要管理员权限")],
)
def test_admin_page_refuses_and_shows_no_control_when_not_admin(env, page, username, message):
    at = run(page, username)
    assert message in texts(at.error)
    assert [b.key for b in at.button if not (b.key or "").startswith("auth_")] == []
    assert not at.dataframe and not at.get("download_button")
    assert not at.number_input and not at.selectbox and not at.text_area
    assert len(at.text_input) == 2  # only the sign-in form


@pytest.mark.parametrize(
    ("username", "allowed"), [(None, False), ("viewer", False), ("staff", False), ("admin", True)]
)
def test_navigation_lists_admin_pages_only_for_admins(env, monkeypatch, username, allowed):
    listed = nav_visibility(monkeypatch)
    for page in ("pages/targets.py", "pages/users.py"):
        at = run(APP, username, check=False)
        assert listed[page] == ("visible" if allowed else "hidden")
        # Registered either way: opened by address, a page says why it refuses (no redirect).
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if allowed:
            assert not at.error
        else:
            assert "管理员" in texts(at.error)
            assert [b for b in at.button if b.key == "auth_main_submit"]


# ------------------------------------------------------------------ target edits


def value_input(at: AppTest, index: int):
    """The new-value field of the picked row (its key also carries the value in force)."""
    return next(n for n in at.number_input if n.key.startswith(f"targets_value_{index}_"))


def pick_5g(at: AppTest, path: Path) -> int:
    rows = target_edits.read_editable_rows(path, PLAN)
    index = rows.index[
        (rows.kind == "target") & (rows.indicator_code == "base_stations_5g") & rows.is_default
    ][0]
    at.selectbox(key="targets_pick").set_value(int(index))
    at.run()
    return int(index)


def test_admin_sees_targets_with_sources_and_the_form(env):
    at = run(TARGETS, "admin")
    table = next(d.value for d in at.dataframe if "文件原值" in d.value.columns)
    assert {"现行值", "文件原值", "文号", "条款", "管理员调整"} <= set(table.columns)
    assert "目标调整" in texts(at.title)
    assert at.get("download_button")  # CSV and XLSX of the list
    assert "尚无调整记录" in texts(at.info)


def test_admin_edits_a_target_and_the_overview_follows(env):
    before = status(env).loc["base_stations_5g"]
    at = run(TARGETS, "admin")
    index = pick_5g(at, env)
    assert "1.8 万座" in texts(at.caption)
    number = value_input(at, index)
    assert number.value == pytest.approx(1.8)
    assert "万座" in number.label
    number.set_value(1.86)
    at.text_area(key="targets_reason").input("市政府常务会议决定上调目标")
    at.checkbox(key="targets_confirm").check()
    submit(at, "保存调整")
    assert "已保存调整" in texts(at.success)
    assert not at.warning  # no session-state warning from the reset form
    assert at.text_area(key="targets_reason").value == ""
    assert not at.checkbox(key="targets_confirm").value
    assert value_input(at, index).value == pytest.approx(1.86)  # the new value in force
    after = status(env).loc["base_stations_5g"]
    assert (before.target, after.target) == (18000, pytest.approx(18600))
    assert after.completion < before.completion
    entry = audit(env).iloc[0]
    assert (entry.action, entry.user_name) == ("edit_target", "admin")
    assert json.loads(entry.after_json)["reason"] == "市政府常务会议决定上调目标"
    history = next(d.value for d in at.dataframe if "调整原因" in d.value.columns)
    assert history["新值"].iloc[0] == "1.86 万座"
    # The overview shows the new target.
    cockpit = run("../pages/cockpit.py", "admin")
    assert "1.86 万座" in page_html.card_texts(cockpit)["base_stations_5g"]


@pytest.mark.parametrize("reason", ["", "太短"])
def test_target_edit_needs_a_reason_and_writes_nothing_without(env, reason):
    before = dump_tables(env, TABLES)
    at = run(TARGETS, "admin")
    index = pick_5g(at, env)
    value_input(at, index).set_value(1.86)
    if reason:
        at.text_area(key="targets_reason").input(reason)
    at.checkbox(key="targets_confirm").check()
    submit(at, "保存调整")
    assert "请填写调整原因（至少 5 个字）" in texts(at.error)
    assert not at.success
    assert dump_tables(env, TABLES) == before


def test_target_edit_needs_the_confirmation(env):
    before = dump_tables(env, TABLES)
    at = run(TARGETS, "admin")
    index = pick_5g(at, env)
    value_input(at, index).set_value(1.86)
    at.text_area(key="targets_reason").input("市政府常务会议决定上调目标")
    submit(at, "保存调整")
    assert "请先勾选确认" in texts(at.error)
    assert dump_tables(env, TABLES) == before


def test_target_page_in_english(env):
    at = run(TARGETS, "admin", "en")
    assert "Target edits" in texts(at.title)
    assert any("Cited value" in d.value.columns for d in at.dataframe)


# ------------------------------------------------------------------ users


def accounts_shown(at: AppTest):
    return next(d.value for d in at.dataframe if "用户名" in d.value.columns)


def test_admin_lists_accounts_without_hashes(env):
    at = run(USERS, "admin")
    table = accounts_shown(at)
    assert set(table["用户名"]) == {"viewer", "staff", "admin"}
    assert "$2b$" not in table.to_csv()
    assert table.set_index("用户名").loc["staff", "责任单位"] == "市工业和信息化局"


def test_admin_adds_a_staff_user_who_can_then_sign_in(env):
    at = run(USERS, "admin")
    at.text_input(key="users_add_name").input("zhangsan")
    at.text_input(key="users_add_display").input("张三")
    at.selectbox(key="users_add_role").set_value("staff")
    at.selectbox(key="users_add_unit").set_value("市通信建设管理办公室")
    at.text_input(key="users_add_pw").input("zhangsan-pass-1")
    at.text_input(key="users_add_pw2").input("zhangsan-pass-1")
    submit(at, "新增用户")
    assert "已新增用户 zhangsan" in texts(at.success)
    assert at.text_input(key="users_add_name").value == ""  # the form is empty again
    assert at.text_input(key="users_add_pw").value == ""
    assert "zhangsan" in set(accounts_shown(at)["用户名"])
    user = signin.authenticate("zhangsan", "zhangsan-pass-1")
    assert (user.role, user.unit, user.display_name) == ("staff", "市通信建设管理办公室", "张三")
    entry = audit(env).iloc[0]
    assert (entry.action, entry.object_id) == ("add_user", "zhangsan")
    assert "zhangsan-pass-1" not in entry.after_json


def test_add_user_with_mismatched_passwords_shows_chinese_error(env):
    users_file = Path(accounts.users_file())
    file_before = users_file.read_bytes()
    at = run(USERS, "admin")
    at.text_input(key="users_add_name").input("lisi")
    at.text_input(key="users_add_pw").input("lisi-pass-1")
    at.text_input(key="users_add_pw2").input("lisi-pass-2")
    submit(at, "新增用户")
    assert "两次输入的密码不一致" in texts(at.error)
    assert users_file.read_bytes() == file_before


def test_admin_disables_a_user_but_not_themselves(env):
    at = run(USERS, "admin")
    at.selectbox(key="users_remove_pick").set_value("staff")
    at.run()
    at.radio(key="users_action").set_value("disable")
    at.checkbox(key="users_action_ok").check()
    submit(at, "执行")
    assert "已停用用户 staff" in texts(at.success)
    assert accounts.lookup_user("staff") is None
    at.selectbox(key="users_remove_pick").set_value("admin")
    at.run()
    at.radio(key="users_action").set_value("delete")
    at.checkbox(key="users_action_ok").check()
    submit(at, "执行")
    assert "不能删除自己的账号" in texts(at.error)
    assert accounts.lookup_user("admin") is not None


def test_admin_resets_a_password(env):
    at = run(USERS, "admin")
    at.selectbox(key="users_pw_pick").set_value("viewer")
    at.run()
    at.text_input(key="users_pw").input("viewer-new-pass")
    at.text_input(key="users_pw2").input("viewer-new-pass")
    submit(at, "重置密码")
    assert "已重置 viewer 的密码" in texts(at.success)
    assert signin.authenticate("viewer", "viewer-new-pass").username == "viewer"


def test_admin_changes_a_role(env):
    at = run(USERS, "admin")
    at.selectbox(key="users_change_pick").set_value("viewer")
    at.run()
    at.selectbox(key="users_change_role_viewer").set_value("staff")
    at.selectbox(key="users_change_unit_viewer").set_value("市工业和信息化局")
    submit(at, "保存修改")
    assert "已修改用户 viewer" in texts(at.success)
    assert accounts.lookup_user("viewer").unit == "市工业和信息化局"


def test_users_page_is_read_only_with_the_demo_accounts_file(env, monkeypatch):
    monkeypatch.delenv("KPI_USERS_FILE")
    monkeypatch.setattr(config, "DEFAULT_DB_PATH", env)  # demo accounts need the demo store
    at = run(USERS, "admin")
    assert "演示账号文件" in texts(at.warning)
    assert not [b for b in at.button if b.label == "新增用户"]


def test_admin_removes_a_user_and_the_pickers_move_on(env):
    at = run(USERS, "admin")
    at.selectbox(key="users_remove_pick").set_value("viewer")
    at.run()
    at.radio(key="users_action").set_value("delete")
    at.checkbox(key="users_action_ok").check()
    submit(at, "执行")
    assert "已删除用户 viewer" in texts(at.success)
    assert "viewer" not in set(accounts_shown(at)["用户名"])
    assert at.selectbox(key="users_remove_pick").value == "admin"
    assert not at.checkbox(key="users_action_ok").value
    assert accounts.lookup_user("viewer") is None
    assert audit(env).iloc[0].action == "remove_user"

"""Authority (issue 10): staff write only their unit's figures, demo accounts end with the demo,
sessions expire. Server-side through kpi.store.intake, and through the pages with AppTest."""

import json
import time
from pathlib import Path

import pytest
from intake_helpers import dump_tables, use_accounts
from intake_helpers import run_page as run
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from etl.cli import main as etl_main
from kpi.auth import accounts, signin
from kpi.auth.accounts import User
from kpi.base import config, periods
from kpi.base.errors import PermissionDenied
from kpi.store import db, ingest, intake, queries, review
from kpi.web.signin import LAST_SEEN, SESSION_KEY, SIGNED_IN_AT

PLAN = "zhanjiang-dt-2023"
UPLOAD, APP = "../pages/upload.py", "../app.py"
TELECOM = "市通信建设管理办公室"
STAFF2 = User("staff2", "staff", TELECOM, "staff2")
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
COUNTY = User("lz", "staff", "雷州市人民政府", "雷州")
VIEWER = User("viewer", "viewer", None, "viewer")
ADMIN = User("admin", "admin", None, "admin")
ACCOUNTS = {
    "staff": ("staff", "市工业和信息化局"),
    "staff2": ("staff", TELECOM),
    "admin": ("admin", None),
}
# Indicators whose linked task groups list 市通信建设管理办公室 (data/plans/*/indicator_tasks.csv).
TELECOM_INDICATORS = {
    "base_stations_5g",
    "idc_racks",
    "smart_park_pilots",
    "private_networks_5g",
    "bigdata_centres",
}
OTHER_UNITS_ROWS = (
    b"indicator_code,period,sector,value\n"
    b"base_stations_5g,2024Q3,,13400\n"
    b"public_platform,2024Q3,,1\n"
    b"smart_factories,2024Q3,,2\n"
)
OWN_ROWS = b"indicator_code,period,value\nbase_stations_5g,2024Q3,13400\nidc_racks,2024Q3,3000\n"


def raw_check(path: Path, content: bytes, name: str = "f.csv") -> ingest.UploadCheck:
    """The check without the authority rule, as a page that kept an older check would hold it."""
    with db.connect(path) as con:
        return ingest.check_upload(con, content, name, PLAN)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def authority_rows(check: ingest.UploadCheck) -> list:
    return [p for p in check.checked.errors if p.code == "not_own_indicator"]


# ------------------------------------------------------------------ who writes which indicators


def test_writable_indicators_follow_the_units_of_the_linked_tasks(demo_db):
    with db.read(demo_db) as con:
        every = queries.indicators(con, PLAN)["indicator_code"].tolist()
        assert set(intake.writable_indicators(con, PLAN, STAFF2)) == TELECOM_INDICATORS
        assert intake.writable_indicators(con, PLAN, ADMIN) == every
        assert intake.writable_indicators(con, PLAN, VIEWER) == []
        assert intake.writable_indicators(con, PLAN, None) == []


def test_county_staff_write_what_the_collective_county_unit_is_responsible_for(demo_db):
    with db.read(demo_db) as con:
        mine = intake.writable_indicators(con, PLAN, COUNTY)
    assert "public_platform" in mine  # its group names 各县（市、区）人民政府（管委会）
    assert "cluster_network" not in mine  # its groups name four city bodies only


def test_check_lists_each_row_of_another_units_indicator_as_an_error_naming_the_unit(demo_db):
    check = intake.check_for(demo_db, STAFF2, OTHER_UNITS_ROWS, "mixed.csv", PLAN)
    found = authority_rows(check)
    assert [(p.row, p.column, p.value) for p in found] == [
        (3, "indicator_code", "public_platform"),
        (4, "indicator_code", "smart_factories"),
    ]
    assert (
        found[0]
        .message("zh")
        .startswith(
            "本单位（市通信建设管理办公室）不负责该指标（湛江市工业互联网公共服务平台，public_platform）"
        )
    )
    assert "请删除此行，由负责单位（" in found[0].message("zh")
    assert "Municipal" in found[0].message("en") and TELECOM not in found[0].message("en")
    assert not check.ok and check.summary()["rows_accepted"] == 0


def test_authority_errors_are_listed_together_with_the_files_other_errors(demo_db):
    content = OTHER_UNITS_ROWS + b"no_such_indicator,2024Q3,,5\nbase_stations_5g,2024Q3,,lots\n"
    check = intake.check_for(demo_db, STAFF2, content, "mixed.csv", PLAN)
    found = {(p.row, p.code) for p in check.checked.errors}
    assert {(3, "not_own_indicator"), (4, "not_own_indicator")} <= found
    assert {(5, "unknown_indicator"), (6, "bad_value")} <= found
    assert (5, "not_own_indicator") not in found  # an unknown indicator is not another unit's


def test_check_adds_nothing_for_admin_or_for_the_units_own_indicators(demo_db):
    assert not authority_rows(intake.check_for(demo_db, ADMIN, OTHER_UNITS_ROWS, "a.csv", PLAN))
    assert intake.check_for(demo_db, STAFF2, OWN_ROWS, "own.csv", PLAN).ok


def test_check_lists_a_capped_number_of_rows_then_counts_the_rest(demo_db, monkeypatch):
    monkeypatch.setattr(intake, "MAX_AUTHORITY_ROWS", 5)
    quarters = periods.period_range("2023Q1", "2025Q4")
    content = "indicator_code,period,value\n" + "".join(
        f"public_platform,{q},1\n" for q in quarters
    )
    check = intake.check_for(demo_db, STAFF2, content.encode(), "many.csv", PLAN)
    found = [p for p in check.checked.errors if p.key and p.key.startswith("authority.")]
    assert [p.row for p in found if p.row] == [2, 3, 4, 5, 6]
    (rest,) = [p for p in found if p.row is None]
    assert f"另有 {len(quarters) - 5} 行同样是本单位（市通信建设管理办公室）" in rest.message("zh")


# ------------------------------------------------------------------ the write refuses on its own


def test_commit_of_another_units_indicators_is_refused_and_the_store_is_unchanged(demo_db):
    check = raw_check(demo_db, OTHER_UNITS_ROWS)  # a check that never saw the authority rule
    assert check.ok
    before = dump_tables(demo_db)
    with pytest.raises(PermissionDenied) as refused:
        intake.commit_upload(demo_db, STAFF2, check, accept_warnings=True)
    message = refused.value.message("zh")
    assert "本单位（市通信建设管理办公室）不负责文件中 2 行的指标" in message
    assert "public_platform" in message and "smart_factories" in message
    assert "未写入任何数据" in message
    assert dump_tables(demo_db) == before


def test_staff_commit_of_their_own_units_indicators_is_written(demo_db):
    check = intake.check_for(demo_db, STAFF2, OWN_ROWS, "own.csv", PLAN)
    batch_id = intake.commit_upload(demo_db, STAFF2, check, accept_warnings=True)
    review.approve(demo_db, ADMIN, batch_id)  # a staff submission is in force once approved
    with db.read(demo_db) as con:
        batch = queries.batch(con, batch_id)
        figures = queries.current_figures(con, PLAN, "2024Q3")
    assert batch["user_name"] == "staff2"
    city = figures[figures["sector_code"].isna() & (figures["period"] == "2024Q3")]
    assert city.set_index("indicator_code").loc["idc_racks", "value"] == 3000


def test_admin_commits_every_indicator(demo_db):
    check = intake.check_for(demo_db, ADMIN, OTHER_UNITS_ROWS, "all.csv", PLAN)
    batch_id = intake.commit_upload(demo_db, ADMIN, check, accept_warnings=True)
    with db.read(demo_db) as con:
        written = queries.audit_figures(con, batch_id, superseded=False, limit=10)[1]
    assert {f["indicator_code"] for f in written} == {
        "base_stations_5g",
        "public_platform",
        "smart_factories",
    }


# ------------------------------------------------------------------ the upload page


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)


def upload(at: AppTest, content: bytes, name: str = "mixed.csv") -> AppTest:
    at.file_uploader(key="upload").set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.page
def test_upload_page_names_the_indicators_the_unit_may_report(env):
    at = run(UPLOAD, "staff2")
    line = next(c.value for c in at.caption if "可填报的指标" in c.value)
    assert line.startswith("本单位（市通信建设管理办公室）可填报的指标：")
    assert "5G 基站" in line and "湛江市工业互联网公共服务平台" not in line


@pytest.mark.page
def test_upload_page_shows_the_authority_errors_and_no_commit_works(env):
    before = dump_tables(env)
    at = upload(run(UPLOAD, "staff2"), OTHER_UNITS_ROWS)
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    mine = problems[problems["说明"].str.startswith("本单位（市通信建设管理办公室）不负责该指标")]
    assert mine["行号"].tolist() == ["3", "4"]
    assert {"错误"} == set(mine["类型"])
    assert "文件有 2 处错误" in texts(at.error)
    assert at.button(key="upload_commit").disabled
    with pytest.raises(AppTestError):  # a browser cannot press a disabled button either
        at.button(key="upload_commit").click()
    at.run()
    assert dump_tables(env) == before


# ------------------------------------------------------------------ sessions expire


@pytest.mark.page
@pytest.mark.parametrize(
    ("signed_in_ago", "idle", "message"),
    [
        (3600, 31 * 60, "超过 30 分钟未操作，已自动退出登录"),
        (13 * 3600, 60, "登录已满 12 小时，已自动退出登录"),
    ],
)
def test_an_expired_session_is_signed_out_with_the_reason(env, signed_in_ago, idle, message):
    at = AppTest.from_file(UPLOAD, default_timeout=90)
    now = time.time()
    at.session_state[SESSION_KEY] = "staff"
    at.session_state[SIGNED_IN_AT] = now - signed_in_ago
    at.session_state[LAST_SEEN] = now - idle
    at.run()
    assert message in texts(at.warning)
    assert SESSION_KEY not in at.session_state
    assert not at.get("file_uploader")  # the page's refusal and sign-in form instead


@pytest.mark.page
def test_the_expiry_message_follows_the_page_language(env):
    at = AppTest.from_file(UPLOAD, default_timeout=90)
    at.session_state[SESSION_KEY] = "staff"
    at.session_state[LAST_SEEN] = time.time() - 31 * 60
    at.session_state["lang"] = "en"
    at.run()
    assert "signed out after 30 minutes without activity" in texts(at.warning)


@pytest.mark.page
def test_an_active_session_stays_signed_in_and_its_idle_clock_restarts(env):
    at = AppTest.from_file(UPLOAD, default_timeout=90)
    at.session_state[SESSION_KEY] = "staff"
    at.session_state[SIGNED_IN_AT] = time.time() - 11 * 3600
    at.session_state[LAST_SEEN] = time.time() - 29 * 60
    at.run()
    assert at.get("file_uploader") and not at.warning
    assert time.time() - at.session_state[LAST_SEEN] < 60


@pytest.mark.page
def test_the_commit_of_an_expired_session_does_not_write(env):
    at = upload(run(UPLOAD, "staff2"), OWN_ROWS, "own.csv")
    if at.button(key="upload_commit").disabled:  # warnings to confirm first
        at.checkbox(key="upload_accept").check().run()
    assert not at.button(key="upload_commit").disabled
    before = dump_tables(env)
    at.session_state[LAST_SEEN] = time.time() - 31 * 60  # the clerk left the page open
    at.button(key="upload_commit").click().run()
    assert "超过 30 分钟未操作" in texts(at.warning)
    assert not at.success
    assert dump_tables(env) == before


# ------------------------------------------------------------------ demo accounts end with the demo


@pytest.fixture
def demo_default(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo copy is the default database; the shipped demo accounts are in use."""
    monkeypatch.setattr(config, "DEFAULT_DB_PATH", demo_db)
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", tmp_path / "no-local-users.yaml")
    for name in ("KPI_DB", "KPI_USERS_FILE", "KPI_VIEW_REQUIRES_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    signin.LIMITER.reset()
    assert accounts.is_demo_file(accounts.users_file())
    return demo_db


def sign_in_on_page(username: str, password: str) -> AppTest:
    at = AppTest.from_file(UPLOAD, default_timeout=90).run()
    at.text_input(key="auth_main_username").input(username)
    at.text_input(key="auth_main_password").input(password)
    at.button(key="auth_main_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.page
def test_demo_accounts_sign_in_while_the_demo_figures_are_there(demo_default):
    assert intake.demo_mode(demo_default)
    at = sign_in_on_page("admin", "admin-demo")
    assert at.session_state[SESSION_KEY] == "admin"
    assert at.get("file_uploader")


@pytest.mark.page
def test_demo_accounts_no_longer_sign_in_after_demo_remove(demo_default):
    assert etl_main(["demo", "remove"]) == 0
    assert not intake.demo_mode(demo_default)
    assert signin.authenticate("admin", "admin-demo", demo_mode=False) is None
    at = sign_in_on_page("admin", "admin-demo")
    assert "用户名或密码错误" in texts(at.error)
    assert SESSION_KEY not in at.session_state
    banner = accounts.startup_warning(demo_mode=False)
    assert "演示数据已删除，演示账号已停用，无人可以登录" in banner


@pytest.mark.page
def test_demo_remove_ends_a_signed_in_demo_session(demo_default):
    at = run(UPLOAD, "staff2")
    assert at.get("file_uploader")
    assert etl_main(["demo", "remove"]) == 0
    at.run()
    assert "演示数据已删除，演示账号已停用，已自动退出登录" in texts(at.warning)
    assert SESSION_KEY not in at.session_state and not at.get("file_uploader")


def test_demo_remove_is_audited_as_ending_the_demo_accounts(demo_default):
    assert etl_main(["demo", "remove"]) == 0
    with db.read(demo_default) as con:
        log = queries.audit_log(con)
    ended = log[log["action"] == "end_demo_accounts"].iloc[0]
    assert json.loads(ended["after_json"]) == {"demo_accounts_sign_in": False}
    removed = log[log["action"] == "remove_demo"].iloc[0]
    assert ended["audit_id"] > removed["audit_id"]

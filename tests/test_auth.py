"""Accounts, sign-in, rate limiting, permissions (kpi.auth) and the page guard (kpi.web.signin)."""

import io
import re
import stat
import sys
import threading
from pathlib import Path

import bcrypt
import pytest
import yaml
from etl_run import run_etl
from streamlit.testing.v1 import AppTest

from etl.cli import main as etl_main
from kpi.auth import accounts, permissions, signin
from kpi.auth.accounts import User
from kpi.auth.signin import RateLimiter
from kpi.base import config, errors
from kpi.base.errors import PermissionDenied, SignInLocked

UNIT_A = "市工业和信息化局"
UNIT_B = "市通信建设管理办公室"
PASSWORDS = {
    "lead": "lead-pass-1",
    "alice": "alice-pass-1",
    "bob": "bob-pass-1",
    "root": "root-pass-1",
}
DEMO_PASSWORDS = {
    "viewer": "viewer-demo",
    "staff": "staff-demo",
    "staff2": "staff2-demo",
    "admin": "admin-demo",
}

VIEWER = User("lead", "viewer", None, "领导")
STAFF_A = User("alice", "staff", UNIT_A, "Alice")
STAFF_B = User("bob", "staff", UNIT_B, "Bob")
ADMIN = User("root", "admin", None, "管理员")


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Cheap hashes, no stray settings, no local config/users.yaml, a fresh rate limiter."""
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", tmp_path / "no-local-users.yaml")
    for name in ("KPI_USERS_FILE", "KPI_VIEW_REQUIRES_LOGIN", "KPI_DB"):
        monkeypatch.delenv(name, raising=False)
    signin.LIMITER.reset()
    yield
    signin.LIMITER.reset()


@pytest.fixture
def users_path(tmp_path, monkeypatch) -> Path:
    """An accounts file with one user per role (two staff of different units), in use."""
    path = tmp_path / "secrets" / "users.yaml"
    for user in (VIEWER, STAFF_A, STAFF_B, ADMIN):
        accounts.add_user(
            path, user.username, user.role, user.unit, PASSWORDS[user.username], user.display_name
        )
    monkeypatch.setenv("KPI_USERS_FILE", str(path))
    return path


# ---------------------------------------------------------------------------- the accounts file


def test_stored_value_is_a_bcrypt_hash_never_the_password(tmp_path):
    path = tmp_path / "users.yaml"
    accounts.add_user(path, "alice", "staff", UNIT_A, "s3cret-Passw0rd")
    text = path.read_text(encoding="utf-8")
    assert "s3cret-Passw0rd" not in text
    stored = yaml.safe_load(text)["users"]["alice"]["password_hash"]
    assert re.fullmatch(r"\$2b\$04\$[./A-Za-z0-9]{53}", stored)
    assert bcrypt.checkpw(b"s3cret-Passw0rd", stored.encode())


def test_add_user_then_list_round_trip_with_mode_0600(tmp_path):
    path = tmp_path / "new-dir" / "users.yaml"
    accounts.add_user(path, "alice", "staff", UNIT_A, "alice-pass-1", "张三")
    accounts.add_user(path, "root", "admin", None, "root-pass-1")
    assert accounts.list_users(path) == [
        User("alice", "staff", UNIT_A, "张三"),
        User("root", "admin", None, "root"),
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["users.yaml"]  # no temp file left behind


def test_add_user_refuses_an_existing_name_unless_replace(tmp_path):
    path = tmp_path / "users.yaml"
    accounts.add_user(path, "alice", "staff", UNIT_A, "alice-pass-1")
    with pytest.raises(ValueError, match="already exists"):
        accounts.add_user(path, "alice", "admin", None, "alice-pass-2")
    accounts.add_user(path, "alice", "staff", UNIT_B, "alice-pass-2", replace=True)
    assert accounts.list_users(path) == [User("alice", "staff", UNIT_B, "alice")]
    assert signin.authenticate("alice", "alice-pass-2", path=path) is not None


@pytest.mark.parametrize(
    ("username", "role", "unit", "password", "message"),
    [
        ("alice", "staff", None, "alice-pass-1", "exactly one responsible unit"),
        ("lead", "viewer", UNIT_A, "lead-pass-1", "has no unit"),
        ("root", "superuser", None, "root-pass-1", "unknown role"),
        ("alice", "staff", UNIT_A, "short", "at least 8"),
        ("alice", "staff", UNIT_A, "密" * 25, "at most 72 bytes"),
        ("alice", "staff", UNIT_A, "ALICE", "at least 8"),
        ("alice123", "staff", UNIT_A, "Alice123", "differ from the username"),
        ("bad name", "viewer", None, "lead-pass-1", "username must be"),
        ("", "viewer", None, "lead-pass-1", "username must be"),
        ("le\nad", "viewer", None, "lead-pass-1", "username must be"),
        ("-lead", "viewer", None, "lead-pass-1", "username must be"),
    ],
)
def test_add_user_rejects_bad_input(tmp_path, username, role, unit, password, message):
    path = tmp_path / "users.yaml"
    with pytest.raises(ValueError, match=message):
        accounts.add_user(path, username, role, unit, password)
    assert not path.exists()


def test_add_user_never_writes_the_demo_file():
    with pytest.raises(ValueError, match="demo"):
        accounts.add_user(config.DEMO_USERS_FILE, "eve", "admin", None, "eve-pass-1")


def test_remove_user_then_lookup_finds_nobody(users_path):
    assert accounts.lookup_user("bob") == STAFF_B
    assert accounts.remove_user(users_path, "bob") is True
    assert accounts.remove_user(users_path, "bob") is False
    assert accounts.lookup_user("bob") is None


def test_bad_accounts_file_raises_users_file_error(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  eve:\n    role: admin\n    password_hash: plain\n", encoding="utf-8")
    with pytest.raises(errors.UsersFileError, match="not a bcrypt hash"):
        accounts.load_users(path)


# ---------------------------------------------------------------------------- sign-in


def test_authenticate_returns_the_user_when_password_matches(users_path):
    assert signin.authenticate("alice", "alice-pass-1") == STAFF_A
    assert signin.authenticate("  alice ", "alice-pass-1") == STAFF_A


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong-pass"), ("alice", ""), ("Alice", "alice-pass-1"), ("alice", "x" * 100)],
)
def test_authenticate_returns_none_when_password_is_wrong(users_path, username, password):
    assert signin.authenticate(username, password) is None


def test_authenticate_checks_a_dummy_hash_when_user_is_unknown(users_path, monkeypatch):
    calls = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password, hashed):
        calls.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)
    assert signin.authenticate("nobody", "whatever-1") is None
    assert len(calls) == 1  # same bcrypt work as for a known user
    assert calls[0].startswith(b"$2b$04$")  # at the cost the stored hashes use


# ---------------------------------------------------------------------------- rate limiting


def test_rate_limit_locks_after_five_failures_and_unlocks_after_the_lock(users_path):
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(4):
        assert signin.authenticate("alice", "wrong-pass", "s1", limiter=limiter) is None
        clock.advance(10)
    with pytest.raises(SignInLocked) as locked:
        signin.authenticate("alice", "wrong-pass", "s1", limiter=limiter)
    assert locked.value.retry_after == 60
    assert locked.value.message("zh") == "登录失败次数过多，请 60 秒后再试"
    clock.advance(59)
    with pytest.raises(SignInLocked, match="try again in 1 s"):  # even the right password
        signin.authenticate("alice", "alice-pass-1", "s1", limiter=limiter)
    clock.advance(2)
    assert signin.authenticate("alice", "alice-pass-1", "s1", limiter=limiter) == STAFF_A


def test_rate_limit_failures_outside_the_window_do_not_count(users_path):
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(10):
        assert signin.authenticate("alice", "wrong-pass", limiter=limiter) is None
        clock.advance(80)  # at most 4 failures in any 5 minutes


def test_rate_limit_says_60_seconds_whatever_the_clock_reads(users_path):
    # At 123.456 s, (now + 60) - now is 60.000000000000014 in floating point.
    limiter = RateLimiter(clock=FakeClock(123.456))
    for _ in range(4):
        limiter.record_failure([("user", "alice")])
    with pytest.raises(SignInLocked) as locked:
        signin.authenticate("alice", "wrong-pass", limiter=limiter)
    assert locked.value.retry_after == 60
    assert limiter.retry_after([("user", "alice")]) == 60


def test_rate_limit_lock_doubles_up_to_fifteen_minutes():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    key = [("user", "alice")]
    seen = []
    for _ in range(6):
        for _ in range(4):
            assert limiter.record_failure(key) == 0
        seen.append(limiter.record_failure(key))
        clock.advance(seen[-1])
    assert seen == [60, 120, 240, 480, 900, 900]
    clock.advance(899)  # quiet, but not for 15 minutes after the lock ended
    for _ in range(4):
        limiter.record_failure(key)
    assert limiter.record_failure(key) == 900
    clock.advance(900 + 901)  # 15 minutes quiet after the lock ended: back to 60 s
    for _ in range(4):
        limiter.record_failure(key)
    assert limiter.record_failure(key) == 60


def test_rate_limit_counts_per_client_across_usernames(users_path):
    limiter = RateLimiter(clock=FakeClock())
    for name in ("lead", "bob", "root", "x1"):
        assert signin.authenticate(name, "guess-1234", "attacker", limiter=limiter) is None
    with pytest.raises(SignInLocked):
        signin.authenticate("x2", "guess-1234", "attacker", limiter=limiter)
    with pytest.raises(SignInLocked):
        signin.authenticate("alice", "alice-pass-1", "attacker", limiter=limiter)
    assert signin.authenticate("alice", "alice-pass-1", "someone-else", limiter=limiter) == STAFF_A


def test_rate_limit_counts_per_username_across_clients(users_path):
    limiter = RateLimiter(clock=FakeClock())
    for n in range(4):
        assert signin.authenticate("ALICE", "wrong-pass", f"s{n}", limiter=limiter) is None
    with pytest.raises(SignInLocked):
        signin.authenticate("alice", "wrong-pass", "s9", limiter=limiter)


def test_success_resets_the_username_count_but_not_the_client_count(users_path):
    limiter = RateLimiter(clock=FakeClock())
    for _ in range(4):
        signin.authenticate("alice", "wrong-pass", "s1", limiter=limiter)
    assert signin.authenticate("alice", "alice-pass-1", "s1", limiter=limiter) == STAFF_A
    assert signin.authenticate("alice", "wrong-pass", "s2", limiter=limiter) is None  # user: 1
    with pytest.raises(SignInLocked):
        signin.authenticate("bob", "wrong-pass", "s1", limiter=limiter)  # client s1: 5


def test_rate_limiter_counts_exactly_under_threads():
    limiter = RateLimiter(max_failures=10_000, clock=FakeClock())
    key = [("user", "alice")]

    def fail() -> None:
        for _ in range(100):
            limiter.record_failure(key)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(limiter._states[key[0]].failures) == 800


# ---------------------------------------------------------------------------- permissions

MATRIX = [
    # user, action, unit, allowed
    (None, "view", None, False),
    (None, "upload", None, False),
    (None, "rollback", None, False),
    (VIEWER, "view", None, True),
    (VIEWER, "upload", None, False),
    (VIEWER, "upload", UNIT_A, False),
    (VIEWER, "update_task", UNIT_A, False),
    (VIEWER, "rollback", None, False),
    (VIEWER, "manage_users", None, False),
    (VIEWER, "edit_targets", None, False),
    (STAFF_A, "view", None, True),
    (STAFF_A, "upload", None, True),
    (STAFF_A, "upload", UNIT_A, True),
    (STAFF_A, "upload", UNIT_B, False),
    (STAFF_A, "update_task", UNIT_A, True),
    (STAFF_A, "update_task", UNIT_B, False),
    (STAFF_A, "update_task", None, False),  # a task always names its unit
    (STAFF_A, "update_task", [UNIT_B, UNIT_A], True),  # one of a group's units
    (STAFF_A, "update_task", [UNIT_B], False),
    (STAFF_A, "update_task", [], False),
    (STAFF_A, "rollback", None, False),
    (STAFF_A, "manage_users", None, False),
    (STAFF_A, "edit_targets", None, False),
    (STAFF_B, "update_task", UNIT_B, True),
    (STAFF_B, "update_task", UNIT_A, False),
    (ADMIN, "view", None, True),
    (ADMIN, "upload", UNIT_B, True),
    (ADMIN, "update_task", UNIT_A, True),
    (ADMIN, "update_task", None, True),
    (ADMIN, "rollback", None, True),
    (ADMIN, "manage_users", None, True),
    (ADMIN, "edit_targets", None, True),
]


@pytest.mark.parametrize(("user", "action", "unit", "allowed"), MATRIX)
def test_can_and_require_agree_with_the_role_matrix(user, action, unit, allowed):
    assert permissions.can(user, action, unit) is allowed
    if allowed:
        assert permissions.require(user, action, unit=unit) is user
    else:
        with pytest.raises(PermissionDenied) as denied:
            permissions.require(user, action, unit=unit)
        assert denied.value.action == action
        assert denied.value.message("zh") and denied.value.message("en")


def test_only_admin_may_rollback():
    assert [u.role for u in (VIEWER, STAFF_A, ADMIN) if permissions.can(u, "rollback")] == ["admin"]


def test_require_names_the_staff_unit_when_refusing():
    with pytest.raises(PermissionDenied) as denied:
        permissions.require(STAFF_A, "update_task", unit=UNIT_B)
    assert UNIT_A in denied.value.message_zh


def test_can_raises_on_unknown_action():
    with pytest.raises(ValueError, match="unknown action"):
        permissions.can(ADMIN, "delete_everything")


def test_user_rejects_staff_without_unit():
    with pytest.raises(ValueError):
        User("x", "staff", None, "x")


# ---------------------------------------------------------------------------- settings and demo


def test_demo_accounts_active_when_falling_back_to_the_demo_file():
    assert accounts.users_file() == config.DEMO_USERS_FILE
    assert accounts.demo_accounts_active() is True
    warning = accounts.startup_warning()
    assert "演示账号" in warning and "Demo accounts" in warning


def test_demo_accounts_inactive_when_kpi_users_file_points_to_a_real_file(users_path):
    assert accounts.users_file() == users_path
    assert accounts.demo_accounts_active() is False
    assert accounts.startup_warning() is None


def test_local_users_file_is_used_when_present(tmp_path, monkeypatch):
    local = tmp_path / "config-users.yaml"
    accounts.add_user(local, "root", "admin", None, "root-pass-1")
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", local)
    assert accounts.users_file() == local
    assert accounts.demo_accounts_active() is False


def test_demo_accounts_cannot_sign_in_when_the_database_is_not_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_DB", str(tmp_path / "real.duckdb"))
    assert not config.is_default_db(config.db_path())
    assert accounts.demo_accounts_active() is False
    assert signin.authenticate("admin", "admin-demo") is None
    assert "演示账号已停用" in accounts.startup_warning()


@pytest.mark.parametrize(("username", "password"), sorted(DEMO_PASSWORDS.items()))
def test_documented_demo_passwords_sign_in(username, password):
    user = signin.authenticate(username, password)
    assert user is not None and user.username == username


def test_demo_staff_accounts_are_bound_to_their_units():
    users = accounts.load_users(config.DEMO_USERS_FILE)
    assert {n: (u.role, u.unit) for n, u in users.items()} == {
        "viewer": ("viewer", None),
        "staff": ("staff", UNIT_A),
        "staff2": ("staff", UNIT_B),
        "reviewer": ("reviewer", None),
        "admin": ("admin", None),
    }


def test_demo_staff_units_are_named_in_the_plans():
    units = accounts.known_units()
    if not units:
        pytest.skip("no data/plans/*/responsible_units.csv yet")
    demo_units = {u.unit for u in accounts.list_users(config.DEMO_USERS_FILE) if u.unit}
    assert demo_units <= units


def test_startup_warning_when_the_accounts_file_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_USERS_FILE", str(tmp_path / "missing.yaml"))
    assert "账号文件不存在" in accounts.startup_warning()
    assert signin.authenticate("admin", "admin-demo") is None


def test_startup_warning_when_the_accounts_file_is_readable_by_others(users_path):
    users_path.chmod(0o644)
    assert "chmod 600" in accounts.startup_warning()


def test_startup_warning_when_the_accounts_file_is_under_data(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    path = tmp_path / "data" / "users.yaml"
    accounts.add_user(path, "root", "admin", None, "root-pass-1")
    monkeypatch.setenv("KPI_USERS_FILE", str(path))
    assert "data/" in accounts.startup_warning()


@pytest.mark.parametrize(
    ("value", "expected"), [(None, False), ("", False), ("0", False), ("1", True), ("true", True)]
)
def test_view_requires_login_reads_the_environment(monkeypatch, value, expected):
    if value is not None:
        monkeypatch.setenv("KPI_VIEW_REQUIRES_LOGIN", value)
    assert config.view_requires_login() is expected


# ---------------------------------------------------------------------------- command line


def test_cli_add_user_with_password_stdin_then_list_users(tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    monkeypatch.setenv("KPI_USERS_FILE", str(path))
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")  # as KPI_DATA_DIR=tmp_path/data
    monkeypatch.setattr(config, "PLANS_DIR", tmp_path / "data" / "plans")
    argv = ["add", "alice", "--role", "staff", "--unit", UNIT_A, "--password-stdin"]
    added = run_etl("users", *argv, stdin="alice-pass-1\n")
    assert added.returncode == 0, added.stderr
    assert "alice-pass-1" not in added.stdout + added.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "alice-pass-1" not in path.read_text(encoding="utf-8")
    assert signin.authenticate("alice", "alice-pass-1", path=path) == User(
        "alice", "staff", UNIT_A, "alice"
    )
    listed = run_etl("users", "list")
    assert listed.returncode == 0
    assert listed.stdout.split("\t")[:3] == ["alice", "staff", UNIT_A]
    assert "$2b$" not in listed.stdout


def test_cli_refuses_a_unit_not_in_the_responsible_units(tmp_path, monkeypatch, capsys):
    plan = tmp_path / "data" / "plans" / "p1"
    plan.mkdir(parents=True)
    (plan / "responsible_units.csv").write_text(
        f"unit_zh,unit_en,kind\n{UNIT_A},IIT bureau,municipal\n", encoding="utf-8"
    )
    monkeypatch.setattr(config, "PLANS_DIR", plan.parent)  # as KPI_DATA_DIR=tmp_path/data
    monkeypatch.setenv("KPI_USERS_FILE", str(tmp_path / "users.yaml"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("bob-pass-1\n"))
    argv = ["users", "add", "bob", "--role", "staff", "--unit", "市不存在局", "--password-stdin"]
    assert etl_main(argv) == 1
    err = capsys.readouterr().err
    assert "unknown unit" in err and UNIT_A in err
    assert UNIT_B not in err  # the units of the plans folder given, not of the shipped plans
    assert not (tmp_path / "users.yaml").exists()


def test_main_add_user_needs_a_unit_for_staff(tmp_path, capsys):
    code = etl_main(["users", "add", "bob", "--role", "staff", "--file", str(tmp_path / "u.yaml")])
    assert code == 1
    assert "--unit is required" in capsys.readouterr().err


def test_main_remove_user(users_path, capsys):
    assert etl_main(["users", "remove", "bob"]) == 0
    assert etl_main(["users", "remove", "bob"]) == 1
    assert [u.username for u in accounts.list_users(users_path)] == ["alice", "lead", "root"]


# ---------------------------------------------------------------------------- the page guard


def page(action: str = "upload", lang: str = "zh", username: str | None = None) -> AppTest:
    at = AppTest.from_file("apps/guarded_page.py")
    at.session_state["test_action"] = action
    at.session_state["test_lang"] = lang
    if username:
        at.session_state["auth_username"] = username
    return at.run()


def shown(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.error, *at.caption))


@pytest.mark.page
def test_guard_refuses_write_when_not_signed_in(users_path):
    at = page("upload")
    assert not at.exception
    assert "WRITE-CONTROLS" not in shown(at)
    assert [e.value for e in at.error] == ["此功能需要登录（上报员或管理员）"]
    assert at.text_input(key="auth_main_username") is not None


@pytest.mark.page
def test_guard_allows_upload_for_signed_in_staff(users_path):
    at = page("upload", username="alice")
    assert not at.exception
    assert "WRITE-CONTROLS" in shown(at)
    assert not at.error


@pytest.mark.page
def test_guard_refuses_upload_for_viewer(users_path):
    at = page("upload", username="lead")
    assert "WRITE-CONTROLS" not in shown(at)
    assert at.error[0].value == "需要上报员或管理员权限"


@pytest.mark.page
@pytest.mark.parametrize(("username", "allowed"), [("alice", False), ("root", True)])
def test_guard_allows_rollback_only_for_admin(users_path, username, allowed):
    at = page("rollback", username=username)
    assert ("WRITE-CONTROLS" in shown(at)) is allowed
    if not allowed:
        assert at.error[0].value == "需要管理员权限"


@pytest.mark.page
def test_guard_refusal_in_english(users_path):
    at = page("manage_users", lang="en")
    assert at.error[0].value == "Sign in as an administrator to use this feature"


@pytest.mark.page
def test_guard_drops_a_session_whose_account_was_removed(users_path):
    accounts.remove_user(users_path, "alice")
    at = page("upload", username="alice")
    assert "WRITE-CONTROLS" not in shown(at)
    assert "auth_username" not in at.session_state


@pytest.mark.page
def test_sign_in_form_signs_in_and_shows_the_page(users_path):
    at = page("upload")
    at.text_input(key="auth_main_username").input("alice")
    at.text_input(key="auth_main_password").input("alice-pass-1")
    at.button(key="auth_main_submit").click().run()
    assert not at.exception
    assert "WRITE-CONTROLS" in shown(at)
    assert at.session_state["auth_username"] == "alice"
    assert (
        "auth_main_password" not in at.session_state or not at.session_state["auth_main_password"]
    )


@pytest.mark.page
def test_sign_in_form_shows_failure_then_lock_in_chinese(users_path):
    at = page("upload")
    for _ in range(4):
        at.text_input(key="auth_main_username").input("alice")
        at.text_input(key="auth_main_password").input("wrong-pass")
        at.button(key="auth_main_submit").click().run()
        assert "用户名或密码错误" in shown(at)
    at.text_input(key="auth_main_username").input("alice")
    at.text_input(key="auth_main_password").input("wrong-pass")
    at.button(key="auth_main_submit").click().run()
    assert "登录失败次数过多，请 60 秒后再试" in shown(at)
    assert "WRITE-CONTROLS" not in shown(at)


@pytest.mark.page
def test_sign_out_button_signs_out(users_path):
    at = page("upload", username="alice")
    at.button(key="auth_sidebar_sign_out").click().run()
    assert "auth_username" not in at.session_state
    assert "WRITE-CONTROLS" not in shown(at)


@pytest.mark.page
def test_guard_view_is_open_by_default_and_closed_when_required(users_path, monkeypatch):
    assert "WRITE-CONTROLS" in shown(page("view"))
    monkeypatch.setenv("KPI_VIEW_REQUIRES_LOGIN", "1")
    at = page("view")
    assert "WRITE-CONTROLS" not in shown(at)
    assert at.error[0].value == "请先登录后查看"
    assert "WRITE-CONTROLS" in shown(page("view", username="lead"))

"""kpi.store.target_edits and account_changes: target edits (cited rows untouched, applied to
status, audited, kept by etl init) and account management (admin only, audited without
password material)."""

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from intake_helpers import HISTORY_TABLES, dump_tables

from etl.cli import main as etl_main
from kpi.auth import accounts as auth_accounts
from kpi.auth import signin
from kpi.auth.accounts import User
from kpi.base import config, errors
from kpi.base.errors import InputRejected, PermissionDenied
from kpi.measure import assessment
from kpi.outputs import formatting, intake_tables, reference_tables
from kpi.store import account_changes, db, loads, queries, reference, target_edits

PLAN = "zhanjiang-dt-2023"
UNIT_A = "市工业和信息化局"
VIEWER = User("lead", "viewer", None, "领导")
STAFF = User("alice", "staff", UNIT_A, "Alice")
ADMIN = User("root", "admin", None, "管理员")
TABLES = HISTORY_TABLES + ("target_edits",)
FIVE_G = target_edits.TargetKey(
    "target", "base_stations_5g", None, "2025Q4", "zj-dt-plan", "表1 基础设施 5G基站"
)
REASON = "市政府常务会议决定上调 5G 基站目标"


def status(path: Path, as_of: str = "2024Q4"):
    with db.connect(path) as con:
        return assessment.indicator_status(con, PLAN, as_of).set_index("indicator_code")


def audit(path: Path):
    with db.connect(path) as con:
        return queries.audit_log(con)


def targets(path: Path):
    with db.connect(path) as con:
        return queries.targets(con, PLAN)


def cited_rows(path: Path, table: str = "targets") -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ target edits: permissions


@pytest.mark.parametrize("user", [None, VIEWER, STAFF], ids=["signed-out", "viewer", "staff"])
def test_target_edit_refused_when_not_admin(demo_db, user):
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(PermissionDenied) as refused:
        target_edits.edit_target(demo_db, user, PLAN, FIVE_G, 18600, REASON)
    assert "管理员" in refused.value.message_zh
    with pytest.raises(PermissionDenied):
        target_edits.revert_target(demo_db, user, PLAN, FIVE_G, REASON)
    assert dump_tables(demo_db, TABLES) == before


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        (18600, "", "请填写调整原因"),
        (18600, "   ", "请填写调整原因"),
        (18600, "上调", "至少 5 个字"),
        (0, REASON, "必须大于 0"),
        (-5, REASON, "必须大于 0"),
        (float("nan"), REASON, "必须大于 0"),
        ("abc", REASON, "必须大于 0"),
        (18000, REASON, "与现行值相同"),
    ],
)
def test_target_edit_refused_when_input_is_invalid(demo_db, value, reason, message):
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(InputRejected) as refused:
        target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, value, reason)
    assert message in refused.value.message_zh
    assert dump_tables(demo_db, TABLES) == before


def test_target_edit_refused_when_someone_else_changed_it_first(demo_db):
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON)
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(InputRejected) as refused:
        target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 19000, REASON, expected_value=18000)
    assert "他人修改" in refused.value.message_zh
    assert dump_tables(demo_db, TABLES) == before


def test_target_edit_refused_for_an_unknown_row(demo_db):
    key = target_edits.TargetKey(
        "target", "base_stations_5g", None, "2025Q4", "zj-dt-plan", "no such"
    )
    with pytest.raises(InputRejected):
        target_edits.edit_target(demo_db, ADMIN, PLAN, key, 18600, REASON)


# ------------------------------------------------------------------ target edits: effect


def test_admin_edit_changes_status_keeps_cited_row_and_is_audited(demo_db):
    cited = cited_rows(demo_db)
    old = status(demo_db).loc["base_stations_5g"]
    assert old.target == 18000
    edit_id = target_edits.edit_target(
        demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON, expected_value=18000
    )
    new = status(demo_db).loc["base_stations_5g"]
    assert new.target == 18600
    assert new.completion < old.completion and new.actual == old.actual
    assert cited_rows(demo_db) == cited  # the transcribed source row is untouched
    row = targets(demo_db)
    row = row[(row.indicator_code == "base_stations_5g") & row.is_default].iloc[0]
    assert (row.value, row.source_value, row.edited_value) == (18600, 18000, 18600)
    assert (row.edit_reason, row.edited_by) == (REASON, "root")
    assert row.value_as_written == "1.8" and row.source_ref == FIVE_G.source_ref
    entry = audit(demo_db).iloc[0]
    assert (entry.action, entry.user_name, entry.role) == ("edit_target", "root", "admin")
    assert "base_stations_5g" in entry.object_id
    assert json.loads(entry.before_json) == {"value": 18000, "source_value": 18000, "edited": False}
    after = json.loads(entry.after_json)
    assert (after["value"], after["reason"], after["edit_id"]) == (18600, REASON, edit_id)


def test_upload_warnings_compare_with_the_edited_target(demo_db, tmp_path):
    upload = tmp_path / "5g.csv"
    upload.write_text("指标代码,期间,数值\nbase_stations_5g,2025Q3,60000\n", encoding="utf-8")

    def warning_codes() -> list[str]:
        result = loads.load_files([upload], db=demo_db, plan_id=None, user_name="t", dry_run=True)
        return [p.code for p in result.checks[0].checked.warnings]

    assert "above_target" in warning_codes()  # 60000 > 3 x 18000
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 25000, REASON)
    assert "above_target" not in warning_codes()  # 60000 < 3 x 25000


def test_edits_are_kept_and_a_revert_is_one_more_edit(demo_db):
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON)
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 19000, "再次上调：省里下达新任务")
    assert status(demo_db).loc["base_stations_5g"].target == 19000
    target_edits.revert_target(demo_db, ADMIN, PLAN, FIVE_G, "恢复文件原值，会议决定撤回")
    assert status(demo_db).loc["base_stations_5g"].target == 18000
    with db.connect(demo_db) as con:
        edits = queries.target_edits(con, PLAN)
    assert edits["new_value"].tolist() == [18000, 19000, 18600]  # newest first, none lost
    assert edits["old_value"].tolist() == [19000, 18600, 18000]
    row = targets(demo_db)
    row = row[(row.indicator_code == "base_stations_5g") & row.is_default].iloc[0]
    assert row.value == 18000 and not formatting.is_edited(row.to_dict())
    assert json.loads(audit(demo_db).iloc[0].after_json)["reverted_to_source"] is True


def test_etl_init_refresh_keeps_the_edits(demo_db, capsys):
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON)
    assert etl_main(["init", "--db", str(demo_db)]) == 0
    assert "refreshed" in capsys.readouterr().out
    with db.connect(demo_db) as con:
        reference.load_all_plans(con)  # the same, called directly
        assert len(queries.target_edits(con, PLAN)) == 1
    assert status(demo_db).loc["base_stations_5g"].target == 18600


def test_sector_target_edit_changes_the_sector_status(demo_db):
    key = target_edits.TargetKey(
        "target", "smart_factories", "steel", "2025Q4", "zj-dt-plan", "专栏1 绿色钢铁"
    )
    target_edits.edit_target(demo_db, ADMIN, PLAN, key, 3, REASON)
    with db.connect(demo_db) as con:
        data = assessment.read_plan_data(con, PLAN, "2024Q4")
    assert data.default_target("smart_factories", "steel") == 3
    sectors = assessment.sector_status_table(data, "2024Q4").set_index(
        ["indicator_code", "sector_code"]
    )
    assert sectors.loc[("smart_factories", "steel")].target == 3


def test_milestone_edit_moves_the_expected_path(demo_db):
    rows = target_edits.read_editable_rows(demo_db, PLAN)
    milestone = rows[(rows.kind == "milestone") & (rows.indicator_code == "smart_factories")]
    key = target_edits.TargetKey.of(milestone.iloc[0].to_dict())
    before = status(demo_db).loc["smart_factories"].expected_completion
    cited = cited_rows(demo_db, "milestones")
    target_edits.edit_target(demo_db, ADMIN, PLAN, key, 15, REASON)
    with db.connect(demo_db) as con:
        data = assessment.read_plan_data(con, PLAN, "2024Q4")
    assert data.milestones_of("smart_factories") == {"2024Q4": 15}
    assert status(demo_db).loc["smart_factories"].expected_completion > before
    assert cited_rows(demo_db, "milestones") == cited


def test_targets_table_shows_the_edit_only_when_there_is_one(demo_db):
    with db.connect(demo_db) as con:
        indicators, sectors = queries.indicators(con, PLAN), queries.sectors(con, PLAN)
    plain = reference_tables.targets_table(targets(demo_db), indicators, sectors, "zh")
    assert "管理员调整" not in plain.columns
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON)
    table = reference_tables.targets_table(
        targets(demo_db), indicators, sectors, "zh", "base_stations_5g"
    )
    edited = table[table["管理员调整"] != ""]
    assert len(edited) == 1
    text = edited["管理员调整"].iloc[0]
    assert "root" in text and "1.8 万座 → 1.86 万座" in text and REASON in text
    assert edited["目标"].iloc[0] == "1.86 万座 ✎" and edited["原文"].iloc[0] == "1.8 万座"
    columns = list(table.columns)
    assert columns.index("管理员调整") == columns.index("目标") + 1
    en = reference_tables.targets_table(
        targets(demo_db), indicators, sectors, "en", "base_stations_5g"
    )
    assert "Edited by admin root" in " ".join(en["Admin edit"])


def test_to_canonical_uses_the_display_factor():
    assert target_edits.to_canonical(1.86, {"display_factor": 10000}) == pytest.approx(18600)
    assert target_edits.to_display(18600, {"display_factor": 10000}) == pytest.approx(1.86)
    assert target_edits.to_canonical(20, {"display_factor": 1}) == 20


# ------------------------------------------------------------------ accounts


@pytest.fixture
def accounts(tmp_path, monkeypatch) -> Path:
    """An accounts file in use with an admin (root), a staff member and a viewer."""
    monkeypatch.setattr(auth_accounts, "BCRYPT_ROUNDS", 4)
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", tmp_path / "no-local-users.yaml")
    path = tmp_path / "secrets" / "users.yaml"
    auth_accounts.add_user(path, "root", "admin", None, "root-pass-1", "管理员")
    auth_accounts.add_user(path, "alice", "staff", UNIT_A, "alice-pass-1", "Alice")
    auth_accounts.add_user(path, "lead", "viewer", None, "lead-pass-1", "领导")
    monkeypatch.setenv("KPI_USERS_FILE", str(path))
    signin.LIMITER.reset()
    return path


def account_calls(db_path):
    return [
        lambda user: account_changes.add_account(
            db_path, user, "bob", "viewer", None, "bob-pass-1", "bob-pass-1"
        ),
        lambda user: account_changes.change_account(db_path, user, "lead", "admin", None),
        lambda user: account_changes.reset_password(
            db_path, user, "lead", "new-pass-12", "new-pass-12"
        ),
        lambda user: account_changes.set_account_disabled(db_path, user, "lead", True),
        lambda user: account_changes.delete_account(db_path, user, "lead"),
    ]


@pytest.mark.parametrize("user", [None, VIEWER, STAFF], ids=["signed-out", "viewer", "staff"])
@pytest.mark.parametrize("call", range(5), ids=["add", "change", "reset", "disable", "delete"])
def test_account_writes_refused_when_not_admin(demo_db, accounts, user, call):
    file_before = accounts.read_bytes()
    log_before = dump_tables(demo_db, ("audit_log",))
    with pytest.raises(PermissionDenied):
        account_calls(demo_db)[call](user)
    assert accounts.read_bytes() == file_before
    assert dump_tables(demo_db, ("audit_log",)) == log_before


def test_admin_adds_a_staff_user_audited_without_password(demo_db, accounts):
    added = account_changes.add_account(
        demo_db,
        ADMIN,
        "bob",
        "staff",
        "市通信建设管理办公室",
        "bob-secret-1",
        "bob-secret-1",
        "鲍勃",
    )
    assert added == User("bob", "staff", "市通信建设管理办公室", "鲍勃")
    assert signin.authenticate("bob", "bob-secret-1") == added
    entry = audit(demo_db).iloc[0]
    assert (entry.action, entry.user_name, entry.object_id) == ("add_user", "root", "bob")
    assert json.loads(entry.after_json)["unit"] == "市通信建设管理办公室"
    dumped = " ".join(audit(demo_db)[["before_json", "after_json"]].fillna("").to_numpy().ravel())
    assert "bob-secret-1" not in dumped and "$2b$" not in dumped
    assert {"password_hash"} <= set(yaml.safe_load(accounts.read_text())["users"]["bob"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alice", "viewer", None, "pass-word-1", "pass-word-1"), "已存在"),
        (("bad name", "viewer", None, "pass-word-1", "pass-word-1"), "用户名"),
        (("bob", "staff", None, "pass-word-1", "pass-word-1"), "必须绑定"),
        (("bob", "staff", "不存在的单位", "pass-word-1", "pass-word-1"), "未知责任单位"),
        (("bob", "viewer", None, "pass-word-1", "pass-word-2"), "不一致"),
        (("bob", "viewer", None, "short", "short"), "至少 8 个字符"),
        (("bob12345", "viewer", None, "bob12345", "bob12345"), "不能与用户名相同"),
    ],
)
def test_add_account_refused_when_input_breaks_a_rule(demo_db, accounts, args, message):
    file_before = accounts.read_bytes()
    with pytest.raises(InputRejected) as refused:
        account_changes.add_account(demo_db, ADMIN, *args)
    assert message in refused.value.message_zh
    assert accounts.read_bytes() == file_before


def test_change_role_and_unit_keeps_the_password(demo_db, accounts):
    changed = account_changes.change_account(
        demo_db, ADMIN, "alice", "staff", "市通信建设管理办公室"
    )
    assert changed.unit == "市通信建设管理办公室"
    assert signin.authenticate("alice", "alice-pass-1") == changed
    entry = audit(demo_db).iloc[0]
    assert json.loads(entry.before_json)["unit"] == UNIT_A
    assert json.loads(entry.after_json)["unit"] == "市通信建设管理办公室"
    viewer = account_changes.change_account(
        demo_db, ADMIN, "alice", "viewer", "市通信建设管理办公室"
    )
    assert viewer.unit is None  # only staff carry a unit


def test_reset_password_then_only_the_new_one_signs_in(demo_db, accounts):
    account_changes.reset_password(demo_db, ADMIN, "lead", "brand-new-pass", "brand-new-pass")
    assert signin.authenticate("lead", "lead-pass-1") is None
    assert signin.authenticate("lead", "brand-new-pass").username == "lead"
    entry = audit(demo_db).iloc[0]
    assert entry.action == "reset_password"
    assert json.loads(entry.after_json) == {"username": "lead", "password_reset": True}
    assert "brand-new-pass" not in entry.after_json


def test_disabled_account_cannot_sign_in_until_enabled(demo_db, accounts):
    account_changes.set_account_disabled(demo_db, ADMIN, "alice", True)
    assert signin.authenticate("alice", "alice-pass-1") is None
    assert auth_accounts.lookup_user("alice") is None
    assert [
        a["disabled"] for a in auth_accounts.list_accounts(accounts) if a["username"] == "alice"
    ] == [True]
    account_changes.set_account_disabled(demo_db, ADMIN, "alice", False)
    assert signin.authenticate("alice", "alice-pass-1").username == "alice"
    assert audit(demo_db)["action"].tolist()[:2] == ["enable_user", "disable_user"]


@pytest.mark.parametrize(
    "call",
    [
        lambda p: account_changes.delete_account(p, ADMIN, "root"),
        lambda p: account_changes.set_account_disabled(p, ADMIN, "root", True),
        lambda p: account_changes.change_account(p, ADMIN, "root", "viewer", None),
    ],
    ids=["delete", "disable", "demote"],
)
def test_admin_cannot_remove_disable_or_demote_themselves(demo_db, accounts, call):
    file_before = accounts.read_bytes()
    with pytest.raises(InputRejected) as refused:
        call(demo_db)
    assert "自己" in refused.value.message_zh
    assert accounts.read_bytes() == file_before


@pytest.mark.parametrize(
    "call",
    [
        lambda p, a: account_changes.delete_account(p, a, "root"),
        lambda p, a: account_changes.set_account_disabled(p, a, "root", True),
        lambda p, a: account_changes.change_account(p, a, "root", "viewer", None),
    ],
    ids=["delete", "disable", "demote"],
)
def test_the_last_admin_is_never_removed(demo_db, accounts, call):
    # An admin whose own account is elsewhere (e.g. removed meanwhile) acts on the only admin.
    other = User("ops", "admin", None, "ops")
    file_before = accounts.read_bytes()
    log_before = dump_tables(demo_db, ("audit_log",))
    with pytest.raises(InputRejected) as refused:
        call(demo_db, other)
    assert "最后一个管理员" in refused.value.message_zh
    assert accounts.read_bytes() == file_before
    assert dump_tables(demo_db, ("audit_log",)) == log_before  # audit rolled back with it


def test_delete_account_removes_it_and_is_audited(demo_db, accounts):
    account_changes.delete_account(demo_db, ADMIN, "lead")
    assert "lead" not in auth_accounts.load_users(accounts)
    entry = audit(demo_db).iloc[0]
    assert (entry.action, entry.object_id) == ("remove_user", "lead")
    assert not isinstance(entry.after_json, str)  # nothing after a removal
    assert json.loads(entry.before_json)["role"] == "viewer"


def test_demo_accounts_file_is_never_written(demo_db, monkeypatch, tmp_path):
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", tmp_path / "no-local-users.yaml")
    monkeypatch.delenv("KPI_USERS_FILE", raising=False)
    assert not account_changes.accounts_editable()
    with pytest.raises(InputRejected) as refused:
        account_changes.add_account(
            demo_db, ADMIN, "bob", "viewer", None, "bob-pass-1", "bob-pass-1"
        )
    assert "演示账号" in refused.value.message_zh


def test_auth_update_user_refuses_to_leave_no_admin(accounts):
    with pytest.raises(errors.LastAdminError):
        auth_accounts.update_user(accounts, "root", role="viewer")
    with pytest.raises(errors.LastAdminError):
        auth_accounts.remove_user(accounts, "root", keep_an_admin=True)
    assert auth_accounts.lookup_user("root").role == "admin"


def test_accounts_table_never_shows_hashes(accounts):
    table = intake_tables.accounts_table(auth_accounts.list_accounts(accounts), "zh")
    assert list(table.columns) == ["用户名", "显示名称", "角色", "责任单位", "状态"]
    assert "$2b$" not in table.to_csv()


def test_etl_export_targets_shows_the_cited_and_the_edited_value(demo_db, capsys):
    target_edits.edit_target(demo_db, ADMIN, PLAN, FIVE_G, 18600, REASON)
    capsys.readouterr()
    assert etl_main(["export", "targets", "--db", str(demo_db), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    five_g = next(r for r in rows if r["indicator_code"] == "base_stations_5g" and r["is_default"])
    assert (five_g["value"], five_g["source_value"], five_g["edited_value"]) == (
        18600,
        18000,
        18600,
    )
    assert (five_g["edit_reason"], five_g["edited_by"]) == (REASON, "root")
    other = next(r for r in rows if r["indicator_code"] == "cloud_firms")
    assert other["edited_value"] is None and other["value"] == other["source_value"]

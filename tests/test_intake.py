"""kpi.store.intake: permissions, one transaction with an audit entry, append-only history."""

import json

import pytest
from intake_helpers import dump_tables, fixture_bytes

from kpi.auth.accounts import User
from kpi.base import errors
from kpi.base.errors import PermissionDenied
from kpi.measure import tasks as measure_tasks
from kpi.outputs import intake_tables
from kpi.store import db, ingest, intake, queries, writer

PLAN = "zhanjiang-dt-2023"
UNIT_A = "市工业和信息化局"
UNIT_B = "市通信建设管理办公室"

VIEWER = User("lead", "viewer", None, "领导")
STAFF_A = User("alice", "staff", UNIT_A, "Alice")
STAFF_B = User("bob", "staff", UNIT_B, "Bob")
COUNTY = User("lz", "staff", "雷州市人民政府", "雷州")
ZONE = User("zone", "staff", "湛江经开区管委会", "经开区")
ADMIN = User("root", "admin", None, "管理员")
IN_PLAN = "2025Q4"  # the plan's last quarter (an update after the plan is refused)


def check_file(path, name: str, content: bytes | None = None) -> ingest.UploadCheck:
    with db.connect(path) as con:
        return ingest.check_upload(con, content or fixture_bytes(name), name, PLAN)


def current(path) -> dict[tuple, float]:
    with db.connect(path) as con:
        frame = queries.current_figures(con, PLAN, "9999Q4")
    return {
        (r.indicator_code, r.period, r.sector_code, r.district_code): r.value
        for r in frame.fillna({"sector_code": "", "district_code": ""}).itertuples()
    }


def audit(path):
    with db.connect(path) as con:
        return queries.audit_log(con)


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize("user", [None, VIEWER], ids=["signed-out", "viewer"])
def test_commit_refused_when_user_may_not_upload(demo_db, user):
    check = check_file(demo_db, "utf8-bom.csv")
    before = dump_tables(demo_db)
    with pytest.raises(PermissionDenied):
        intake.commit_upload(demo_db, user, check, accept_warnings=True)
    assert dump_tables(demo_db) == before


@pytest.mark.parametrize("user", [None, VIEWER, STAFF_A], ids=["signed-out", "viewer", "staff"])
def test_rollback_refused_when_not_admin(demo_db, user):
    check = check_file(demo_db, "utf8-bom.csv")
    batch_id = intake.commit_upload(demo_db, STAFF_A, check, accept_warnings=False)
    before = dump_tables(demo_db)
    with pytest.raises(PermissionDenied):
        intake.rollback_batch(demo_db, user, batch_id)
    assert dump_tables(demo_db) == before


def test_task_update_refused_when_staff_of_another_unit(demo_db):
    # Group 1 (绿色钢铁): 市工业和信息化局、市发展改革局、湛江经开区管委会 — not unit B.
    before = dump_tables(demo_db)
    with pytest.raises(PermissionDenied) as refused:
        intake.record_task_update(demo_db, STAFF_B, PLAN, 1, 1, "2024Q3", "in_progress", "x", "")
    assert UNIT_B in refused.value.message_zh
    assert dump_tables(demo_db) == before
    update_id = intake.record_task_update(
        demo_db, STAFF_A, PLAN, 1, 1, "2024Q3", "in_progress", "推进中", ""
    )
    assert update_id > 0


@pytest.mark.parametrize("user", [None, VIEWER], ids=["signed-out", "viewer"])
def test_task_update_refused_when_not_staff_or_admin(demo_db, user):
    before = dump_tables(demo_db)
    with pytest.raises(PermissionDenied):
        intake.record_task_update(demo_db, user, PLAN, 1, 1, "2024Q3", "done", "", "")
    assert dump_tables(demo_db) == before


@pytest.mark.parametrize(
    ("user", "group_no", "allowed"),
    [
        (COUNTY, 12, True),  # 12 lists 各县（市、区）人民政府（管委会）
        (COUNTY, 3, True),  # 3 lists 雷州市人民政府 by name
        (COUNTY, 1, False),
        (ZONE, 1, True),  # by name
        (ZONE, 13, True),  # 管委会 are county-level units
        (STAFF_B, 17, True),
        (STAFF_B, 12, False),
        (ADMIN, 1, True),
        (ADMIN, 22, True),
    ],
)
def test_task_permission_when_collective_county_unit_is_expanded(demo_db, user, group_no, allowed):
    if allowed:
        assert intake.record_task_update(demo_db, user, PLAN, group_no, 1, "2024Q3", "done", "", "")
    else:
        with pytest.raises(PermissionDenied):
            intake.record_task_update(demo_db, user, PLAN, group_no, 1, "2024Q3", "done", "", "")


def test_expand_units_replaces_collective_with_every_county_unit(demo_db):
    with db.connect(demo_db) as con:
        counties = intake.county_units(con, PLAN)
    assert "雷州市人民政府" in counties and "湛江经开区管委会" in counties
    assert intake.COLLECTIVE_COUNTY_UNIT not in counties
    assert UNIT_A not in counties
    expanded = intake.expand_units(
        [UNIT_A, intake.COLLECTIVE_COUNTY_UNIT, "雷州市人民政府"], counties
    )
    assert expanded[0] == UNIT_A
    assert intake.COLLECTIVE_COUNTY_UNIT not in expanded
    assert expanded.count("雷州市人民政府") == 1
    assert set(counties) <= set(expanded)


# ------------------------------------------------------------------ uploads


def test_commit_writes_one_batch_and_one_audit_entry(demo_db):
    # An admin's commit is in force at once (a staff member's waits for review: test_review.py).
    check = check_file(demo_db, "utf8-bom.csv")
    batches_before = len(queries_batches(demo_db))
    audit_before = len(audit(demo_db))
    batch_id = intake.commit_upload(demo_db, ADMIN, check, accept_warnings=False)
    batches = queries_batches(demo_db)
    assert len(batches) == batches_before + 1
    row = batches.iloc[0]
    assert (row.batch_id, row.kind, row.user_name, row.file_name) == (
        batch_id,
        "load",
        "root",
        "utf8-bom.csv",
    )
    log = audit(demo_db)
    assert len(log) == audit_before + 1
    entry = log.iloc[0]
    assert (entry.user_name, entry.role, entry.action, entry.batch_id) == (
        "root",
        "admin",
        "load",
        batch_id,
    )
    assert json.loads(entry.after_json)["figures_written"] == 2
    assert intake.original_file(demo_db, batch_id) == (
        "utf8-bom.csv",
        fixture_bytes("utf8-bom.csv"),
    )
    assert current(demo_db)[("idc_racks", "2024Q3", "", "")] == 28500


def queries_batches(path):
    with db.connect(path) as con:
        return queries.batches(con, PLAN)


@pytest.mark.parametrize(
    "name", ["unknown-indicator.csv", "negative-value.csv", "empty.csv", "not-a-table.png"]
)
def test_rejected_file_leaves_store_identical(demo_db, name):
    before = dump_tables(demo_db)
    check = check_file(demo_db, name)
    assert check.checked.errors
    with pytest.raises(errors.InputRejected):
        intake.commit_upload(demo_db, ADMIN, check, accept_warnings=True)
    assert dump_tables(demo_db) == before


def test_warnings_need_explicit_acceptance(demo_db):
    check = check_file(demo_db, "level-decrease.csv")
    assert [p.code for p in check.checked.warnings] == ["level_decrease"]
    assert not check.checked.errors
    before = dump_tables(demo_db)
    with pytest.raises(errors.InputRejected) as refused:
        intake.commit_upload(demo_db, STAFF_A, check, accept_warnings=False)
    assert "警告" in refused.value.message_zh
    assert dump_tables(demo_db) == before
    batch_id = intake.commit_upload(demo_db, ADMIN, check, accept_warnings=True)
    assert current(demo_db)[("base_stations_5g", "2024Q3", "", "")] == 11000
    assert queries_batches(demo_db).iloc[0].batch_id == batch_id


def test_rollback_restores_old_values_and_is_audited(demo_db):
    old = current(demo_db)
    check = check_file(demo_db, "gbk-chinese-headers.csv")
    batch_id = intake.commit_upload(demo_db, ADMIN, check, accept_warnings=True)
    assert current(demo_db)[("base_stations_5g", "2024Q3", "", "")] == 12000
    assert current(demo_db) != old
    result = intake.rollback_batch(demo_db, ADMIN, batch_id)
    assert result.batch_id == batch_id and result.restored == 3
    assert current(demo_db) == old
    entry = audit(demo_db).iloc[0]
    assert (entry.action, entry.user_name, entry.role) == ("rollback", "root", "admin")
    assert entry.object_id == str(batch_id)
    with pytest.raises(errors.InputRejected):
        intake.rollback_batch(demo_db, ADMIN, batch_id)
    with pytest.raises(errors.InputRejected):
        intake.rollback_batch(demo_db, ADMIN, 9999)


def test_commit_refused_when_figures_changed_after_preview(demo_db):
    stale = check_file(demo_db, "level-decrease.csv")
    other = check_file(
        demo_db, "other.csv", b"indicator_code,period,value\nbase_stations_5g,2024Q2,20000\n"
    )
    intake.commit_upload(demo_db, ADMIN, other, accept_warnings=True)  # in force at once
    before = dump_tables(demo_db)
    with pytest.raises(errors.PreviewOutdated) as outdated:
        intake.commit_upload(demo_db, STAFF_A, stale, accept_warnings=True)
    assert isinstance(outdated.value, errors.RetryLater)
    assert dump_tables(demo_db) == before
    fresh = check_file(demo_db, "level-decrease.csv")
    assert intake.commit_upload(demo_db, STAFF_A, fresh, accept_warnings=True)


def test_retry_later_when_another_write_holds_the_turn(demo_db, monkeypatch):
    monkeypatch.setattr(writer, "_wait_seconds", lambda: 0.05)
    check = check_file(demo_db, "utf8-bom.csv")
    before = dump_tables(demo_db)
    with writer._WRITE_LOCK, pytest.raises(errors.RetryLater) as busy:
        intake.commit_upload(demo_db, STAFF_A, check, accept_warnings=False)
    assert busy.value.message("zh") == "数据库正忙，请稍后重试"
    assert "busy" in busy.value.message("en")
    assert dump_tables(demo_db) == before


def test_retry_later_when_the_file_is_locked_by_another_process(demo_db, monkeypatch):
    def locked(*args, **kwargs):
        raise errors.DatabaseBusy("数据库正被其他程序使用")

    monkeypatch.setattr(db, "connect", locked)
    with pytest.raises(errors.RetryLater):
        intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
    assert not writer._WRITE_LOCK.locked()


# ------------------------------------------------------------------ task updates


def test_task_updates_append_and_never_overwrite(demo_db):
    rows_before = dump_tables(demo_db, ("task_updates",))["task_updates"]
    with db.connect(demo_db) as con:
        first = queries.task_history(con, PLAN, 17, 1)
    ids = [
        intake.record_task_update(
            demo_db, STAFF_B, PLAN, 17, 1, IN_PLAN, status, f"第{i}次", f"https://e.example/{i}"
        )
        for i, status in enumerate(["in_progress", "delayed", "in_progress"])
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3
    rows_after = dump_tables(demo_db, ("task_updates",))["task_updates"]
    # Every earlier row is still there, unchanged; exactly three rows were added.
    assert set(rows_before) <= set(rows_after)
    assert len(rows_after) == len(rows_before) + 3
    with db.connect(demo_db) as con:
        history = queries.task_history(con, PLAN, 17, 1)
    assert len(history) == len(first) + 3
    mine = history[history["update_id"].isin(ids)].sort_values("update_id")
    assert mine["note"].tolist() == ["第0次", "第1次", "第2次"]
    assert set(mine["user_name"]) == {"bob"} and set(mine["unit_zh"]) == {UNIT_B}
    entry = audit(demo_db).iloc[0]
    assert (entry.action, entry.object_id, entry.role) == ("update_task", "17(1)", "staff")
    assert json.loads(entry.before_json)["status"] == "delayed"
    assert json.loads(entry.after_json)["update_id"] == ids[-1]


@pytest.mark.parametrize(
    ("group_no", "subtask_no", "period", "status", "note"),
    [
        (1, 1, "2024Q3", "finished", ""),  # unknown status
        (1, 1, "2024-13", "done", ""),  # not a quarter
        (1, 1, "2099Q1", "done", ""),  # future
        (1, 99, "2024Q3", "done", ""),  # no such sub-task
        (1, 1, "2024Q3", "done", "长" * 2001),  # note too long
    ],
)
def test_task_update_refused_when_input_is_invalid(
    demo_db, group_no, subtask_no, period, status, note
):
    before = dump_tables(demo_db)
    with pytest.raises(errors.InputRejected):
        intake.record_task_update(
            demo_db, ADMIN, PLAN, group_no, subtask_no, period, status, note, ""
        )
    assert dump_tables(demo_db) == before


def test_staff_subtasks_lists_only_own_unit_and_admin_all(demo_db):
    with db.connect(demo_db) as con:
        mine = measure_tasks.staff_subtasks(con, PLAN, STAFF_B, "2025Q4")
        everything = measure_tasks.staff_subtasks(con, PLAN, ADMIN, "2025Q4")
        county = measure_tasks.staff_subtasks(con, PLAN, COUNTY, "2025Q4")
        nothing = measure_tasks.staff_subtasks(con, PLAN, VIEWER, "2025Q4")
        tasks = queries.tasks(con, PLAN)
    assert set(mine["group_no"]) == {15, 17}
    assert len(everything) == len(tasks)
    assert {3, 4, 12, 13} <= set(county["group_no"]) and 1 not in set(county["group_no"])
    assert nothing.empty
    assert {"status", "overdue", "editable_units"} <= set(mine.columns)


# ------------------------------------------------------------------ tables shown on the pages


def test_download_name_never_carries_a_folder():
    assert intake_tables.download_name(7, "../../etc/passwd") == "batch-7-passwd"
    assert intake_tables.download_name(7, "C:\\Users\\x\\q3.xlsx") == "batch-7-q3.xlsx"
    assert intake_tables.download_name(7, None) == "batch-7-upload"
    assert intake_tables.download_name(7, "..") == "batch-7-upload"


@pytest.mark.parametrize(
    ("lang", "header", "column", "message"),
    [
        ("zh", "说明", "数值", "数值“-5”为负数"),
        ("en", "Message", "value", "Value '-5' is negative"),
    ],
)
def test_problems_table_speaks_the_readers_language(demo_db, lang, header, column, message):
    check = check_file(demo_db, "negative-value.csv")
    table = intake_tables.problems_table(check.checked.problems, lang)
    assert list(table.iloc[0])[:2] == ["3", column]
    assert message in table[header].iloc[0]
    empty = intake_tables.problems_table(check_file(demo_db, "empty.csv").checked.problems, lang)
    assert empty.iloc[0, 0] == ("整个文件" if lang == "zh" else "whole file")


def test_batch_status_names_rollbacks_both_ways(demo_db):
    batch_id = intake.commit_upload(
        demo_db, ADMIN, check_file(demo_db, "utf8-bom.csv"), accept_warnings=False
    )
    result = intake.rollback_batch(demo_db, ADMIN, batch_id)
    rows = {int(r["batch_id"]): r for r in queries_batches(demo_db).to_dict("records")}
    assert (
        intake_tables.batch_status(rows[batch_id]) == f"已撤销（批次 {result.rollback_batch_id}）"
    )
    assert (
        intake_tables.batch_status(rows[result.rollback_batch_id], "en")
        == f"Rollback of batch {batch_id}"
    )
    demo = rows[min(rows)]  # the plan's demo batch, untouched
    assert intake_tables.batch_status(demo) == "生效中"
    assert not intake_tables.can_roll_back(rows[batch_id])
    assert not intake_tables.can_roll_back(rows[result.rollback_batch_id])
    assert intake_tables.can_roll_back(demo)


def test_a_submission_under_review_is_shown_so_and_cannot_be_rolled_back(demo_db):
    batch_id = intake.commit_upload(
        demo_db, STAFF_A, check_file(demo_db, "utf8-bom.csv"), accept_warnings=False
    )
    row = queries_batches(demo_db).set_index("batch_id").loc[batch_id].to_dict()
    assert intake_tables.batch_status(row) == "待审核"
    assert not intake_tables.can_roll_back(row)
    before = dump_tables(demo_db)
    with pytest.raises(errors.InputRejected, match="尚未审核通过"):
        intake.rollback_batch(demo_db, ADMIN, batch_id)
    assert dump_tables(demo_db) == before


def test_diff_table_shows_names_and_display_units(demo_db):
    check = check_file(demo_db, "gbk-chinese-headers.csv")
    with db.connect(demo_db) as con:
        names = {n: getattr(queries, n)(con, PLAN) for n in ("indicators", "sectors", "districts")}
    zh = intake_tables.diff_table(check.diff, **names, lang="zh")
    en = intake_tables.diff_table(check.diff, **names, lang="en")
    assert zh.iloc[0].tolist() == [
        2,
        "5G 基站",
        "2024Q3",
        "—",
        "—",
        "1.33 万座",
        "1.2 万座",
        "修改",
    ]
    assert en.iloc[1, 4] == "Chikan District"
    assert en.iloc[2, 3] == "Green steel" and en.iloc[2, 7] == "Unchanged"

"""kpi.store.review: staff submissions wait for review; approve applies them, return explains why.

Store functions, the command line (`etl load --submit`, `etl review ...`) and the page
pages/submissions.py (AppTest) for reviewers and staff.
"""

import json
from pathlib import Path

import pytest
from intake_helpers import dump_tables, fixture_bytes, run_page, use_accounts

from etl import cli
from kpi.auth.accounts import User
from kpi.base.errors import InputRejected, PermissionDenied
from kpi.outputs import bulletin, review_tables
from kpi.store import db, evidence, ingest, intake, queries, review

PLAN = "zhanjiang-dt-2023"
UNIT_A = "市工业和信息化局"
UNIT_B = "市通信建设管理办公室"
STAFF_A = User("alice", "staff", UNIT_A, "Alice")
STAFF_B = User("bob", "staff", UNIT_B, "Bob")
REVIEWER = User("rita", "reviewer", None, "Rita")
ADMIN = User("root", "admin", None, "管理员")
VIEWER = User("lead", "viewer", None, "领导")
TABLES = (
    "figures",
    "batches",
    "uploaded_files",
    "audit_log",
    "submitted_figures",
    "attachments",
)
# utf8-bom.csv: idc_racks 2024Q3 = 2.85万 架, dcmm_trainees 2024Q3 = 25 (indicators of UNIT_A)
RACKS = ("idc_racks", "2024Q3")


def check_file(path, name: str = "utf8-bom.csv", content: bytes | None = None):
    with db.connect(path) as con:
        return ingest.check_upload(con, content or fixture_bytes(name), name, PLAN)


def in_force(path, key=RACKS) -> float:
    with db.read(path) as con:
        frame = queries.current_figures(con, PLAN, "9999Q4")
    row = frame[
        (frame["indicator_code"] == key[0])
        & (frame["period"] == key[1])
        & frame["sector_code"].isna()
        & frame["district_code"].isna()
    ]
    return float(row["value"].iloc[0])


def batch(path, batch_id: int) -> dict:
    with db.read(path) as con:
        return queries.batch(con, batch_id)


def last_audit(path) -> dict:
    with db.read(path) as con:
        return queries.audit_log(con).iloc[0].to_dict()


def pending(path) -> int:
    with db.read(path) as con:
        return review.pending_count(con, PLAN)


def submit(path, user=STAFF_A, **kwargs) -> int:
    return intake.commit_upload(path, user, check_file(path), accept_warnings=True, **kwargs)


# ------------------------------------------------------------------ submit


def test_staff_commit_is_pending_and_changes_no_figure_in_force(demo_db):
    old = in_force(demo_db)
    figures = dump_tables(demo_db, ("figures",))
    batch_id = submit(demo_db)
    assert dump_tables(demo_db, ("figures",)) == figures
    assert in_force(demo_db) == old != 28500
    row = batch(demo_db, batch_id)
    assert (row["review_state"], row["unit_zh"], row["entry"]) == ("pending", UNIT_A, "file")
    with db.read(demo_db) as con:
        rows = review.submitted_rows(con, batch_id)
    assert rows[["indicator_code", "value", "entered_basis"]].values.tolist() == [
        ["idc_racks", 28500.0, "declared"],
        ["dcmm_trainees", 25.0, "declared"],
    ]
    assert pending(demo_db) == 1
    entry = last_audit(demo_db)
    assert (entry["action"], entry["user_name"], entry["batch_id"]) == ("submit", "alice", batch_id)


def test_admin_commit_is_approved_at_once(demo_db):
    batch_id = intake.commit_upload(demo_db, ADMIN, check_file(demo_db), accept_warnings=True)
    assert batch(demo_db, batch_id)["review_state"] == "approved"
    assert in_force(demo_db) == 28500
    assert pending(demo_db) == 0


def test_grid_entry_is_recorded_as_form(demo_db):
    batch_id = submit(demo_db, entry="form")
    assert batch(demo_db, batch_id)["entry"] == "form"


def test_the_entered_basis_of_each_row_is_kept(demo_db):
    check = check_file(demo_db)
    check.checked.rows["entered_basis"] = ["cumulative", None]
    batch_id = intake.commit_upload(demo_db, STAFF_A, check, accept_warnings=True)
    with db.read(demo_db) as con:
        kept = review.submitted_rows(con, batch_id)["entered_basis"].tolist()
    assert kept == ["cumulative", "declared"]


def test_basis_choices_of_the_check_are_in_the_audit_entry(demo_db):
    check = check_file(demo_db)
    check.basis_choices = {2: ("cumulative", "表中为累计数")}
    intake.commit_upload(demo_db, STAFF_A, check, accept_warnings=True)
    after = json.loads(last_audit(demo_db)["after_json"])
    assert after["basis_choices"] == {"2": {"choice": "cumulative", "reason": "表中为累计数"}}


def test_evidence_is_attached_to_the_submitted_batch(demo_db):
    prepared = evidence.Prepared(links=("https://example.gov.cn/report.pdf",))
    batch_id = submit(demo_db, evidence=prepared)
    with db.read(demo_db) as con:
        rows = con.execute("select batch_id, url from attachments").fetchall()
    assert rows == [(batch_id, "https://example.gov.cn/report.pdf")]


# ------------------------------------------------------------------ approve and return


def test_approve_brings_the_figures_into_force_and_keeps_history(demo_db):
    old = in_force(demo_db)
    batch_id = submit(demo_db)
    result = review.approve(demo_db, REVIEWER, batch_id)
    assert (result.state, result.figures_written, result.figures_superseded) == ("approved", 2, 2)
    assert in_force(demo_db) == 28500
    with db.read(demo_db) as con:
        history = queries.figure_history(con, PLAN, "idc_racks")
    versions = history[(history["period"] == "2024Q3") & history["sector_code"].isna()]
    assert versions["value"].tolist() == [28500.0, old]
    assert versions["is_current"].tolist() == [True, False]
    assert versions["superseded_by"].iloc[1] == batch_id
    row = batch(demo_db, batch_id)
    assert (row["review_state"], row["reviewed_by"]) == ("approved", "rita")
    entry = last_audit(demo_db)
    assert (entry["action"], entry["role"], entry["batch_id"]) == ("approve", "reviewer", batch_id)
    assert json.loads(entry["after_json"])["figures_written"] == 2
    assert pending(demo_db) == 0


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_return_requires_a_reason(demo_db, reason):
    batch_id = submit(demo_db)
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(InputRejected) as refused:
        review.reject(demo_db, REVIEWER, batch_id, reason)
    assert "原因" in refused.value.message("zh")
    assert dump_tables(demo_db, TABLES) == before


def test_return_refuses_a_reason_over_the_limit(demo_db):
    batch_id = submit(demo_db)
    with pytest.raises(InputRejected) as refused:
        review.reject(demo_db, REVIEWER, batch_id, "长" * (review.MAX_REASON_CHARS + 1))
    assert str(review.MAX_REASON_CHARS) in refused.value.message("zh")
    assert batch(demo_db, batch_id)["review_state"] == "pending"


def test_returned_batch_changes_nothing_and_its_unit_sees_the_reason(demo_db):
    figures = dump_tables(demo_db, ("figures",))
    batch_id = submit(demo_db)
    review.reject(demo_db, REVIEWER, batch_id, "  第 2 行应为本季度新增数  ")
    assert dump_tables(demo_db, ("figures",)) == figures
    with db.read(demo_db) as con:
        mine = review.submissions(con, PLAN, STAFF_A)
        others = review.submissions(con, PLAN, STAFF_B)
    assert mine[["batch_id", "review_state", "review_reason", "reviewed_by"]].values.tolist() == [
        [batch_id, "returned", "第 2 行应为本季度新增数", "rita"]
    ]
    assert others.empty
    entry = last_audit(demo_db)
    assert (entry["action"], json.loads(entry["after_json"])["reason"]) == (
        "return",
        "第 2 行应为本季度新增数",
    )


def test_reviewers_see_every_units_submissions_pending_first(demo_db):
    first = submit(demo_db)
    review.reject(demo_db, REVIEWER, first, "重报")
    second = submit(demo_db)
    with db.read(demo_db) as con:
        queue = review.submissions(con, PLAN, REVIEWER)
    assert queue["batch_id"].tolist() == [second, first]
    with db.read(demo_db) as con, pytest.raises(PermissionDenied):
        review.submissions(con, PLAN, VIEWER)


def test_staff_see_their_unanswered_returned_batch_first(demo_db):
    returned = submit(demo_db)
    review.reject(demo_db, REVIEWER, returned, "重报")
    waiting = submit(demo_db)
    with db.read(demo_db) as con:
        assert review.submissions(con, PLAN, STAFF_A)["batch_id"].tolist() == [returned, waiting]
    again = submit(demo_db, resubmits=returned)
    with db.read(demo_db) as con:
        order = review.submissions(con, PLAN, STAFF_A)["batch_id"].tolist()
    assert order == [again, waiting, returned]  # answered: pending first, as for reviewers


def test_a_resubmission_names_the_returned_batch_both_ways(demo_db):
    returned = submit(demo_db)
    review.reject(demo_db, REVIEWER, returned, "数值有误")
    again = submit(demo_db, resubmits=returned)
    assert batch(demo_db, again)["resubmits"] == returned
    with db.read(demo_db) as con:
        queue = review.submissions(con, PLAN, STAFF_A).set_index("batch_id")
    assert queue.loc[returned, "resubmitted_as"] == again
    table = review_tables.submissions_table(queue.reset_index(), "zh")
    assert set(table["关联批次"]) == {f"更正批次 {returned}", f"已重新提交为批次 {again}"}


@pytest.mark.parametrize("target", ["pending", "other_unit"])
def test_a_resubmission_of_a_batch_that_is_not_this_units_returned_one_is_refused(demo_db, target):
    earlier = submit(demo_db)
    if target == "other_unit":
        review.reject(demo_db, REVIEWER, earlier, "重报")
    before = dump_tables(demo_db, TABLES)
    user = STAFF_A if target == "pending" else User("carl", "staff", UNIT_A + "X", "C")
    with pytest.raises((InputRejected, PermissionDenied)):
        intake.commit_upload(
            demo_db, user, check_file(demo_db), accept_warnings=True, resubmits=earlier
        )
    assert dump_tables(demo_db, TABLES) == before


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_a_batch_that_is_not_pending_is_refused_with_its_state(demo_db, first):
    batch_id = submit(demo_db)
    if first == "approve":
        review.approve(demo_db, REVIEWER, batch_id)
    else:
        review.reject(demo_db, REVIEWER, batch_id, "重报")
    before = dump_tables(demo_db, TABLES)
    for action in (
        lambda: review.approve(demo_db, ADMIN, batch_id),
        lambda: review.reject(demo_db, ADMIN, batch_id, "再退"),
    ):
        with pytest.raises(InputRejected) as refused:
            action()
        state = "已通过" if first == "approve" else "已退回"
        assert f"批次 {batch_id} 不是待审核状态（{state}" in refused.value.message("zh")
    assert dump_tables(demo_db, TABLES) == before


def test_an_admins_own_load_is_not_a_submission_to_review(demo_db):
    batch_id = intake.commit_upload(demo_db, ADMIN, check_file(demo_db), accept_warnings=True)
    with pytest.raises(InputRejected):
        review.approve(demo_db, REVIEWER, batch_id)


@pytest.mark.parametrize("user", [None, VIEWER, STAFF_A], ids=["signed-out", "viewer", "staff"])
def test_only_reviewers_and_admins_review(demo_db, user):
    batch_id = submit(demo_db)
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(PermissionDenied) as refused:
        review.approve(demo_db, user, batch_id)
    with pytest.raises(PermissionDenied):
        review.reject(demo_db, user, batch_id, "不行")
    assert "审核员" in refused.value.message("zh")
    assert dump_tables(demo_db, TABLES) == before


def test_a_failure_inside_approve_leaves_the_store_unchanged(demo_db, monkeypatch):
    batch_id = submit(demo_db)
    before = dump_tables(demo_db, TABLES)

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    # After the figures were applied and the batch marked: all of it must roll back.
    monkeypatch.setattr(queries, "write_audit", broken)
    with pytest.raises(RuntimeError):
        review.approve(demo_db, REVIEWER, batch_id)
    assert dump_tables(demo_db, TABLES) == before
    assert pending(demo_db) == 1


def test_the_bulletin_says_how_many_submissions_are_pending(demo_db):
    submit(demo_db)
    with db.read(demo_db) as con:
        inputs = bulletin.read_inputs(con, PLAN, "2025Q4")
    text = [p for s in bulletin.sections(inputs, "zh") for p in s.paragraphs]
    assert any("1 份上报待审核" in p for p in text)


# ------------------------------------------------------------------ command line


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def racks_file(tmp_path: Path, value: str = "30000") -> Path:
    path = tmp_path / "racks.csv"
    path.write_text(f"indicator_code,period,value\nidc_racks,2024Q3,{value}\n", encoding="utf-8")
    return path


def test_cli_load_submit_waits_for_review_and_status_says_so(demo_db, tmp_path, capsys):
    old = in_force(demo_db)
    code, out, _ = run(capsys, "load", racks_file(tmp_path), "--db", demo_db, "--submit")
    assert code == 0 and "已提交审核" in out
    assert in_force(demo_db) == old
    code, out, err = run(capsys, "review", "list", "--db", demo_db, "--json")
    listed = json.loads(out)
    assert code == 0 and [(r["review_state"], r["entry"]) for r in listed] == [("pending", "cli")]
    code, out, err = run(capsys, "status", "--db", demo_db)
    assert code == 0 and "1 份上报待审核" in err and "待审核" not in out


def test_cli_review_approve_then_again_exits_1(demo_db, tmp_path, capsys):
    run(capsys, "load", racks_file(tmp_path), "--db", demo_db, "--submit")
    batch_id = max(r[0] for r in dump_tables(demo_db, ("batches",))["batches"])
    code, out, _ = run(capsys, "review", "approve", batch_id, "--db", demo_db, "--user", "李审核")
    assert code == 0 and f"批次 {batch_id} 已审核通过" in out
    assert in_force(demo_db) == 30000
    entry = last_audit(demo_db)
    assert (entry["action"], entry["user_name"], entry["role"]) == ("approve", "李审核", "cli")
    code, _, err = run(capsys, "review", "approve", batch_id, "--db", demo_db)
    assert code == 1 and "不是待审核状态" in err


def test_cli_review_reject_needs_a_reason(demo_db, tmp_path, capsys):
    run(capsys, "load", racks_file(tmp_path), "--db", demo_db, "--submit")
    batch_id = max(r[0] for r in dump_tables(demo_db, ("batches",))["batches"])
    with pytest.raises(SystemExit) as usage:
        run(capsys, "review", "reject", batch_id, "--db", demo_db)
    assert usage.value.code == 2
    code, _, err = run(capsys, "review", "reject", batch_id, "--db", demo_db, "--reason", " ")
    assert code == 1 and "原因" in err
    code, out, _ = run(capsys, "review", "reject", batch_id, "--db", demo_db, "--reason", "重报")
    assert code == 0 and f"批次 {batch_id} 已退回" in out
    assert batch(demo_db, batch_id)["review_reason"] == "重报"


def test_cli_load_without_submit_is_in_force_at_once(demo_db, tmp_path, capsys):
    code, _, _ = run(capsys, "load", racks_file(tmp_path), "--db", demo_db)
    assert code == 0 and in_force(demo_db) == 30000
    assert pending(demo_db) == 0


def test_cli_basis_choice_answers_the_cumulative_question_and_is_audited(demo_db, tmp_path, capsys):
    path = tmp_path / "factories.csv"  # 37: the 累计数 of a 本季度新增 indicator
    path.write_text("indicator_code,period,value\nsmart_factories,2025Q4,37\n", encoding="utf-8")
    code, out, _ = run(capsys, "load", path, "--db", demo_db, "--submit")
    assert code == 1 and "这看起来是累计数" in out
    argv = ("--basis", "2=cumulative", "--reason", "表中为累计数")
    code, out, _ = run(capsys, "load", path, "--db", demo_db, "--submit", *argv)
    assert code == 0, out
    batch_id = max(r[0] for r in dump_tables(demo_db, ("batches",))["batches"])
    with db.read(demo_db) as con:
        assert review.submitted_rows(con, batch_id)["entered_basis"].tolist() == ["cumulative"]
    after = json.loads(last_audit(demo_db)["after_json"])
    assert after["basis_choices"] == {"2": {"choice": "cumulative", "reason": "表中为累计数"}}


def test_cli_basis_choice_needs_a_reason(demo_db, tmp_path, capsys):
    code, _, err = run(
        capsys, "load", racks_file(tmp_path), "--db", demo_db, "--basis", "2=cumulative"
    )
    assert code == 2 and "--reason" in err
    with pytest.raises(SystemExit) as usage:
        run(capsys, "load", racks_file(tmp_path), "--db", demo_db, "--basis", "2=total")
    assert usage.value.code == 2


# ------------------------------------------------------------------ the page

PAGE = "../pages/submissions.py"
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", UNIT_A),
    "reviewer": ("reviewer", None),
}


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)


def staff_submission(path) -> int:
    return submit(path, User("staff", "staff", UNIT_A, "staff"))


@pytest.mark.page
def test_page_reviewer_approves_a_pending_submission(env):
    batch_id = staff_submission(env)
    at = run_page(PAGE, "reviewer")
    assert at.metric[0].value == "1"
    assert at.selectbox(key="submissions_pick").value == batch_id
    table = [d.value for d in at.dataframe if "新值" in d.value.columns][0]
    assert table["新值"].tolist() == ["2.85 万架", "25 人"]
    [b for b in at.button if b.label == "审核通过"][0].click().run()
    assert not at.exception
    assert f"批次 {batch_id} 已审核通过，2 个数值已生效" in "\n".join(s.value for s in at.success)
    assert in_force(env) == 28500


@pytest.mark.page
def test_page_return_without_reason_is_refused_on_the_page(env):
    batch_id = staff_submission(env)
    at = run_page(PAGE, "reviewer")
    [b for b in at.button if b.label == "退回"][0].click().run()
    assert "退回时请填写原因" in "\n".join(e.value for e in at.error)
    assert batch(env, batch_id)["review_state"] == "pending"


@pytest.mark.page
def test_page_staff_sees_the_returned_reason_and_a_way_to_resubmit(env):
    batch_id = staff_submission(env)
    review.reject(env, REVIEWER, batch_id, "第 3 行应为本季度新增数")
    at = run_page(PAGE, "staff")
    warning = "\n".join(w.value for w in at.warning)
    assert "已被 rita 退回，原因：第 3 行应为本季度新增数" in warning
    assert not [b for b in at.button if b.label == "审核通过"]
    assert at.button(key="submissions_resubmit").label == "更正后重新提交"


@pytest.mark.page
@pytest.mark.parametrize(
    ("user", "lang", "message"),
    [
        ("viewer", "zh", "需要上报员、审核员或管理员权限"),
        (None, "zh", "此功能需要登录（上报员、审核员或管理员）"),
        ("viewer", "en", "Staff, reviewer or admin rights are needed"),
    ],
)
def test_page_refuses_viewers_and_visitors_with_no_submission_shown(env, user, lang, message):
    staff_submission(env)
    at = run_page(PAGE, user, lang)
    assert message in "\n".join(str(e.value) for e in at.error)
    assert not at.dataframe and not at.selectbox

"""AppTest runs of 在线填报 (pages/entry.py) and the consequence preview on 数据上报.

The grid's cells cannot be typed into by AppTest: the journeys start from a saved draft (what the
grid shows first) or a returned submission; typing is covered by tests/e2e/test_entry_journey.py.
"""

from pathlib import Path

import pytest
from intake_helpers import run_page as run
from intake_helpers import use_accounts
from streamlit.testing.v1 import AppTest

from kpi.auth.accounts import User
from kpi.base import i18n
from kpi.measure import assessment
from kpi.outputs import formatting, upload_template
from kpi.store import db, drafts, queries, review
from kpi.web.signin import SESSION_KEY

pytestmark = pytest.mark.page

ENTRY, UPLOAD = "../pages/entry.py", "../pages/upload.py"
PLAN = "zhanjiang-dt-2023"
PERIOD = "2025Q4"  # the due quarter after the plan's end
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "admin": ("admin", None),
}
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
ADMIN = User("admin", "admin", None, "admin")


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def grid(at: AppTest):
    """The entry grid (AppTest lists a data editor among the dataframes)."""
    return next(d.value for d in at.dataframe if "row_key" in d.value.columns)


def table_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def factories_before(path: Path) -> tuple[float, float]:
    """City-wide smart factories: cumulative before the due quarter, and in force at it."""
    with db.read(path) as con:
        rows = upload_template.unit_rows(con, PLAN, STAFF, period=PERIOD)
        status = assessment.indicator_status(con, PLAN, PERIOD).set_index("indicator_code")
    city = rows[(rows["indicator_code"] == "smart_factories") & rows["sector_code"].isna()]
    return float(city["previous_cumulative"].iloc[0]), float(
        status.loc["smart_factories", "actual"]
    )


def test_viewer_is_refused_and_sees_no_grid(env):
    at = run(ENTRY, "viewer")
    assert "需要上报员或管理员权限" in texts(at.error)
    assert not at.dataframe


@pytest.mark.parametrize(("lang", "title"), [("zh", "在线填报"), ("en", "Online entry")])
def test_staff_sees_a_row_per_indicator_and_breakdown_of_the_unit(env, lang, title):
    at = run(ENTRY, "staff", lang)
    with db.read(env) as con:
        rows = upload_template.unit_rows(con, PLAN, STAFF, period=PERIOD)
    shown = grid(at)
    assert len(shown) == len(rows)
    assert shown["this_quarter"].isna().all() and shown["cumulative"].isna().all()
    assert PERIOD in texts(at.caption)
    assert at.button(key="entry_save") and at.button(key="entry_run_check")
    assert at.title[0].value == title


def test_cumulative_typed_as_this_quarter_is_stopped_then_written_with_a_choice(env):
    previous, _ = factories_before(env)
    total = previous + 2
    row = {"row_key": "smart_factories||", "this_quarter": total, "cumulative": None, "note": ""}
    drafts.save_draft(env, STAFF, PLAN, PERIOD, [row])
    at = run(ENTRY, "staff")
    assert grid(at).set_index("row_key").loc["smart_factories||", "this_quarter"] == total
    at.button(key="entry_run_check").click().run()
    assert "这看起来是累计数" in table_with(at, "说明")["说明"].iloc[0]
    assert at.button(key="entry_commit").disabled
    choice = next(r for r in at.radio if r.key.startswith("entry_basis_"))
    assert choice.value is None  # no default: the clerk decides
    choice.set_value("cumulative")
    at.button(key="FormSubmitter:entry_basis_form-重新检查").click().run()
    assert "理由" in table_with(at, "说明")["说明"].iloc[0]  # a choice needs a reason
    at.text_input(key=choice.key.replace("entry_basis_", "entry_reason_")).input("统计台账为累计数")
    at.button(key="FormSubmitter:entry_basis_form-重新检查").click().run()
    assert not at.exception
    preview = table_with(at, "完成率")
    assert preview["填报值"].iloc[0] == f"累计数 {total:g} 个"
    if at.checkbox:
        at.checkbox(key="entry_accept").check().run()
    at.button(key="entry_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with db.read(env) as con:
        batch = queries.batches(con, PLAN).iloc[0]
        rows = review.submitted_rows(con, int(batch["batch_id"]))
    assert f"批次号 {int(batch['batch_id'])}" in texts(at.success)
    assert rows["value"].tolist() == [pytest.approx(2)]  # stored as the quarter's new factories
    assert drafts.load_draft(env, STAFF, PLAN, PERIOD) is None  # submitted: the draft is gone


def test_returned_submission_reopens_prefilled_and_is_resubmitted(env):
    row = {"row_key": "smart_factories||", "this_quarter": 1.0, "cumulative": None, "note": ""}
    drafts.save_draft(env, STAFF, PLAN, PERIOD, [row])
    at = run(ENTRY, "staff")
    at.button(key="entry_run_check").click().run()
    if at.checkbox:
        at.checkbox(key="entry_accept").check().run()
    at.button(key="entry_commit").click().run()
    with db.read(env) as con:
        returned = int(queries.batches(con, PLAN).iloc[0]["batch_id"])
    review.reject(env, ADMIN, returned, "请补充佐证")
    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.session_state[SESSION_KEY] = "staff"
    at.query_params["resubmit"] = str(returned)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"批次 {returned}" in texts(at.info)
    assert grid(at).set_index("row_key").loc["smart_factories||", "this_quarter"] == 1.0
    at.button(key="entry_run_check").click().run()
    if at.checkbox:
        at.checkbox(key="entry_accept").check().run()
    at.button(key="entry_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with db.read(env) as con:
        newest = queries.batch(con, int(queries.batches(con, PLAN).iloc[0]["batch_id"]))
    assert int(newest["resubmits"]) == returned and newest["entry"] == "form"


def test_upload_page_previews_cumulative_completion_and_light(env):
    previous, actual = factories_before(env)
    content = f"指标代码,期间,累计数,单位\nsmart_factories,{PERIOD},{previous + 20:g},个\n"
    at = run(UPLOAD, "admin")
    at.file_uploader(key="upload").set_value(("f.csv", content.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    preview = table_with(at, "完成率").iloc[0]
    with db.read(env) as con:
        meta = queries.indicators(con, PLAN).set_index("indicator_code").loc["smart_factories"]
        status = assessment.indicator_status(con, PLAN, PERIOD).set_index("indicator_code")
    target = float(status.loc["smart_factories", "target"])
    before = formatting.format_value(actual, meta)
    after = formatting.format_value(previous + 20, meta)
    assert preview["累计"] == f"{before} → {after}"
    assert preview["完成率"] == (
        f"{formatting.format_pct(actual / target * 100)} → "
        f"{formatting.format_pct((previous + 20) / target * 100)}"
    )
    assert " → " in preview["灯号"]
    assert i18n.light_name("achieved", "zh") in preview["灯号"].split(" → ")[1]
    assert table_with(at, "新值") is not None  # the old row-by-row diff stays beside it

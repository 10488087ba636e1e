"""AppTest runs of 规划管理 (pages/plans.py): admins see the plans and import a checked
workbook; staff and viewers are refused before anything is drawn."""

from pathlib import Path

import page_html
import pytest
from intake_helpers import run_page as run
from intake_helpers import use_accounts
from test_plan_import import NEW_PLAN, new_plan_copy, set_cell, zhanjiang

from kpi.outputs import plan_template
from kpi.store import db, queries

pytestmark = pytest.mark.page

PAGE = "../pages/plans.py"
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "admin": ("admin", None),
}


@pytest.fixture
def env(empty_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_accounts(monkeypatch, tmp_path, empty_db, ACCOUNTS)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def upload(at, tables) -> None:
    content = plan_template.template_workbook(tables)
    at.file_uploader(key="plans_upload").set_value(("next.xlsx", content, "application/zip"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("username", ["viewer", "staff"])
def test_staff_and_viewers_are_refused(env, username):
    at = run(PAGE, username)
    assert "需要管理员权限" in texts(at.error)
    assert not at.dataframe and not at.get("file_uploader")


def test_admin_sees_the_plans_and_the_template(env):
    at = run(PAGE, "admin")
    listed = at.dataframe[0].value
    assert "zhanjiang-dt-2023" in set(listed["规划编号"])
    assert len(at.get("file_uploader")) == 1


def test_an_upload_with_an_error_shows_the_problem_row_and_no_import_button(env):
    tables = new_plan_copy(zhanjiang())
    set_cell(tables, "targets", 0, "comparator", "≈")
    at = run(PAGE, "admin")
    upload(at, tables)
    assert "1 处错误" in texts(at.error)
    problems = page_html.plain_tables(at)[0]  # plain, so the messages are read in full
    row = problems.iloc[0]
    assert (row["表"], row["行"], row["列"]) == ("目标值", "2", "比较方式")
    assert not [b for b in at.button if b.key == "plans_import"]


def test_admin_previews_and_imports_a_new_plan(env):
    at = run(PAGE, "admin", "en")
    upload(at, new_plan_copy(zhanjiang()))
    changes = at.dataframe[1].value.set_index("Sheet")
    assert changes.loc["Targets", "Added"] == 63
    at.button(key="plans_import").click().run()
    assert "Tick" in texts(at.error)  # not confirmed yet: nothing written
    at.checkbox(key="plans_confirm").check().run()
    at.button(key="plans_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Imported plan {NEW_PLAN}" in texts(at.success)
    with db.read(env) as con:
        assert NEW_PLAN in set(queries.plans(con)["plan_id"])
        log = queries.audit_log(con)
    assert log.iloc[0]["user_name"] == "admin" and log.iloc[0]["plan_id"] == NEW_PLAN

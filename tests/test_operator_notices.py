"""Operator text reaches administrators only; Streamlit's own English is switched off or explained.

Readers (signed out, leaders, clerks) never see file names, commands or environment variables;
a signed-in administrator sees the accounts notice and the command lines.
"""

from pathlib import Path

import pytest
from intake_helpers import run_page, use_accounts
from streamlit.testing.v1 import AppTest

from kpi.base import config
from kpi.outputs import bulletin

APP = "../app.py"
PLAN = "zhanjiang-dt-2023"
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "admin": ("admin", None),
}
OPERATOR_WORDS = ("python -m", "KPI_", ".yaml", "chmod", "etl ")


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KPI_DB -> a demo copy; an accounts file others may read (a start-up warning)."""
    use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)
    (tmp_path / "secrets" / "users.yaml").chmod(0o644)
    return demo_db


def page_text(at: AppTest) -> str:
    """Every text a reader can see on the page, expander labels and tooltips included."""
    kinds = ("markdown", "caption", "title", "subheader", "warning", "info", "error", "success")
    parts = [str(e.value) for kind in kinds for e in at.get(kind)]
    parts += [e.label for e in at.get("expander")]
    return "\n".join(parts)


@pytest.mark.page
@pytest.mark.parametrize("username", [None, "viewer", "staff"])
def test_no_operator_text_on_the_overview_when_not_admin(env, username) -> None:
    text = page_text(run_page(APP, username))
    assert not [w for w in OPERATOR_WORDS if w in text], text


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_accounts_notice_is_one_closed_line_when_admin(env, lang) -> None:
    at = run_page(APP, "admin", lang)
    start = {"zh": "运维提示", "en": "Operator notice"}[lang]
    [notice] = [e for e in at.get("expander") if e.label.startswith(start)]
    assert "chmod 600" in page_text(at)


@pytest.mark.page
@pytest.mark.parametrize(("username", "shown"), [(None, False), ("viewer", False), ("admin", True)])
def test_reports_page_shows_command_lines_only_when_admin(env, username, shown) -> None:
    text = page_text(run_page("../pages/reports.py", username))
    assert ("python -m etl report" in text) is shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bulletin_names_no_setting_when_the_method_is_explained(demo_db, lang) -> None:
    b = bulletin.build_bulletin(demo_db, PLAN, "2024Q2", lang)
    text = "\n".join(p for s in b.sections for p in s.paragraphs)
    assert not [w for w in OPERATOR_WORDS if w in text]
    light = {"zh": "个百分点为黄灯", "en": "points yellow"}[lang]
    assert light in text  # the thresholds themselves are still stated


@pytest.mark.page
@pytest.mark.parametrize(
    ("page", "username"),
    [
        (APP, None),  # the sign-in form, in the sidebar's popover once it is opened
        ("../pages/task_update.py", "staff"),
        ("../pages/targets.py", "admin"),
        ("../pages/users.py", "admin"),
    ],
)
def test_no_form_says_press_enter_when_drawn(env, page, username) -> None:
    if username is None:
        at = AppTest.from_file(page, default_timeout=90)
        at.session_state["auth_sidebar_open"] = True
        at.run()
    else:
        at = run_page(page, username)
    assert at.form
    assert [f.key for f in at.form if f.proto.form.enter_to_submit] == []


@pytest.mark.page
def test_upload_box_states_the_limit_and_explains_its_english_when_staff(env) -> None:
    at = run_page("../pages/upload.py", "staff")
    [box] = at.get("file_uploader")
    assert box.proto.max_upload_size_mb == config.MAX_UPLOAD_MB
    assert f"“{config.MAX_UPLOAD_MB}MB per file”" in page_text(at)

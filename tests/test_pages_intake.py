"""AppTest runs of the write pages (数据上报, 任务进展填报, 操作日志) for every role.

Each page is opened on its own (as a direct URL would, before app.py ran) and through app.py's
navigation. Accounts live in a temporary users file: the shipped demo accounts only work with
the embedded default database, and these tests use a copy of it elsewhere.
"""

import csv
import io
from pathlib import Path

import pytest
from intake_helpers import dump_tables, fixture_bytes, use_accounts
from intake_helpers import run_page as run
from openpyxl import load_workbook
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from kpi.auth import accounts
from kpi.measure import tracking
from kpi.outputs import intake_tables, upload_template
from kpi.store import db, intake, kept_files, queries, review

pytestmark = pytest.mark.page

UPLOAD, TASKS, AUDIT, APP = (
    "../pages/upload.py",
    "../pages/task_update.py",
    "../pages/audit.py",
    "../app.py",
)
PLAN = "zhanjiang-dt-2023"
ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "staff2": ("staff", "市通信建设管理办公室"),
    "admin": ("admin", None),
}


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """KPI_DB -> a demo copy; KPI_USERS_FILE -> one account per role."""
    return use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def frames(at: AppTest, column: str):
    return [d.value for d in at.dataframe if column in d.value.columns]


def write_controls(at: AppTest) -> int:
    """File uploaders, buttons, download buttons and forms a visitor could use to write."""
    keys = [b.key or "" for b in at.button]
    return len(at.get("file_uploader")) + sum(not k.startswith("auth_") for k in keys)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("page", "username", "message"),
    [
        (UPLOAD, None, "此功能需要登录（上报员或管理员）"),
        (TASKS, None, "此功能需要登录（上报员或管理员）"),
        (AUDIT, None, "此功能需要登录（管理员）"),
        (UPLOAD, "viewer", "需要上报员或管理员权限"),
        (TASKS, "viewer", "需要上报员或管理员权限"),
        (AUDIT, "viewer", "需要管理员权限"),
        (AUDIT, "staff", "需要管理员权限"),
    ],
)
def test_page_refuses_and_shows_no_write_control_when_role_may_not(env, page, username, message):
    at = run(page, username)
    assert message in texts(at.error)
    assert write_controls(at) == 0
    assert not at.dataframe and not at.get("download_button")
    assert len(at.text_input) == 2  # only the sign-in form: username and password


def test_refusal_is_in_english_when_lang_is_en(env):
    at = run(UPLOAD, "viewer", "en")
    assert "This needs the staff or admin role" in texts(at.error)


# ------------------------------------------------------------------ what each role sees


def test_staff_sees_upload_controls_but_no_rollback(env):
    at = run(UPLOAD, "staff")
    assert len(at.get("file_uploader")) == 1
    assert len(at.get("download_button")) >= 2  # CSV and XLSX templates
    assert "20 MB" in texts(at.info)
    assert "本单位模板" in texts(at.subheader)  # staff get their unit's template only
    assert "base_stations_5g" not in texts(at.caption)  # the all-indicator template's example
    assert "撤销批次需要管理员权限" in texts(at.caption)
    assert not [b for b in at.button if b.key == "upload_rollback"]
    history = frames(at, "批次")
    assert history and history[0]["状态"].iloc[0] == "生效中"
    assert "未报送指标" in [m.label for m in at.metric]


@pytest.mark.parametrize("username", ["staff", "admin"])
def test_template_buttons_build_their_files_only_when_clicked(env, downloads, username):
    at = run(UPLOAD, username)
    keys = ["upload_unit_template_csv", "upload_unit_template_xlsx"]
    if username == "admin":
        keys += ["upload_template_csv", "upload_template_xlsx"]
    templates = {key: button for key, button in downloads.items() if "template" in key}
    assert sorted(templates) == sorted(keys)
    assert all(callable(data) for data, _name in templates.values())  # nothing built yet

    user = accounts.User(username, *ACCOUNTS[username], username)
    with db.read(env) as con:
        due = tracking.reporting_period(queries.plan(con, PLAN))
        expected = upload_template.unit_rows(con, PLAN, user)["indicator_code"].tolist()
    build, name = templates["upload_unit_template_csv"]
    assert name == f"template-unit-{due}.csv"
    rows = list(csv.DictReader(io.StringIO(build().decode("utf-8-sig"))))
    assert [r["指标代码"] for r in rows] == expected and {r["期间"] for r in rows} == {due}
    for key, (build, name) in templates.items():
        content = build()
        if name.endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(content)).worksheets[0]
            codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
            assert set(expected) <= set(codes), key
    assert not at.exception


def test_admin_sees_rollback_for_a_batch_in_force(env):
    at = run(UPLOAD, "admin")
    assert "base_stations_5g" in texts(at.caption)  # the all-indicator template's example row
    assert [b for b in at.button if b.key == "upload_rollback"]
    assert at.button(key="upload_rollback").disabled  # until the confirmation is ticked


def test_staff_uploads_gbk_file_ticks_warning_and_commits(env):
    before = len(dump_tables(env, ("batches",))["batches"])
    at = run(UPLOAD, "staff")
    at.file_uploader(key="upload").set_value(
        ("gbk-chinese-headers.csv", fixture_bytes("gbk-chinese-headers.csv"), "text/csv")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["读取行数"], metrics["错误"], metrics["警告"]) == ("4", "0", "1")
    diff = frames(at, "新值")[0]
    stations = diff[diff["指标"] == "5G 基站"].iloc[0]
    assert (stations["原值"], stations["新值"], stations["变化"]) == (
        "1.33 万座",
        "1.2 万座",
        "修改",
    )
    assert "累计型指标低于上一季度" in frames(at, "说明")[0]["说明"].iloc[0]
    assert at.button(key="upload_commit").disabled
    at.checkbox(key="upload_accept").check().run()
    assert not at.button(key="upload_commit").disabled
    at.button(key="upload_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    batches = dump_tables(env, ("batches",))["batches"]
    assert len(batches) == before + 1
    batch_id = max(b[0] for b in batches)
    assert f"已提交审核，批次号 {batch_id}" in texts(at.success)
    with db.connect(env) as con:
        newest = queries.batches(con, PLAN).iloc[0]
    assert (newest.batch_id, newest.user_name, newest.file_name, newest.review_state) == (
        batch_id,
        "staff",
        "gbk-chinese-headers.csv",
        "pending",
    )


@pytest.mark.parametrize(
    ("lang", "message"),
    [("zh", "未知指标“no_such_indicator”"), ("en", "Unknown indicator 'no_such_indicator'")],
)
def test_broken_file_shows_error_table_and_leaves_store_unchanged(env, lang, message):
    before = dump_tables(env)
    at = run(UPLOAD, "staff", lang)
    at.file_uploader(key="upload").set_value(
        ("unknown-indicator.csv", fixture_bytes("unknown-indicator.csv"), "text/csv")
    )
    at.run()
    assert not at.exception
    column = "说明" if lang == "zh" else "Message"
    table = frames(at, column)[0]
    assert message in table[column].iloc[0]
    assert table.iloc[0, 0] == "3"  # the Excel row number
    assert at.error and at.button(key="upload_commit").disabled
    with pytest.raises(AppTestError):  # a browser cannot press a disabled button either
        at.button(key="upload_commit").click()
    at.run()
    assert dump_tables(env) == before


def test_admin_rolls_back_a_batch(env):
    check = intake.check_file(env, PLAN, fixture_bytes("utf8-bom.csv"), "utf8-bom.csv")
    staff = accounts.User("staff", "staff", "市工业和信息化局", "staff")
    batch_id = intake.commit_upload(env, staff, check, accept_warnings=False)
    review.approve(env, accounts.User("rita", "reviewer", None, "rita"), batch_id)
    with db.connect(env) as con:
        assert queries.batches(con, PLAN).iloc[0].figures_in_force == 2
    at = run(UPLOAD, "admin")
    assert at.selectbox(key="upload_history_pick").value == batch_id
    at.checkbox(key="upload_rollback_ok").check().run()
    at.button(key="upload_rollback").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"已撤销批次 {batch_id}" in texts(at.success)
    with db.connect(env) as con:
        rows = queries.batches(con, PLAN)
    undone = rows[rows["batch_id"] == batch_id].iloc[0]
    assert undone.rolled_back_by == rows.iloc[0].batch_id and undone.figures_in_force == 0
    assert rows.iloc[0].kind == "rollback" and rows.iloc[0].user_name == "admin"


def test_staff_download_of_original_file_offers_the_stored_bytes(env):
    check = intake.check_file(env, PLAN, fixture_bytes("utf8-bom.csv"), "../../etc/passwd.csv")
    staff = accounts.User("staff", "staff", "市工业和信息化局", "staff")
    batch_id = intake.commit_upload(env, staff, check, accept_warnings=False)
    at = run(UPLOAD, "staff")
    assert at.selectbox(key="upload_history_pick").value == batch_id
    assert (
        intake_tables.download_name(batch_id, "../../etc/passwd.csv")
        == f"batch-{batch_id}-passwd.csv"
    )
    assert intake.original_file(env, batch_id) == (
        "../../etc/passwd.csv",
        fixture_bytes("utf8-bom.csv"),
    )


def test_an_original_file_gone_from_the_server_is_reported_not_offered(env):
    check = intake.check_file(env, PLAN, fixture_bytes("utf8-bom.csv"), "q3.csv")
    staff = accounts.User("staff", "staff", "市工业和信息化局", "staff")
    batch_id = intake.commit_upload(env, staff, check, accept_warnings=False)

    def original_offered(at: AppTest) -> bool:
        labels = [button.proto.label for button in at.get("download_button")]
        return "下载原始文件" in labels

    assert original_offered(run(UPLOAD, "staff"))
    for path in kept_files.folder(env, kept_files.UPLOADS).rglob("*"):
        if path.is_file():
            path.unlink()
    at = run(UPLOAD, "staff")
    assert not at.exception
    assert f"第 {batch_id} 批次的原始文件“q3.csv”在服务器上找不到" in texts(at.error)
    assert not original_offered(at)


# ------------------------------------------------------------------ task updates


def test_staff_sees_only_own_units_subtasks_and_appends_an_update(env):
    at = run(TASKS, "staff2")
    options = at.selectbox(key="task_update_pick").options
    assert options and all(o.split("(")[0] in ("15", "17") for o in options)
    assert "市通信建设管理办公室" in texts(at.caption)
    at.selectbox(key="task_update_pick").set_value("17(1)")
    at.run()
    before = len(frames(at, "填报人")[0]) if frames(at, "填报人") else 0
    at.selectbox(key="task_update_status_17(1)").set_value("delayed")
    at.text_area(key="task_update_note").input("光缆施工受台风影响")
    at.text_input(key="task_update_evidence").input("https://example.org/report.pdf")
    at.button[-1].click()  # the form's submit button
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已记录第" in texts(at.success)
    history = frames(at, "填报人")[0]
    assert len(history) == before + 1
    newest = history.iloc[0]
    assert (newest["进展"], newest["说明"], newest["填报人"]) == (
        "■ 滞后",
        "光缆施工受台风影响",
        "staff2",
    )


def test_admin_may_pick_every_subtask(env):
    at = run(TASKS, "admin")
    with db.connect(env) as con:
        n = len(queries.tasks(con, PLAN))
    assert len(at.selectbox(key="task_update_pick").options) == n


# ------------------------------------------------------------------ audit


def test_admin_sees_audit_log_with_filters_and_download(env):
    intake.record_task_update(
        env,
        accounts.User("staff2", "staff", "市通信建设管理办公室", "s"),
        PLAN,
        17,
        1,
        "2024Q3",
        "done",
        "完成",
        "",
    )
    at = run(AUDIT, "admin")
    table = frames(at, "操作")[0]
    assert {"上传数据", "任务进展"} <= set(table["操作"])
    at.multiselect(key="audit_actions").select("update_task").run()
    table = frames(at, "操作")[0]
    assert set(table["操作"]) == {"任务进展"} and table["用户"].iloc[0] == "staff2"
    assert at.selectbox(key="audit_detail").value == int(
        intake_tables.filter_audit(queries_audit(env), [], ["update_task"])["audit_id"].iloc[0]
    )
    # Before and after read as "name: value" in the page language, never as raw JSON.
    after = table["改动后"].iloc[0]
    assert "状态：已完成" in after and "说明：完成" in after and "{" not in after
    assert not at.json
    assert any("- 状态：已完成" in m.value for m in at.markdown)
    assert at.get("download_button")


def test_audit_page_shows_a_loads_figures_as_a_table_in_english(env):
    at = run(AUDIT, "admin", "en")
    at.multiselect(key="audit_actions").select("load").run()
    table = frames(at, "Action")[0]
    assert "Figures written: 830" in table["After"].iloc[0]
    figures = frames(at, "Indicator code")
    assert figures and len(figures[-1]) == 200  # at most ingest.AUDIT_FIGURES_LIMIT listed


def test_audit_download_keeps_the_raw_json(env, monkeypatch):
    seen = {}
    original = DeltaGenerator.download_button

    def spy(self, label, data, file_name=None, mime=None, **kwargs):
        seen[kwargs.get("key")] = data
        return original(self, label, data, file_name, mime, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    run(AUDIT, "admin")
    csv = seen["download_csv_audit_log"]()
    text = csv.decode("utf-8-sig")
    assert '""figures_written"": 830' in text  # the JSON as written, quoted for CSV
    assert "写入的数值：830" not in text


def queries_audit(path):
    with db.connect(path) as con:
        return queries.audit_log(con)


# ------------------------------------------------------------------ navigation in app.py


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        (None, set()),
        ("viewer", set()),
        ("staff", {"pages/upload.py", "pages/task_update.py"}),
        ("admin", {"pages/upload.py", "pages/task_update.py", "pages/audit.py"}),
    ],
)
def test_navigation_lists_write_pages_only_for_roles_that_may_use_them(
    env, monkeypatch, username, allowed
):
    listed = nav_visibility(monkeypatch)
    for page in ("pages/upload.py", "pages/task_update.py", "pages/audit.py"):
        at = run(APP, username, check=False)
        assert listed[page] == ("visible" if page in allowed else "hidden")
        # Registered either way: opened by address, a page says why it refuses (no redirect).
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if page in allowed:
            assert not at.error
        else:
            assert at.error and not at.get("file_uploader")
            assert [b for b in at.button if b.key == "auth_main_submit"]


def nav_visibility(monkeypatch) -> dict[str, str]:
    """Record, for each page file app.py gives st.navigation, whether it is listed ("visible")."""
    import streamlit as st

    listed: dict[str, str] = {}
    navigation = st.navigation

    def recording(pages, **kwargs):
        listed.update({f"pages/{p.url_path}.py": p.visibility for p in pages})
        return navigation(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    return listed


def test_sidebar_has_sign_in_or_sign_out(env):
    # Only the first run is checked: AppTest drops app.py's sidebar on reruns under st.navigation
    # (a plain two-page app shows the same); signing out is exercised in the browser test.
    at = run(APP, check=False)
    # Signed out: the sign-in popover, whose form is drawn only once it is opened.
    assert not [b for b in at.sidebar.button if b.key == "auth_sidebar_submit"]
    assert not [b for b in at.sidebar.button if b.key == "auth_sidebar_sign_out"]
    opened = AppTest.from_file(APP, default_timeout=90)
    opened.session_state["auth_sidebar_open"] = True
    opened.run()
    assert [b for b in opened.sidebar.button if b.key == "auth_sidebar_submit"]
    assert opened.sidebar.text_input(key="auth_sidebar_username") is not None
    at = run(APP, "staff", check=False)
    assert [b for b in at.sidebar.button if b.key == "auth_sidebar_sign_out"]
    assert not [b for b in at.sidebar.button if b.key == "auth_sidebar_submit"]

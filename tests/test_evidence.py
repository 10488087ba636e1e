"""佐证材料: limits and types checked before any write, content-addressed storage, hash checked
on read, who may see, one transaction with the task update, and the full export."""

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from intake_helpers import dump_tables, use_accounts
from intake_helpers import run_page as run

from etl.cli import main as etl_main
from kpi.auth.accounts import User
from kpi.base import config
from kpi.base.errors import InputRejected, KpiError
from kpi.outputs import fullexport
from kpi.store import connection, db, evidence, intake, loads, queries

PLAN = "zhanjiang-dt-2023"
UNIT_B = "市通信建设管理办公室"
STAFF_B = User("staff2", "staff", UNIT_B, "s")
OTHER_STAFF = User("staff", "staff", "市工业和信息化局", "s")
ADMIN = User("admin", "admin", None, "a")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = evidence.OLE_MAGIC + b"\x00" * 32
TABLES = ("task_updates", "audit_log", "attachments")


def office_zip(*members: str) -> bytes:
    """A zip holding `members` (with [Content_Types].xml), as Office writes its documents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("[Content_Types].xml", *members):
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


MACRO_DOCUMENT = office_zip("word/document.xml", "word/vbaProject.bin")


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "验收"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored_files(path: Path) -> list[Path]:
    return sorted(p for p in evidence.folder(path).rglob("*") if p.is_file())


# ------------------------------------------------------------------ types and limits


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", PDF),
        ("现场.PNG", PNG),
        ("现场.jpg", JPEG),
        ("现场.jpeg", JPEG),
        ("方案.docx", office_zip("word/document.xml")),
        ("台账.xlsx", xlsx_bytes()),
        ("汇报.pptx", office_zip("ppt/presentation.xml")),
        ("旧方案.doc", OLE),
        ("旧台账.xls", OLE),
    ],
)
def test_prepare_accepts_each_allowed_type_when_content_matches(tmp_path, name, content):
    prepared = evidence.prepare(tmp_path / "s.duckdb", [(name, content)], "")
    assert [f.file_name for f in prepared.files] == [name]
    assert prepared.files[0].media_type == evidence.TYPES[name.rsplit(".", 1)[1].lower()][0]


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "evidence.bad_type"),
        ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 60, "evidence.not_what_it_says"),  # renamed .exe
        ("报告.pdf", b"<!doctype html><script>alert(1)</script>", "evidence.not_what_it_says"),
        ("page.html", b"<html></html>", "evidence.bad_type"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "evidence.bad_type"),
        ("图.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "evidence.not_what_it_says"),
        ("方案.docx", office_zip("payload/run.sh"), "evidence.not_what_it_says"),  # not OOXML
        ("方案.docx", office_zip("xl/workbook.xml"), "evidence.not_what_it_says"),  # an xlsx
        ("方案.docx", MACRO_DOCUMENT, "evidence.not_what_it_says"),  # a .docm renamed
        ("方案.docx", b"PK\x03\x04 not really a zip", "evidence.not_what_it_says"),
        ("旧方案.doc", PDF, "evidence.not_what_it_says"),
        ("空.pdf", b"", "evidence.empty"),
        ("无扩展名", PDF, "evidence.bad_type"),
    ],
)  # fmt: skip
def test_prepare_refuses_a_file_whose_type_is_not_allowed_or_not_what_it_says(
    tmp_path, name, content, key
):
    with pytest.raises(InputRejected) as refused:
        evidence.prepare(tmp_path / "s.duckdb", [(name, content)], "")
    assert refused.value.key == key
    assert name in refused.value.message("zh") and name in refused.value.message("en")
    assert not evidence.folder(tmp_path / "s.duckdb").exists()


def test_prepare_refuses_a_file_over_the_size_limit_naming_file_and_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "EVIDENCE_MAX_MB", 1)
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(InputRejected) as refused:
        evidence.prepare(tmp_path / "s.duckdb", [("ok.pdf", PDF), ("大文件.pdf", big)], "")
    assert refused.value.key == "evidence.too_large"
    assert "大文件.pdf" in refused.value.message("zh") and "1 MB" in refused.value.message("zh")
    assert not evidence.folder(tmp_path / "s.duckdb").exists()  # not even the good one


def test_prepare_refuses_more_files_and_links_than_the_limit_together(tmp_path):
    files = [(f"{i}.pdf", PDF + bytes([i])) for i in range(config.EVIDENCE_MAX_FILES)]
    with pytest.raises(InputRejected) as refused:
        evidence.prepare(tmp_path / "s.duckdb", files, "https://example.org/one")
    assert refused.value.key == "evidence.too_many"
    assert str(config.EVIDENCE_MAX_FILES) in refused.value.message("en")
    assert not evidence.folder(tmp_path / "s.duckdb").exists()
    prepared = evidence.prepare(tmp_path / "s.duckdb", files, "")
    assert len(prepared) == config.EVIDENCE_MAX_FILES


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("javascript:alert(1)", "evidence.link_bad"),
        ("ftp://files.example.org/a.pdf", "evidence.link_bad"),
        ("data:text/html;base64,PHNjcmlwdD4=", "evidence.link_bad"),
        ("https://", "evidence.link_bad"),
        ("www.example.org/report", "evidence.link_bad"),
        ("https://gov.example.cn@evil.example/", "evidence.link_bad"),
        ("https://example.org/a\x07b", "evidence.link_bad_chars"),
        ("https://example.org/\u202egpj.exe", "evidence.link_bad_chars"),
        ("https://example.org/a b", "evidence.link_bad_chars"),
        ("https://example.org/" + "a" * 490, "evidence.link_too_long"),
    ],
)
def test_prepare_refuses_a_link_that_is_not_a_plain_http_address(tmp_path, link, key):
    with pytest.raises(InputRejected) as refused:
        evidence.prepare(tmp_path / "s.duckdb", [], f"https://example.org/ok\n{link}")
    assert refused.value.key == key


def test_prepare_keeps_http_links_one_a_line_without_blanks_or_repeats(tmp_path):
    text = "  https://example.org/a?b=1&c=2 \n\nhttp://10.0.0.1/x\nhttps://example.org/a?b=1&c=2\n"
    prepared = evidence.prepare(tmp_path / "s.duckdb", None, text)
    assert prepared.links == ("https://example.org/a?b=1&c=2", "http://10.0.0.1/x")


def test_a_bad_link_refuses_the_whole_submission_before_any_file_is_stored(tmp_path):
    with pytest.raises(InputRejected):
        evidence.prepare(tmp_path / "s.duckdb", [("报告.pdf", PDF)], "file:///etc/passwd")
    assert not evidence.folder(tmp_path / "s.duckdb").exists()


def test_file_names_lose_their_folders_and_control_characters(tmp_path):
    prepared = evidence.prepare(
        tmp_path / "s.duckdb", [("..\\..\\a/b/\u202e报告\x00.pdf", PDF)], ""
    )
    assert prepared.files[0].file_name == "报告.pdf"


# ------------------------------------------------------------------ storage and reading


def test_identical_content_is_stored_once_under_its_hash(tmp_path):
    store = tmp_path / "s.duckdb"
    first = evidence.prepare(store, [("a.pdf", PDF), ("copy.pdf", PDF)], "")
    second = evidence.prepare(store, [("again.pdf", PDF)], "")
    assert len(first.files) == 1  # the same bytes twice in one submission: one attachment
    assert first.files[0].sha256 == second.files[0].sha256
    files = stored_files(store)
    sha = first.files[0].sha256
    assert files == [store.parent / "s.duckdb.evidence" / sha[:2] / sha]
    assert files[0].read_bytes() == PDF


def _attach_to_update(store: Path, content: bytes = PDF, name: str = "验收报告.pdf") -> int:
    prepared = evidence.prepare(store, [(name, content)], "https://example.org/news/1")
    return intake.record_task_update(
        store, STAFF_B, PLAN, 17, 1, "2025Q4", "done", "完成", "", attachments=prepared
    )


def test_read_evidence_returns_the_bytes_and_refuses_a_file_altered_or_gone(demo_db):
    update_id = _attach_to_update(demo_db)
    with db.read(demo_db) as con:
        rows = evidence.attachments_of(con, PLAN, update_id=update_id)
    file_id = int(rows.loc[rows["kind"] == "file", "attachment_id"].iloc[0])
    assert evidence.read_evidence(demo_db, file_id) == ("验收报告.pdf", PDF)

    (blob,) = stored_files(demo_db)
    blob.write_bytes(PDF.replace(b"Catalog", b"Katalog"))
    with pytest.raises(KpiError) as damaged:
        evidence.read_evidence(demo_db, file_id)
    assert damaged.value.key == "evidence.damaged"
    blob.unlink()
    with pytest.raises(KpiError) as missing:
        evidence.read_evidence(demo_db, file_id)
    assert missing.value.key == "evidence.missing"


# ------------------------------------------------------------------ who may see


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        (None, False),
        (User("lead", "viewer", None, "l"), True),
        (User("rev", "reviewer", None, "r"), True),
        (ADMIN, True),
        (STAFF_B, True),  # own unit
        (OTHER_STAFF, False),
    ],
    ids=["visitor", "viewer", "reviewer", "admin", "staff-own-unit", "staff-other-unit"],
)
def test_can_see_by_role_and_unit(user, sees):
    assert evidence.can_see(user, {"unit_zh": UNIT_B, "kind": "file"}) is sees


def test_staff_do_not_see_an_attachment_without_a_unit():
    assert not evidence.can_see(STAFF_B, {"unit_zh": None})
    assert evidence.can_see(ADMIN, {"unit_zh": None})


# ------------------------------------------------------------------ writes


def test_task_update_with_attachments_writes_rows_and_an_audit_entry(demo_db):
    update_id = _attach_to_update(demo_db)
    with db.read(demo_db) as con:
        rows = evidence.attachments_of(con, PLAN, update_id=update_id)
        by_task = queries.subtask_attachments(con, PLAN, 17, 1)
        audit = queries.audit_log(con)
    assert sorted(rows["kind"]) == ["file", "link"]
    assert set(rows["unit_zh"]) == {UNIT_B} and set(rows["user_name"]) == {"staff2"}
    assert rows.loc[rows["kind"] == "file", "size_bytes"].iloc[0] == len(PDF)
    assert list(by_task["attachment_id"]) == sorted(rows["attachment_id"], reverse=True)
    entry = audit[audit["action"] == "attach_evidence"].iloc[0]
    assert entry["role"] == "staff" and entry["object_id"] == f"update {update_id}"
    assert {a["attachment_id"] for a in json.loads(entry["after_json"])} == set(
        rows["attachment_id"]
    )


def test_a_failing_write_leaves_neither_update_nor_attachment_rows(demo_db, monkeypatch):
    prepared = evidence.prepare(demo_db, [("验收报告.pdf", PDF)], "")
    before = dump_tables(demo_db, TABLES)

    def broken(*args, **kwargs):
        raise RuntimeError("disk trouble in the middle of the write")

    monkeypatch.setattr(queries, "insert_attachment", broken)
    with pytest.raises(RuntimeError):
        intake.record_task_update(
            demo_db, STAFF_B, PLAN, 17, 1, "2025Q4", "done", "", "", attachments=prepared
        )
    assert dump_tables(demo_db, TABLES) == before


def test_insert_attachments_belongs_to_the_callers_transaction(demo_db):
    prepared = evidence.prepare(demo_db, [], "https://example.org/x")
    with db.connect(demo_db) as con:
        with pytest.raises(ZeroDivisionError), connection.transaction(con):
            evidence.insert_attachments(
                con, prepared, plan_id=PLAN, user_name="cli", unit_zh=None, batch_id=1
            )
            _ = 1 / 0
        assert evidence.attachments_of(con, PLAN).empty


@pytest.mark.parametrize("period", ["2026Q1", "2022Q4"])
def test_task_update_refused_outside_the_plan(demo_db, period):
    before = dump_tables(demo_db, TABLES)
    with pytest.raises(InputRejected) as refused:
        intake.record_task_update(demo_db, ADMIN, PLAN, 17, 1, period, "done", "", "")
    assert refused.value.key == "evidence.task_period_outside_plan"
    assert "2023Q1" in refused.value.message("zh") and "2025Q4" in refused.value.message("en")
    assert dump_tables(demo_db, TABLES) == before


def test_batch_evidence_is_listed_for_the_indicators_of_its_figures(demo_db, tmp_path):
    upload = tmp_path / "rev.csv"
    upload.write_text("指标代码,期间,数值\nidc_racks,2025Q3,41000\n", encoding="utf-8")
    (batch_id,) = loads.load_files([upload], db=demo_db, plan_id=None, user_name="t").batch_ids
    prepared = evidence.prepare(demo_db, [("统计表.xlsx", xlsx_bytes())], "")
    with db.connect(demo_db) as con, connection.transaction(con):
        evidence.insert_attachments(
            con, prepared, plan_id=PLAN, user_name="t", unit_zh=None, batch_id=batch_id, role="cli"
        )
    with db.read(demo_db) as con:
        assert len(queries.indicator_attachments(con, PLAN, "idc_racks", "2025Q4")) == 1
        assert queries.indicator_attachments(con, PLAN, "idc_racks", "2025Q2").empty
        assert queries.indicator_attachments(con, PLAN, "base_stations_5g", "2025Q4").empty
        assert len(evidence.attachments_of(con, PLAN, batch_id=batch_id)) == 1


# ------------------------------------------------------------------ export


def test_export_all_zip_holds_the_files_and_their_index(demo_db, tmp_path):
    update_id = _attach_to_update(demo_db, name="验收 报告(终稿).pdf")
    out = tmp_path / "all.zip"
    assert (
        etl_main(["export-all", "--db", str(demo_db), "--out", str(out), "--headers", "codes"]) == 0
    )
    archive = zipfile.ZipFile(out)
    index = pd.read_csv(archive.open("attachments.csv"), encoding="utf-8-sig")
    row = index[index["kind"] == "file"].iloc[0]
    assert row["export_name"] == f"evidence/{row['attachment_id']}-验收_报告_终稿_.pdf"
    assert archive.read(row["export_name"]) == PDF
    assert row["task"] == "17(1)" and row["update_id"] == update_id
    assert row["file_name"] == "验收 报告(终稿).pdf" and row["unit_zh"] == UNIT_B
    assert index.loc[index["kind"] == "link", "url"].tolist() == ["https://example.org/news/1"]


def test_export_xlsx_holds_the_index_only_and_readers_without_audit_get_neither(demo_db):
    _attach_to_update(demo_db)
    book = openpyxl.load_workbook(io.BytesIO(fullexport.export_file(demo_db, PLAN, "xlsx")))
    assert "attachments" in book.sheetnames
    reader = fullexport.export_file(demo_db, PLAN, "zip", with_audit=False)
    names = zipfile.ZipFile(io.BytesIO(reader)).namelist()
    assert not [n for n in names if n.startswith("evidence/") or n == "attachments.csv"]


def test_export_leaves_out_a_damaged_file_and_says_so_in_the_index(demo_db):
    _attach_to_update(demo_db)
    (blob,) = stored_files(demo_db)
    blob.write_bytes(b"%PDF-altered")
    archive = zipfile.ZipFile(
        io.BytesIO(fullexport.export_file(demo_db, PLAN, "zip", headers="codes"))
    )
    assert not [n for n in archive.namelist() if n.startswith("evidence/")]
    index = pd.read_csv(archive.open("attachments.csv"), encoding="utf-8-sig")
    assert index.loc[index["kind"] == "file", "export_name"].isna().all()


# ------------------------------------------------------------------ pages

ACCOUNTS = {
    "viewer": ("viewer", None),
    "staff": ("staff", "市工业和信息化局"),
    "staff2": ("staff", UNIT_B),
}


@pytest.mark.page
@pytest.mark.parametrize(
    ("username", "buttons", "caption"),
    [
        (None, 0, "登录后按权限查看"),
        ("viewer", 1, None),
        ("staff", 0, "由其他单位或市局上传"),
    ],
)
def test_tasks_page_lists_evidence_for_those_allowed(
    demo_db, tmp_path, monkeypatch, downloads, username, buttons, caption
):
    env = use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)
    _attach_to_update(env)
    at = run("../pages/tasks.py", username)
    assert at.selectbox(key="tasks_evidence_pick").value == "17(1)"
    assert len([k for k in downloads if k.startswith("tasks_evidence_download_")]) == buttons
    links = [m.value for m in at.markdown if "example" in m.value]
    assert bool(links) is bool(buttons)
    if caption:
        assert caption in "\n".join(c.value for c in at.caption)


@pytest.mark.page
def test_task_update_page_defaults_to_the_due_quarter_and_lists_the_subtasks_evidence(
    demo_db, tmp_path, monkeypatch, downloads
):
    env = use_accounts(monkeypatch, tmp_path, demo_db, ACCOUNTS)
    _attach_to_update(env)
    at = run("../pages/task_update.py", "staff2")
    quarter = at.selectbox(key="task_update_period")
    assert quarter.value == "2025Q4" and max(quarter.options) == "2025Q4"
    at.selectbox(key="task_update_pick").set_value("17(1)").run()
    assert [k for k in downloads if k.startswith("task_evidence_17_1_download_")]
    (data, name) = downloads[next(k for k in downloads if k.startswith("task_evidence_17_1"))]
    assert name == "验收报告.pdf" and data() == PDF

"""Uploaded files are kept byte for byte beside the store (kpi.store.kept_files), not inside it,
read back only when their hash still matches, and files an earlier release kept inside the
store stay readable."""

import errno
import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from intake_helpers import dump_tables

from kpi.auth.accounts import User
from kpi.base.errors import KpiError, StoreFull
from kpi.store import db, intake, kept_files, loads, snapshots

PLAN = "zhanjiang-dt-2023"
ADMIN = User("root", "admin", None, "管理员")
FIGURES = "指标代码,期间,数值\nidc_racks,2025Q3,40000\n".encode("gb18030")


def load(db_path: Path, tmp_path: Path, name: str, content: bytes) -> int:
    path = tmp_path / name
    path.write_bytes(content)
    result = loads.load_files([path], db=db_path, plan_id=None, user_name="t")
    assert result.ok, result.as_dict()["files"][0]["problems"]
    return result.batch_ids[0]


def kept(db_path: Path) -> list[Path]:
    where = kept_files.folder(db_path, kept_files.UPLOADS)
    return sorted(p for p in where.rglob("*") if p.is_file())


def test_a_loaded_file_is_kept_beside_the_store_byte_for_byte_and_once(demo_db, tmp_path):
    first = load(demo_db, tmp_path, "三季度.csv", FIGURES)
    again = load(demo_db, tmp_path, "again.csv", FIGURES)  # the same bytes under another name
    digest = hashlib.sha256(FIGURES).hexdigest()
    assert kept(demo_db) == [demo_db.parent / f"{demo_db.name}.uploads" / digest[:2] / digest]
    assert intake.original_file(demo_db, first) == ("三季度.csv", FIGURES)
    assert intake.original_file(demo_db, again) == ("again.csv", FIGURES)
    with duckdb.connect(str(snapshots.newest(demo_db)), read_only=True) as con:
        rows = con.execute(
            "select batch_id, content, sha256, size_bytes from uploaded_files"
            " where batch_id in (?, ?) order by batch_id",
            [first, again],
        ).fetchall()
    # Not in the store, so not copied again into every later snapshot.
    assert rows == [(first, None, digest, len(FIGURES)), (again, None, digest, len(FIGURES))]


def test_a_refused_file_keeps_nothing(demo_db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("指标代码,期间,数值\nnope,2025Q3,1\n".encode())
    assert not loads.load_files([bad], db=demo_db, plan_id=None, user_name="t").ok
    assert kept(demo_db) == []


def test_a_load_whose_file_cannot_be_kept_changes_nothing(demo_db, tmp_path):
    """The file is kept beside the figures' statements: when it cannot be written (here the
    folder's place is taken by a file), the load fails and the store is as it was."""
    kept_files.folder(demo_db, kept_files.UPLOADS).write_bytes(b"not a folder")
    before = dump_tables(demo_db)
    path = tmp_path / "q3.csv"
    path.write_bytes(FIGURES)
    with pytest.raises(OSError):
        loads.load_files([path], db=demo_db, plan_id=None, user_name="t")
    assert dump_tables(demo_db) == before


def test_a_full_disk_when_keeping_an_upload_says_so_and_writes_nothing(demo_db, monkeypatch):
    def full_disk(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(kept_files, "keep", full_disk)
    check = intake.check_file(demo_db, PLAN, FIGURES, "q3.csv")
    before = dump_tables(demo_db)
    with pytest.raises(StoreFull) as full:
        intake.commit_upload(demo_db, ADMIN, check, accept_warnings=True)
    assert "磁盘空间不足" in full.value.message("zh")
    assert dump_tables(demo_db) == before


@pytest.mark.parametrize(
    ("damage", "key"),
    [
        (lambda path: path.write_bytes(b"idc_racks,2025Q3,1\n"), "upload.original_damaged"),
        (lambda path: path.unlink(), "upload.original_missing"),
    ],
    ids=["altered", "gone"],
)
def test_a_kept_file_altered_or_gone_is_reported_and_not_served(demo_db, tmp_path, damage, key):
    batch_id = load(demo_db, tmp_path, "q3.csv", FIGURES)
    damage(kept(demo_db)[0])
    with pytest.raises(KpiError) as refused:
        intake.original_file(demo_db, batch_id)
    assert refused.value.key == key
    assert f"第 {batch_id} 批次的原始文件“q3.csv”" in refused.value.message("zh")


def test_loading_the_same_file_again_repairs_a_kept_copy_altered_in_place(demo_db, tmp_path):
    first = load(demo_db, tmp_path, "q3.csv", FIGURES)
    copy = kept(demo_db)[0]
    copy.write_bytes(bytes(b ^ 1 for b in FIGURES))  # same size, other bytes
    again = load(demo_db, tmp_path, "q3-again.csv", FIGURES)
    assert copy.read_bytes() == FIGURES
    assert intake.original_file(demo_db, first) == ("q3.csv", FIGURES)
    assert intake.original_file(demo_db, again) == ("q3-again.csv", FIGURES)


def test_a_store_whose_files_an_earlier_release_kept_inside_still_serves_them(empty_db, tmp_path):
    """Before this release the bytes were a not-null column of the store: such a store gains
    the hash columns, keeps serving its old files and keeps new ones beside it."""
    with duckdb.connect(str(empty_db)) as con:
        con.execute("drop table uploaded_files")
        con.execute(
            "create table uploaded_files (batch_id integer primary key,"
            " file_name varchar not null, content blob not null)"
        )
        con.execute("insert into uploaded_files values (7, 'old.csv', ?)", [b"old bytes"])
        con.execute("drop table schema_fingerprint")
    snapshots.publish(empty_db)
    db.forget(empty_db)
    assert intake.original_file(empty_db, 7) == ("old.csv", b"old bytes")
    batch_id = load(empty_db, tmp_path, "new.csv", FIGURES)
    assert intake.original_file(empty_db, batch_id) == ("new.csv", FIGURES)
    assert intake.original_file(empty_db, 7) == ("old.csv", b"old bytes")

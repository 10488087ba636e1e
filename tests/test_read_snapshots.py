"""Readers never wait for a writer: pages read the newest published snapshot of the store."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from intake_helpers import dump_tables, use_accounts
from intake_helpers import run_page as run_as
from streamlit.testing.v1 import AppTest

from kpi.auth.accounts import User
from kpi.base import config, errors
from kpi.store import db, intake, snapshots

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
ADMIN = User("root", "admin", None, "管理员")
NEW_FIGURE = "indicator_code,period,value\nbase_stations_5g,2025Q4,17777\n"

# `python -m etl load`, stopped inside its transaction (figures written, not committed) until a
# line arrives on stdin: the writer holds the primary store for as long as the test needs.
HELD_LOAD = """
import sys
from kpi.store import queries
from etl import cli

apply_staged = queries.apply_staged

def announce_and_hold(*args, **kwargs):
    written = apply_staged(*args, **kwargs)
    print("APPLIED", flush=True)
    sys.stdin.readline()
    return written

queries.apply_staged = announce_and_hold
sys.exit(cli.main(sys.argv[1:]))
"""


def figure_count(path: Path) -> int:
    with db.read(path) as con:
        return con.execute("select count(*) from figures").fetchone()[0]


def base_stations_2025q4(path: Path) -> list[float]:
    with db.read(path) as con:
        rows = con.execute(
            "select value from figures where indicator_code = 'base_stations_5g' "
            "and period = '2025Q4' and sector_code is null and district_code is null "
            "and superseded_by is null"
        ).fetchall()
    return [value for (value,) in rows]


def run_page(page: str) -> tuple[AppTest, float]:
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state["lang"] = "zh"
    started = time.perf_counter()
    at.run()
    return at, time.perf_counter() - started


@pytest.fixture
def held_load(demo_db: Path, tmp_path: Path):
    """A CLI load of one new figure, holding the primary store until `release()` is called."""
    upload = tmp_path / "q.csv"
    upload.write_text(NEW_FIGURE, encoding="utf-8")
    figure_count(demo_db)  # the first snapshot is published before the writer starts
    proc = subprocess.Popen(
        [sys.executable, "-c", HELD_LOAD, "load", str(upload), "--db", str(demo_db)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "APPLIED", proc.stderr.read()

    def release() -> int:
        proc.stdin.write("go\n")
        proc.stdin.flush()
        return proc.wait(timeout=120)

    yield release
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_the_primary_is_really_held_while_the_load_runs(demo_db, held_load):
    with pytest.raises(duckdb.IOException):
        duckdb.connect(str(demo_db), read_only=True)
    assert held_load() == 0


@pytest.mark.slow
def test_pages_answer_from_the_last_commit_while_a_load_holds_the_store(
    demo_db, held_load, monkeypatch
):
    monkeypatch.setenv("KPI_DB", str(demo_db))
    before_count, before_value = figure_count(demo_db), base_stations_2025q4(demo_db)
    version = snapshots.version(demo_db)

    for page in ("../app.py", "../pages/indicator.py", "../pages/warnings.py"):
        at, seconds = run_page(page)
        assert not at.exception, (page, at.exception)
        assert seconds < 10, (page, seconds)  # no wait for the lock (it used to be ~18 s)
    started = time.perf_counter()
    assert figure_count(demo_db) == before_count
    assert base_stations_2025q4(demo_db) == before_value
    assert time.perf_counter() - started < 2

    assert held_load() == 0
    assert snapshots.version(demo_db) == version + 1
    assert figure_count(demo_db) == before_count + 1
    assert base_stations_2025q4(demo_db) == [17777]
    at, _ = run_page("../pages/indicator.py")
    assert not at.exception


@pytest.mark.slow
def test_a_second_writer_waits_then_is_told_to_retry(demo_db, held_load, monkeypatch):
    monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 0.3)
    started = time.perf_counter()
    with pytest.raises(errors.RetryLater) as busy:
        intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
    assert time.perf_counter() - started < 5
    assert "数据库正忙" in busy.value.message("zh")
    assert held_load() == 0


@pytest.mark.slow
def test_a_second_cli_load_waits_then_exits_1_with_a_message(demo_db, held_load, tmp_path):
    upload = tmp_path / "second.csv"
    upload.write_text("indicator_code,period,value\nidc_racks,2025Q4,9000\n", encoding="utf-8")
    second = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(upload), "--db", str(demo_db)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "KPI_LOCK_WAIT": "0.5"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    output = second.stdout + second.stderr
    assert "数据库正忙" in output and "busy" in output.lower()
    assert "Traceback" not in output
    assert held_load() == 0


def test_every_commit_publishes_a_new_version_and_old_ones_are_pruned(demo_db):
    figure_count(demo_db)
    first = snapshots.version(demo_db)
    for quarter in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        assert intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, quarter, "done", "", "")
    assert snapshots.version(demo_db) == first + 4
    kept = sorted(p.name for p in snapshots.folder(demo_db).glob("v*.duckdb"))
    assert len(kept) == snapshots.KEEP_OLD_VERSIONS + 1
    assert kept[-1] == snapshots.pointer(demo_db)["file"]


def test_a_new_store_and_its_snapshots_use_small_blocks(tmp_path):
    """64 KiB blocks: the demo store is about 2 MB, not 8, and so is each snapshot a commit
    copies."""
    store = tmp_path / "new.duckdb"
    db.ensure_database(store, with_demo=True)
    assert intake.record_task_update(store, ADMIN, PLAN, 1, 1, "2024Q1", "done", "", "")
    for path in (store, snapshots.folder(store) / snapshots.pointer(store)["file"]):
        with duckdb.connect(str(path), read_only=True) as con:
            block_size = con.execute("select block_size from pragma_database_size()").fetchone()
        assert block_size == (db.BLOCK_SIZE,)
        assert path.stat().st_size < 3_000_000


def test_a_connection_that_writes_nothing_publishes_nothing(demo_db):
    figure_count(demo_db)
    version = snapshots.version(demo_db)
    with db.connect(demo_db) as con:
        con.execute("select count(*) from figures").fetchall()
    assert snapshots.version(demo_db) == version


def test_a_commit_made_without_publishing_is_published_on_first_read(demo_db):
    """E.g. a process killed between its commit and the copy: the next reader catches up."""
    figure_count(demo_db)
    con = duckdb.connect(str(demo_db))
    con.execute("delete from task_updates")
    con.close()
    db.forget(demo_db)  # a new process
    with db.read(demo_db) as reader:
        assert reader.execute("select count(*) from task_updates").fetchone()[0] == 0


@pytest.mark.slow
def test_a_replica_reads_a_copied_snapshot_folder_and_refuses_writes(
    demo_db, tmp_path, monkeypatch
):
    count = figure_count(demo_db)
    replica = tmp_path / "replica-snapshots"
    subprocess.run(["cp", "-r", str(snapshots.folder(demo_db)), str(replica)], check=True)
    monkeypatch.setenv("KPI_SNAPSHOT_DIR", str(replica))
    monkeypatch.setenv("KPI_REPLICA", "1")
    elsewhere = tmp_path / "no-primary-here.duckdb"
    assert figure_count(elsewhere) == count
    assert not elsewhere.exists()
    with pytest.raises(errors.ReplicaReadOnly) as refused:
        intake.record_task_update(elsewhere, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
    assert "只读副本" in refused.value.message("zh")


@pytest.mark.page
def test_a_replicas_write_pages_say_it_is_read_only(demo_db, tmp_path, monkeypatch):
    figure_count(demo_db)
    use_accounts(monkeypatch, tmp_path, tmp_path / "absent.duckdb", {"admin": ("admin", None)})
    monkeypatch.setenv("KPI_SNAPSHOT_DIR", str(snapshots.folder(demo_db)))
    monkeypatch.setenv("KPI_REPLICA", "1")
    at = run_as("../pages/task_update.py", "admin")
    assert any("只读副本" in info.value for info in at.info)
    assert not at.button
    assert not (tmp_path / "absent.duckdb").exists()


def test_a_full_disk_during_a_browser_write_says_so_and_writes_nothing(demo_db, monkeypatch):
    before = dump_tables(demo_db)

    def full_disk(con, *args, **kwargs):
        raise duckdb.TransactionException("Failed to commit: No space left on device")

    monkeypatch.setattr(intake.queries, "write_audit", full_disk)
    with pytest.raises(errors.StoreFull) as full:
        intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
    assert "磁盘空间不足" in full.value.message("zh")
    assert dump_tables(demo_db) == before


def test_a_snapshot_from_an_older_release_is_brought_up_to_date_on_first_read(empty_db):
    """A store and its snapshot made before a table existed: the first read upgrades the
    primary and reads the new snapshot, rather than failing on the missing table."""
    con = duckdb.connect(str(empty_db))
    con.execute("drop table attachments")
    con.execute("alter table batches drop column review_state")
    con.execute("drop table schema_fingerprint")  # new in a later release too
    con.close()
    snapshots.publish(empty_db)
    db.forget(empty_db)
    with db.read(empty_db) as con:
        assert con.execute("select count(*) from attachments").fetchone() == (0,)
        columns = con.execute("select column_name from information_schema.columns").fetchall()
    assert ("review_state",) in columns


def test_a_store_whose_schema_text_changed_is_checked_in_full_and_upgraded(empty_db, monkeypatch):
    """The schema's fingerprint spares a new process reading the catalog only while it is the
    fingerprint of this release's schema text: another one (a release that added a table)
    means the store is checked table by table, brought up to date and fingerprinted anew."""
    con = duckdb.connect(str(empty_db))
    con.execute("drop table attachments")
    con.close()
    snapshots.publish(empty_db)
    db.forget(empty_db)
    with db.read(empty_db) as con:  # this release's fingerprint: the gap goes unseen
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'attachments'"
        ).fetchone() == (0,)
    db.forget(empty_db)
    monkeypatch.setattr(db, "SCHEMA_FINGERPRINT", "a later release")
    with db.read(empty_db) as con:
        assert con.execute("select count(*) from attachments").fetchone() == (0,)
        assert con.execute("select fingerprint from schema_fingerprint").fetchall() == [
            ("a later release",)
        ]


def test_a_store_rebuilt_under_the_same_name_is_read_anew(demo_db, empty_db):
    """Reads keep the newest snapshot open; a store replaced by another whose snapshots number
    from 1 again (same file names) is read from its own file, not from the one held open."""
    assert figure_count(demo_db) > 0
    held = snapshots.newest(demo_db)
    shutil.rmtree(snapshots.folder(demo_db))
    shutil.copy(empty_db, demo_db)
    assert figure_count(demo_db) == 0
    assert snapshots.newest(demo_db) == held  # the same name: v000001.duckdb

"""Two writers at once, another process holding the file, and a load killed with SIGKILL."""

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from intake_helpers import dump_tables, fixture_bytes

from kpi.auth.accounts import User
from kpi.base import config, errors, periods
from kpi.store import db, ingest, intake

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
STAFF = User("alice", "staff", "市工业和信息化局", "Alice")
ADMIN = User("root", "admin", None, "管理员")


def check(path: Path, name: str, content: bytes | None = None) -> ingest.UploadCheck:
    with db.connect(path) as con:
        return ingest.check_upload(con, content or fixture_bytes(name), name, PLAN)


def commit_together(path: Path, checks: list[ingest.UploadCheck]) -> list[object]:
    """Commit each check from its own thread, released at the same instant; batch id or error."""
    start = threading.Barrier(len(checks))
    outcomes: list[object] = [None] * len(checks)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = intake.commit_upload(path, ADMIN, checks[i], accept_warnings=True)
        except errors.RetryLater as err:
            outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(checks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def assert_consistent(path: Path) -> None:
    """One figure in force per key; every figure and audit entry points at a batch that exists."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        keys_with_two = con.execute(
            """
            select indicator_code, period, sector_code, district_code, count(*)
            from figures where is_current
            group by all having count(*) > 1
            """
        ).fetchall()
        orphans = con.execute(
            "select count(*) from figures where batch_id not in (select batch_id from batches)"
        ).fetchone()[0]
        unaudited = con.execute(
            """
            select count(*) from batches b where b.kind <> 'demo' and not exists (
                select 1 from audit_log a where a.batch_id = b.batch_id)
            """
        ).fetchone()[0]
        row_counts = con.execute(
            """
            select count(*) from batches b
            where b.kind = 'load'
              and b.row_count < (select count(*) from figures f where f.batch_id = b.batch_id)
            """
        ).fetchone()[0]
    finally:
        con.close()
    assert keys_with_two == []
    assert orphans == 0 and unaudited == 0 and row_counts == 0


def test_two_sessions_commit_different_files_at_once(demo_db):
    checks = [check(demo_db, "utf8-bom.csv"), check(demo_db, "english-headers.xlsx")]
    batches_before = len(dump_tables(demo_db, ("batches",))["batches"])
    outcomes = commit_together(demo_db, checks)
    written = [o for o in outcomes if isinstance(o, int)]
    retry = [o for o in outcomes if isinstance(o, errors.RetryLater)]
    assert len(written) + len(retry) == 2 and written
    assert all(r.message("zh") == "数据库正忙，请稍后重试" for r in retry)
    assert len(dump_tables(demo_db, ("batches",))["batches"]) == batches_before + len(written)
    assert_consistent(demo_db)


def test_two_sessions_commit_the_same_keys_at_once(demo_db):
    """Same keys, different values: one wins, the other is told to check again (nothing lost)."""
    header = b"indicator_code,period,value,unit\n"
    a = check(demo_db, "a.csv", header + b"base_stations_5g,2024Q3,13300,\xe5\xba\xa7\n")
    b = check(demo_db, "b.csv", header + b"base_stations_5g,2024Q3,13400,\xe5\xba\xa7\n")
    outcomes = commit_together(demo_db, [a, b])
    written = [o for o in outcomes if isinstance(o, int)]
    assert len(written) == 1
    assert isinstance(next(o for o in outcomes if not isinstance(o, int)), errors.PreviewOutdated)
    assert_consistent(demo_db)


def test_many_sessions_commit_at_once(empty_db):
    """Eight uploads of distinct quarters released together: all land, one batch each."""
    header = "indicator_code,period,value\n"
    checks = [
        check(empty_db, f"q{i}.csv", (header + f"cloud_firms,{p},{i + 1}\n").encode())
        for i, p in enumerate(periods.period_range("2023Q1", "2024Q4"))
    ]
    outcomes = commit_together(empty_db, checks)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert len(set(outcomes)) == 8
    assert_consistent(empty_db)


HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_write_waits_for_another_process_then_retry_later(demo_db, monkeypatch):
    """While the CLI (another process) holds the file, a commit waits, then says retry later."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(demo_db), "4"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 0.3)
        with pytest.raises(errors.RetryLater) as busy:
            intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
        assert busy.value.message("zh") == "数据库正忙，请稍后重试"
        # With the usual wait, the same write goes through once the other process lets go.
        monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 30)
        assert intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------ kill -9 during a load

# Runs `python -m etl load` in-process, announcing when every statement of the batch has run
# inside the open transaction (figures inserted, not yet committed), then pausing there.
PAUSED_LOAD = """
import sys, time
from kpi.store import queries
from etl import cli

apply_staged = queries.apply_staged

def announce_and_pause(*args, **kwargs):
    written = apply_staged(*args, **kwargs)
    print(f"APPLIED {written}", flush=True)
    time.sleep(60)
    return written

queries.apply_staged = announce_and_pause
sys.exit(cli.main(sys.argv[1:]))
"""
BIG_ROWS = 200_000
# The plan's reporting window has 13 quarters and 11 district keys: too few for BIG_ROWS keys, so
# the store gets synthetic districts.
EXTRA_DISTRICTS = 800


def write_big_file(path: Path, districts: list[str]) -> int:
    """A valid upload with BIG_ROWS distinct keys (indicator x quarter x district), no warnings.

    Only indicators with the district breakdown may be given per district.
    """
    with open(REPO / "data/plans/zhanjiang-dt-2023/indicators.csv", encoding="utf-8") as f:
        indicators = [
            row["indicator_code"]
            for row in csv.DictReader(f)
            if "district" in row["breakdowns"].split("|")
        ]
    quarters = periods.period_range("2022Q4", "2025Q4")
    lines = ["指标代码,期间,区县,数值"]
    for code in indicators:
        for district in ["", *districts]:
            for quarter in quarters:
                lines.append(f"{code},{quarter},{district},1")
                if len(lines) > BIG_ROWS:
                    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                    return BIG_ROWS
    raise AssertionError("not enough distinct keys")


@pytest.fixture
def big_file(tmp_path: Path, empty_db: Path) -> Path:
    extra = [
        (PLAN, f"d{i:04d}", f"d{i:04d}", f"District {i}", None, 100 + i)
        for i in range(EXTRA_DISTRICTS)
    ]
    with db.connect(empty_db) as con:
        con.executemany("insert into districts values (?, ?, ?, ?, ?, ?)", extra)
        found = con.execute("select district_code from districts where plan_id = ?", [PLAN])
        districts = [code for (code,) in found.fetchall()]
    path = tmp_path / "big.csv"
    write_big_file(path, districts)
    return path


def load_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "KPI_MAX_UPLOAD_MB": "200"}


def test_kill_9_inside_the_load_transaction_leaves_store_as_before(empty_db, big_file):
    before = dump_tables(empty_db)
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_LOAD, "load", str(big_file), "--db", str(empty_db)],
        cwd=REPO,
        env=load_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the batch is written, uncommitted
        assert line.startswith("APPLIED"), (line, proc.stderr.read() if proc.poll() else "")
        assert int(line.split()[1]) == BIG_ROWS
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db.forget(empty_db)
    assert dump_tables(empty_db) == before
    with db.connect(empty_db) as con:  # and the store still takes the next load
        result = ingest.check_upload(con, fixture_bytes("utf8-bom.csv"), "utf8-bom.csv", PLAN)
    assert intake.commit_upload(empty_db, STAFF, result, accept_warnings=False)
    assert_consistent(empty_db)


def test_kill_9_of_etl_load_is_all_or_nothing(empty_db, big_file):
    """The plain CLI killed once it has worked ~1 s, or as soon as it starts its commit."""
    before = dump_tables(empty_db)
    wal = Path(str(empty_db) + ".wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(big_file), "--db", str(empty_db)],
        cwd=REPO,
        env=load_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - started < 1.0:
            if wal.exists() and wal.stat().st_size > 0:
                break
            time.sleep(0.005)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    db.forget(empty_db)
    after = dump_tables(empty_db)
    if after != before:  # the commit had completed before the kill: then all of it is there
        assert len(after["figures"]) == BIG_ROWS and len(after["batches"]) == 1
    assert_consistent(empty_db)

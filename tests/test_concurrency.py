"""Two writers at once, another process holding the file, and a load killed with SIGKILL."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from intake_helpers import dump_tables, fixture_bytes

from kpi.auth.accounts import User
from kpi.base import config, errors, periods
from kpi.store import connection, db, ingest, intake

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


# Holds the file's lock until told to let go (a line on stdin), then says so.
HOLD_FILE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
print("released", flush=True)
"""


@pytest.mark.slow
def test_write_waits_for_another_process_then_retry_later(demo_db, monkeypatch):
    """While the CLI (another process) holds the file, a commit waits, then says retry later."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(demo_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 0.3)
        with pytest.raises(errors.RetryLater) as busy:
            intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
        assert busy.value.message("zh") == "数据库正忙，请稍后重试"

        # With the usual wait, the same write goes through once the other process lets go: it
        # is let go only after the write has been refused the lock at least once (it waits).
        monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 30)
        refused = threading.Event()
        is_lock_error = connection._is_lock_error

        def note_refusal(err: Exception) -> bool:
            if is_lock_error(err):
                refused.set()
                return True
            return False

        monkeypatch.setattr(connection, "_is_lock_error", note_refusal)
        outcome: list[object] = []

        def update() -> None:
            try:
                outcome.append(
                    intake.record_task_update(demo_db, ADMIN, PLAN, 1, 1, "2024Q3", "done", "", "")
                )
            except Exception as err:  # shown by the assertion below
                outcome.append(err)

        write = threading.Thread(target=update)
        write.start()
        assert refused.wait(timeout=30), outcome or "the write never tried the held file"
        assert write.is_alive() and not outcome  # refused once, still waiting
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        write.join(timeout=60)
        assert len(outcome) == 1 and outcome[0] and not isinstance(outcome[0], Exception), outcome
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------ kill -9 during a load

# Runs `python -m etl load` in-process and stops at a known point of the write, says so on
# stdout, and waits there to be killed:
#   applied    every statement of the batch has run inside the open transaction (not committed)
#   committed  the transaction has committed (before the checkpoint and the snapshot publish)
PAUSED_LOAD = """
import sys, time
from contextlib import contextmanager
from kpi.store import loads, queries
from etl import cli

point = sys.argv.pop(1)
apply_staged = queries.apply_staged
transaction = loads.transaction

def pause(message):
    print(message, flush=True)
    time.sleep(600)  # until killed

def applied(*args, **kwargs):
    written = apply_staged(*args, **kwargs)
    if point == "applied":
        pause(f"APPLIED {written}")
    return written

@contextmanager
def committed(con):
    with transaction(con):
        yield con
    if point == "committed":
        pause("COMMITTED")

queries.apply_staged = applied
loads.transaction = committed
sys.exit(cli.main(sys.argv[1:]))
"""
# Above DuckDB's row-group size (122,880 rows), so that the transaction writes row groups into
# the database file before it commits: a kill must not leave those behind either.
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


@pytest.fixture(scope="module")
def big_load(store_copy) -> tuple[Path, Path]:
    """A store with the extra districts and the big file for it, built once for the module."""
    store = store_copy(False, "big")
    folder = store.parent
    extra = [
        (PLAN, f"d{i:04d}", f"d{i:04d}", f"District {i}", None, 100 + i)
        for i in range(EXTRA_DISTRICTS)
    ]
    with db.connect(store) as con:
        con.executemany("insert into districts values (?, ?, ?, ?, ?, ?)", extra)
        found = con.execute("select district_code from districts where plan_id = ?", [PLAN])
        districts = [code for (code,) in found.fetchall()]
    path = folder / "big.csv"
    write_big_file(path, districts)
    return store, path


@pytest.fixture
def big_store(tmp_path: Path, big_load: tuple[Path, Path]) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(big_load[0], path)
    return path


def kill_load_at(point: str, store: Path, big_file: Path) -> str:
    """Run the load until it reaches `point`, kill -9 it there; what it said on arriving."""
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_LOAD, point, "load", str(big_file), "--db", str(store)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "KPI_MAX_UPLOAD_MB": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the child has reached the point
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert line.strip(), proc.stderr.read()  # it ended before the point: why
    assert proc.returncode == -signal.SIGKILL
    db.forget(store)
    return line.strip()


@pytest.mark.slow
def test_kill_9_inside_the_load_transaction_leaves_store_as_before(big_store, big_load):
    before = dump_tables(big_store)
    assert kill_load_at("applied", big_store, big_load[1]) == f"APPLIED {BIG_ROWS}"
    assert dump_tables(big_store) == before
    with db.connect(big_store) as con:  # and the store still takes the next load
        result = ingest.check_upload(con, fixture_bytes("utf8-bom.csv"), "utf8-bom.csv", PLAN)
    assert intake.commit_upload(big_store, STAFF, result, accept_warnings=False)
    assert_consistent(big_store)


@pytest.mark.slow
def test_kill_9_after_the_load_commits_keeps_all_of_it(big_store, big_load):
    """Killed before db.connect checkpoints and publishes: the commit is in the store, whole,
    and readers see it."""
    before = dump_tables(big_store)
    assert kill_load_at("committed", big_store, big_load[1]) == "COMMITTED"
    after = dump_tables(big_store)
    assert len(after["figures"]) == len(before["figures"]) + BIG_ROWS
    assert len(after["batches"]) == len(before["batches"]) + 1
    assert len(after["audit_log"]) > len(before["audit_log"])
    assert_consistent(big_store)
    with db.read(big_store) as con:  # the snapshot the kill left unpublished is published now
        assert con.execute("select count(*) from figures").fetchone()[0] == len(after["figures"])

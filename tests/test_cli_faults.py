"""`python -m etl` under faults: a busy store, a full disk, a wrong --db, an unknown --plan, a
closed pipe. Each ends with a message in both languages (or quietly, for the pipe), the exit code
the module docstring promises, no traceback and the store as it was."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from intake_helpers import dump_tables

from etl import cli
from kpi.base import config
from kpi.outputs import fullexport
from kpi.store import loads

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
GOOD = "指标代码,期间,数值\ncloud_firms,2024Q3,5\n"
HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """etl.cli.main in this process: exit code, stdout, stderr."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def etl(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *map(str, argv)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_load_exits_1_with_both_languages_when_another_process_holds_the_store(tmp_path, demo_db):
    before = dump_tables(demo_db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(demo_db), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = etl("load", good_file(tmp_path), "--db", demo_db, env={"KPI_LOCK_WAIT": "1"})
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "数据库正忙" in done.stderr and "The database is busy" in done.stderr
    assert "正被另一个进程占用" in done.stderr and "held by another process" in done.stderr
    assert str(demo_db) in done.stderr
    assert dump_tables(demo_db) == before


DISK_FULL = [
    OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
    # what DuckDB raised on a full tmpfs when the commit could not write its log
    duckdb.TransactionException(
        'TransactionContext Error: Failed to commit: Could not write file "x.duckdb.wal": '
        "No space left on device"
    ),
]


@pytest.mark.parametrize("fault", DISK_FULL, ids=["oserror", "duckdb"])
def test_load_exits_1_and_writes_nothing_when_the_disk_is_full(
    tmp_path, demo_db, capsys, monkeypatch, fault
):
    write_batch = loads.write_batch

    def write_then_fail(*args, **kwargs):
        write_batch(*args, **kwargs)  # the batch is in the open transaction when the disk fills
        raise fault

    monkeypatch.setattr(loads, "write_batch", write_then_fail)
    before = dump_tables(demo_db)
    code, out, err = run_main(capsys, "load", good_file(tmp_path), "--db", demo_db)
    assert code == 1
    assert "磁盘空间不足" in err and "The disk is full" in err
    assert "Traceback" not in out + err
    assert dump_tables(demo_db) == before


def test_writing_a_report_file_to_a_full_disk_exits_1(tmp_path, demo_db, capsys, monkeypatch):
    def full(target, *args, **kwargs):
        target.write(b"PK")  # a part is written, then the disk fills up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fullexport, "write_zip", full)
    code, out, err = run_main(capsys, "export-all", "--db", demo_db, "--out", tmp_path / "all.zip")
    assert code == 1
    assert "磁盘空间不足" in err and "The disk is full" in err and "all.zip" in err
    assert not (tmp_path / "all.zip").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file


@pytest.mark.parametrize("command", [["load", "good.csv"], ["status"], ["export", "targets"]])
def test_db_that_is_a_folder_exits_1_with_a_message(tmp_path, capsys, command):
    good_file(tmp_path)
    folder = tmp_path / "store"
    folder.mkdir()
    argv = [tmp_path / c if c.endswith(".csv") else c for c in command]
    code, out, err = run_main(capsys, *argv, "--db", folder)
    assert code == 1
    assert "是一个文件夹" in err and "is a folder" in err and str(folder) in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", [["load", "good.csv"], ["status"], ["export", "audit"]])
def test_db_in_a_missing_folder_exits_2_and_creates_nothing(tmp_path, capsys, command):
    good_file(tmp_path)
    path = tmp_path / "typo" / "store.duckdb"
    argv = [tmp_path / c if c.endswith(".csv") else c for c in command]
    code, out, err = run_main(capsys, *argv, "--db", path)
    assert code == 2
    assert "不存在" in err and "does not exist" in err and "etl init" in err
    assert not path.parent.exists()


@pytest.mark.parametrize(
    "command",
    [["status"], ["report", "--out", "b.pdf"], ["export", "targets"], ["history"], ["template"]],
)
def test_a_command_that_only_reads_a_missing_store_exits_2_and_creates_nothing(
    tmp_path, capsys, command
):
    path = tmp_path / "typo.duckdb"
    argv = [tmp_path / c if c.endswith(".pdf") else c for c in command]
    code, out, err = run_main(capsys, *argv, "--db", path)
    assert code == 2
    assert f"数据库 {path} 不存在" in err and f"no database at {path}" in err
    assert "etl init" in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_load_into_a_missing_store_in_a_folder_that_exists_creates_it(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    code, out, err = run_main(capsys, "load", good_file(tmp_path), "--db", path)
    assert code == 0, err
    assert path.is_file()


def test_init_creates_a_store_in_a_new_folder(tmp_path, capsys):
    path = tmp_path / "new" / "store.duckdb"
    code, out, _ = run_main(capsys, "init", "--db", path)
    assert code == 0 and path.is_file() and "created" in out


def test_db_that_is_not_a_duckdb_file_exits_1_and_leaves_it_alone(tmp_path, capsys):
    other = good_file(tmp_path)
    code, out, err = run_main(capsys, "status", "--db", other)
    assert code == 1
    assert "不是 DuckDB 数据库文件" in err and "is not a DuckDB database file" in err
    assert other.read_text(encoding="utf-8") == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv"]


def test_the_magic_check_knows_a_real_store(demo_db):
    assert cli.is_duckdb_file(demo_db)


PLAN_COMMANDS = [
    ["load", "good.csv"],
    ["export", "targets"],
    ["history"],
    ["template"],
    ["status"],
    ["report", "--out", "r.pdf"],
    ["export-all", "--out", "all.xlsx"],
]


@pytest.mark.parametrize("command", PLAN_COMMANDS, ids=lambda c: c[0])
def test_unknown_plan_is_named_with_the_known_plans(tmp_path, demo_db, capsys, command):
    good_file(tmp_path)
    argv = [tmp_path / c if "." in c else c for c in command]
    before = dump_tables(demo_db)
    code, out, err = run_main(capsys, *argv, "--db", demo_db, "--plan", "no-such-plan")
    assert code == 1
    assert "未知规划 no-such-plan" in err and "Unknown plan no-such-plan" in err
    assert PLAN in err
    assert out == ""
    assert dump_tables(demo_db) == before
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "all.xlsx").exists()


def test_known_plan_flag_still_works(demo_db, capsys):
    code, out, _ = run_main(capsys, "status", "--db", demo_db, "--plan", PLAN)
    assert code == 0 and out.startswith("indicator_code,")


@pytest.mark.slow
def test_closed_stdout_ends_quietly_with_141(demo_db):
    """As `python -m etl export ... | head -1` when head has gone: no traceback, no warning."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "etl", "export", "progress", "--db", str(demo_db)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE
    assert proc.stderr == ""


@pytest.mark.slow
def test_lock_wait_setting_is_what_the_busy_message_names(demo_db, capsys, monkeypatch):
    """In process: the wait in the message is the configured one."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(demo_db), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(config, "LOCK_WAIT_SECONDS", 0.2)
        code, out, err = run_main(capsys, "rollback", "1", "--db", demo_db)
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert "等待 0.2 秒" in err and "within 0.2 s" in err

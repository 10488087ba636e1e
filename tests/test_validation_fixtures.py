"""Every upload fixture through `python -m etl load --json`: exit code, problem code, row, store."""

import json
import os
import subprocess
import sys

import pytest
from intake_helpers import UPLOADS, dump_tables

from etl import cli

REPO = UPLOADS.parent.parent.parent

# file -> (problem code, Excel row or None for the whole file)
REJECTED = {
    "unknown-indicator.csv": ("unknown_indicator", 3),
    "unknown-sector.csv": ("unknown_sector", 3),
    "unknown-district.csv": ("unknown_district", 3),
    "malformed-period.csv": ("bad_period", 3),
    "future-period.csv": ("future_period", 3),
    "non-numeric-value.csv": ("bad_value", 3),
    "negative-value.csv": ("negative_value", 3),
    "unconvertible-unit.csv": ("bad_unit", 3),
    "duplicate-key.csv": ("duplicate_key", 3),
    "empty.csv": ("empty_file", None),
    "not-a-table.png": ("unsupported_file", None),
}
WARNED = {
    "level-decrease.csv": ("level_decrease", 3),
    "above-3x-target.csv": ("above_target", 3),
    "big-change.csv": ("big_change", 3),
}
ACCEPTED = {
    # file -> (rows read, a figure it stores: key -> canonical value)
    "gbk-chinese-headers.csv": (4, ("base_stations_5g", "2024Q3", None, None, 12000.0)),
    "utf8-bom.csv": (2, ("idc_racks", "2024Q3", None, None, 28500.0)),
    "english-headers.xlsx": (3, ("cloud_firms", "2024Q3", None, "xiashan", 6.0)),
}


def load(capsys, db, name: str, *extra: str) -> tuple[int, dict]:
    code = cli.main(["load", str(UPLOADS / name), "--db", str(db), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def figure(db, indicator, period, sector, district) -> float | None:
    rows = dump_tables(db, ("figures",))["figures"]
    found = [
        r[6]
        for r in rows
        if r[2:6] == (indicator, period, sector, district) and r[8]  # value, is_current
    ]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(("name", "expected"), REJECTED.items(), ids=list(REJECTED))
def test_rejected_file_exits_1_and_leaves_store_unchanged(capsys, demo_db, name, expected):
    before = dump_tables(demo_db)
    code, report = load(capsys, demo_db, name)
    assert code == 1
    assert not report["ok"] and report["batch_ids"] == []
    errors = [p for p in report["files"][0]["problems"] if p["severity"] == "error"]
    assert [(p["code"], p["row"]) for p in errors] == [expected]
    assert errors[0]["message_zh"] and errors[0]["message_en"]
    assert dump_tables(demo_db) == before


@pytest.mark.parametrize(("name", "expected"), WARNED.items(), ids=list(WARNED))
def test_warned_file_loads_but_strict_refuses(capsys, demo_db, name, expected):
    before = dump_tables(demo_db)
    code, report = load(capsys, demo_db, name, "--strict")
    assert code == 1
    warnings = report["files"][0]["problems"]
    assert expected in [(p["code"], p["row"]) for p in warnings]
    assert all(p["severity"] == "warning" for p in warnings)
    assert dump_tables(demo_db) == before
    code, report = load(capsys, demo_db, name)
    assert code == 0 and len(report["batch_ids"]) == 1


@pytest.mark.parametrize(("name", "expected"), ACCEPTED.items(), ids=list(ACCEPTED))
def test_accepted_file_loads_in_any_encoding(capsys, empty_db, name, expected):
    rows_read, (indicator, period, sector, district, value) = expected
    code, report = load(capsys, empty_db, name)
    assert code == 0, report
    summary = report["files"][0]
    assert summary["rows_read"] == rows_read and summary["errors"] == 0
    assert summary["rows_accepted"] == rows_read
    assert figure(empty_db, indicator, period, sector, district) == value


def test_gbk_file_really_is_gbk():
    raw = (UPLOADS / "gbk-chinese-headers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith("指标名称,期间")
    assert "2024年第三季度" in raw.decode("gbk") and "1.2万" in raw.decode("gbk")
    assert (UPLOADS / "utf8-bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.slow
def test_cli_process_exit_codes(empty_db):
    """The real `python -m etl load` process: 1 for a rejected file, 0 for a good one."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(name: str) -> subprocess.CompletedProcess:
        args = [sys.executable, "-m", "etl", "load", str(UPLOADS / name), "--db", str(empty_db)]
        return subprocess.run(
            [*args, "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )

    before = dump_tables(empty_db)
    bad = run("negative-value.csv")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["files"][0]["problems"][0]["code"] == "negative_value"
    assert dump_tables(empty_db) == before
    good = run("gbk-chinese-headers.csv")
    assert good.returncode == 0, good.stderr
    assert figure(empty_db, "base_stations_5g", "2024Q3", None, None) == 12000.0

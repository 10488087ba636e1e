"""bench/bench_load.py still runs against the store's functions: a tiny size, one round.

The benchmark calls the writer's internals (kept files, staged rows) to time a load without
checks; a change to those must not leave it broken until someone next measures."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"


def test_bench_load_prints_a_row_of_ratios():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "2000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.strip().splitlines()[-2:]
    assert header.split()[:3] == ["rows", "duckdb", "bare"]
    cells = row.split()
    assert cells[0] == "2000" and len(cells) == 7
    assert all(float(cell) > 0 for cell in cells[1:])

"""Pages while a large `etl load` runs: do readers wait for the writer?

    python bench/bench_read_while_load.py [--rows 1000000]

Runs the overview and indicator pages (AppTest, no browser) on a quiet store, then again and
again while `python -m etl load` writes `--rows` figures in another process, then once after the
commit. Prints the page times (median and slowest) as ratios against the quiet runs, and the
figure count each run saw: the last commit's until the load commits, the new one after.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

PAGES = ("../app.py", "../pages/indicator.py")


def page_seconds(page: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "bench" / page), default_timeout=120)
    at.session_state["lang"] = "zh"
    started = time.perf_counter()
    at.run()
    if at.exception:
        raise SystemExit(f"{page}: {at.exception}")
    return time.perf_counter() - started


def figure_count(path: Path) -> int:
    from kpi.store import db

    with db.read(path) as con:
        return con.execute("select count(*) from figures").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from bench_load import make_data_dir, make_file, plan_shape

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-read-"))
    os.environ["KPI_DATA_DIR"] = str(make_data_dir(work, 2000))
    os.environ["KPI_MAX_UPLOAD_MB"] = "2000"
    store = work / "store.duckdb"
    os.environ["KPI_DB"] = str(store)
    from kpi.store import db

    db.ensure_database(store, with_demo=False)
    upload = work / "figures.csv"
    make_file(upload, args.rows, *plan_shape(store))

    quiet = [page_seconds(page) for _ in range(3) for page in PAGES]
    before = figure_count(store)
    load = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(upload), "--db", str(store)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    started = time.perf_counter()
    during, seen = [], set()
    while load.poll() is None:
        for page in PAGES:
            during.append(page_seconds(page))
        seen.add(figure_count(store))
    load_seconds = time.perf_counter() - started
    if load.returncode != 0:
        raise SystemExit(load.stderr.read().decode())
    after = figure_count(store)
    page_seconds(PAGES[0])

    base = statistics.median(quiet)
    print(f"rows loaded: {args.rows:,}; the load took {load_seconds:.1f} s")
    print(f"pages on a quiet store: median {base:.2f} s (baseline)")
    print(
        f"pages during the load ({len(during)} runs): median {statistics.median(during):.2f} s "
        f"({statistics.median(during) / base:.2f}x), slowest {max(during):.2f} s "
        f"({max(during) / base:.2f}x)"
    )
    print(f"figures seen during the load: {sorted(seen)} (before: {before}); after: {after}")


if __name__ == "__main__":
    main()

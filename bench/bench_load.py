"""Time `etl load` against DuckDB's own read_csv + INSERT of the same file, in the same run.

    python bench/bench_load.py [--sizes 10000 100000 1000000] [--repeat 3]

The files are valid progress figures (so every check runs) for a synthetic copy of the plan with
extra districts, because the real plan has too few keys for a million distinct rows. Prints the
best of N for each step (all taken in turns) and the ratio to the bare DuckDB load. Copying
the empty store that each `etl load` starts from is setup and not timed. "write only" is what
`etl load` does besides checking (DuckDB reads the file; one batch written, kept and published
as a load's): the ratio no check could bring the load below.
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from timing import best_of  # noqa: E402

# The file's rows as `staged` (kpi.store.queries), read by DuckDB itself: no check at all.
STAGE_FILE = """
    create temp table staged as
    select row_number() over () + 1 as source_row, indicator_code, period,
           nullif(sector, '') as sector_code, nullif(district, '') as district_code,
           value::double as value, row_number() over () as ordinal
    from read_csv(?, header = true, all_varchar = true)
"""


def make_data_dir(work: Path, n_districts: int) -> Path:
    """A copy of data/ whose first plan has `n_districts` synthetic districts."""
    data = work / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("*.duckdb*"))
    plan = next(p for p in (data / "plans").iterdir() if (p / "plan.csv").exists())
    with open(plan / "districts.csv", "a", encoding="utf-8") as f:
        for i in range(n_districts):
            f.write(f"bench{i:04d},基准区{i:04d},Bench district {i},,{100 + i}\n")
    return data


def make_file(
    path: Path,
    rows: int,
    indicators: dict[str, float],
    sectors: list[str],
    districts: list[str],
    breakdowns: dict[str, set[str]],
    flows: set[str],
) -> None:
    """`rows` distinct keys, periods fastest; values rise towards the target (no warnings): a
    level by a rising level, a flow by the same amount each quarter (a rising quarter amount
    would read as a running total, kpi.store.basis)."""
    quarters = [f"{y}Q{q}" for y in range(2023, 2026) for q in range(1, 5)]
    with open(path, "w", encoding="utf-8") as f:
        f.write("indicator_code,period,sector,district,value\n")
        n = 0
        for district in districts:
            for sector in sectors:
                # Breakdowns are a small share of the city-wide path (sector targets are ~1/10).
                share = 1 if sector == district == "" else 0.01
                for code, target in indicators.items():
                    if (sector and "sector" not in breakdowns[code]) or (
                        district and "district" not in breakdowns[code]
                    ):
                        continue  # a breakdown the indicator does not have is refused
                    for k, quarter in enumerate(quarters):
                        value = target * share * (1 / 13 if code in flows else k / 20)
                        f.write(f"{code},{quarter},{sector},{district},{value:g}\n")
                        n += 1
                        if n == rows:
                            return
    raise SystemExit(f"only {n} distinct keys; add districts")


def plan_shape(store: Path) -> tuple:
    """(city targets by indicator, sectors, districts, breakdowns by indicator) of the plan."""
    from kpi.store import db, ingest, queries

    with db.read(store) as con:
        plan_id = ingest.default_plan_id(con)
        targets = queries.targets(con, plan_id)
        city = targets[targets["sector_code"].isna() & targets["is_default"]]
        indicators = dict(zip(city["indicator_code"], city["value"], strict=True))
        sectors = [""] + queries.sectors(con, plan_id)["sector_code"].tolist()
        districts = [""] + queries.districts(con, plan_id)["district_code"].tolist()
        listed = queries.indicators(con, plan_id)
        breakdowns = {
            code: set(text.split("|")) if isinstance(text, str) else set()
            for code, text in zip(listed["indicator_code"], listed["breakdowns"], strict=True)
        }
        flows = set(listed.loc[listed["semantics"] != "level", "indicator_code"])
    return indicators, sectors, districts, breakdowns, flows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    os.environ["KPI_DATA_DIR"] = str(make_data_dir(work, 2000))
    os.environ["KPI_MAX_UPLOAD_MB"] = "2000"
    import duckdb

    from kpi.store import db, ingest, kept_files, loads, queries
    from kpi.store.connection import transaction

    template = work / "template.duckdb"
    db.ensure_database(template, with_demo=False)
    shape = plan_shape(template)

    print(
        f"{'rows':>9} {'duckdb bare s':>14} {'etl load s':>11} {'ratio':>6} "
        f"{'write only s':>13} {'ratio':>6} {'reload s':>9}"
    )
    for rows in args.sizes:
        csv_path = work / f"figures-{rows}.csv"
        make_file(csv_path, rows, *shape)

        def bare_load(path: Path = csv_path) -> None:
            target = work / "bare.duckdb"
            target.unlink(missing_ok=True)
            con = duckdb.connect(str(target))
            con.execute(
                "create table figures (indicator_code varchar, period varchar, "
                "sector varchar, district varchar, value double)"
            )
            con.execute("insert into figures select * from read_csv(?, header = true)", [str(path)])
            con.close()

        def fresh_db() -> Path:
            target = work / "etl.duckdb"
            target.unlink(missing_ok=True)
            # Its kept files too: a file kept already is not written again.
            shutil.rmtree(kept_files.folder(target, kept_files.UPLOADS), ignore_errors=True)
            shutil.copy(template, target)
            db.forget(target)
            return target

        def etl_load(path: Path = csv_path) -> float:
            """One load into a fresh copy of the template; the copy is setup, not timed."""
            target = fresh_db()
            start = time.perf_counter()
            result = loads.load_files([path], db=target, plan_id=None, user_name="bench")
            elapsed = time.perf_counter() - start
            assert result.ok and result.batch_ids, result.as_dict()["files"][0]["problems"][:3]
            return elapsed

        def write_only(path: Path = csv_path, rows: int = rows) -> float:
            """What `etl load` does besides checking, on a fresh copy of the template: DuckDB
            reads the file into the staged rows, which are written as one batch (file kept,
            figures versioned, audit entry) in one transaction and published."""
            target = fresh_db()
            start = time.perf_counter()
            content = path.read_bytes()
            with db.connect(target) as con:
                plan_id = ingest.default_plan_id(con)
                con.execute(f"set checkpoint_threshold = '{loads.CHECKPOINT_THRESHOLD}'")
                con.execute(STAGE_FILE, [str(path)])
                with transaction(con):
                    sha256 = hashlib.sha256(content).hexdigest()
                    kept_files.keep(kept_files.folder(target, kept_files.UPLOADS), content, sha256)
                    batch_id = queries.insert_batch(
                        con,
                        plan_id=plan_id,
                        kind="load",
                        file_name=path.name,
                        file_sha256=sha256,
                        user_name="bench",
                        row_count=rows,
                        is_demo=False,
                    )
                    queries.store_file(con, batch_id, path.name, sha256, len(content))
                    written = queries.apply_staged(con, plan_id, batch_id, is_demo=False)
                    queries.write_audit(
                        con, user_name="bench", role="cli", action="load", plan_id=plan_id,
                        batch_id=batch_id, after={"figures_written": written},
                    )  # fmt: skip
            return time.perf_counter() - start

        # Taken in turns, so that the machine's drift over the run (a third within minutes on
        # a shared machine) falls on all alike instead of on whichever ran last.
        bare, ours, floor = float("inf"), float("inf"), float("inf")
        for _ in range(args.repeat):
            bare = min(bare, best_of(1, bare_load))
            ours = min(ours, etl_load())
            floor = min(floor, write_only())
        # A second load of the same file over a full store: every key is compared and unchanged.
        reload_target = fresh_db()
        loads.load_files([csv_path], db=reload_target, plan_id=None, user_name="bench")
        reload = best_of(
            1,
            lambda p=csv_path, t=reload_target: loads.load_files(
                [p], db=t, plan_id=None, user_name="bench"
            ),
        )
        print(
            f"{rows:>9} {bare:>14.3f} {ours:>11.3f} {ours / bare:>6.2f} "
            f"{floor:>13.3f} {floor / bare:>6.2f} {reload:>9.3f}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

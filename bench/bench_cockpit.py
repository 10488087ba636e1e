"""Time the cockpit's data preparation (figures + status of every indicator) as the store grows.

    python bench/bench_cockpit.py [--sizes 10000 100000 1000000] [--repeat 5]

The demo database is padded with synthetic figures that a real store accumulates: district
breakdowns and superseded versions (history). Prints the best of N and the ratio to the smallest
size, next to the ratio of the data sizes (cost should grow no faster than the data), and the
cockpit's figure query through the plan_figures view against the same query on the figures table.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from timing import best_of  # noqa: E402

from kpi.measure import assessment  # noqa: E402
from kpi.store import db, queries  # noqa: E402

PLAN = "zhanjiang-dt-2023"
# Half history (superseded versions of city figures), half current district breakdowns.
PAD_SQL = """
    insert into figures
    select nextval('figure_ids'), ?, i.indicator_code,
           (2000 + (n // 4) % 26)::varchar || 'Q' || (1 + n % 4)::varchar,
           null, case when n % 2 = 0 then 'pad' || (n // 104)::varchar end,
           n % 997, 1, n % 2 = 0, case when n % 2 = 1 then 1 end, true, null
    from range(?) t(n)
    join (select indicator_code, row_number() over () - 1 as k from indicators where plan_id = ?) i
      on i.k = n % 26
"""


def padded_db(work: Path, template: Path, figures: int) -> Path:
    path = work / f"cockpit-{figures}.duckdb"
    shutil.copy(template, path)
    con = db.duckdb.connect(str(path))
    existing = con.execute("select count(*) from figures").fetchone()[0]
    con.execute(PAD_SQL, [PLAN, max(figures - existing, 0), PLAN]).fetchall()
    con.execute("checkpoint").fetchall()
    total = con.execute("select count(*) from figures").fetchone()[0]
    con.close()
    assert abs(total - figures) < 100, total
    return path


def cockpit_status(path: Path):
    with db.read(path) as con:
        return assessment.indicator_status(con, PLAN, assessment.default_as_of(con, PLAN))


def view_cost(path: Path, repeat: int) -> tuple[float, float]:
    """The cockpit's figure query (queries.STATUS_FIGURES) through the plan_figures view and
    the same query on the figures table itself (the same rows here: one plan); best of N each.
    """
    on_table = queries.STATUS_FIGURES.replace("from plan_figures f", "from figures f")
    with db.read(path) as con:
        as_of = assessment.default_as_of(con, PLAN)
        through_view = con.execute(queries.STATUS_FIGURES, [PLAN, as_of]).df()
        direct = con.execute(on_table, [PLAN, as_of]).df()
        assert len(through_view) == len(direct), (len(through_view), len(direct))
        view = best_of(repeat, lambda: con.execute(queries.STATUS_FIGURES, [PLAN, as_of]).df())
        table = best_of(repeat, lambda: con.execute(on_table, [PLAN, as_of]).df())
    return view, table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpi-cockpit-"))
    template = work / "demo.duckdb"
    db.ensure_database(template, with_demo=True)

    print(
        f"{'figures':>9} {'best s':>8} {'x smallest':>11} {'data x':>7}"
        f" {'view s':>8} {'table s':>8} {'view/table':>10}"
    )
    first = None
    for size in args.sizes:
        path = padded_db(work, template, size)
        with db.read(path):  # the one-off publish of the first snapshot is not per view
            pass
        assert len(cockpit_status(path)) > 0
        best = best_of(args.repeat, lambda path=path: cockpit_status(path))
        first = first or (best, size)
        view, table = view_cost(path, args.repeat)
        print(
            f"{size:>9} {best:>8.3f} {best / first[0]:>11.2f} {size / first[1]:>7.0f}"
            f" {view:>8.3f} {table:>8.3f} {view / table:>10.2f}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Time the warning list (预警督办清单) on the demo data at every quarter of the plan.

    python bench/bench_warnings.py [--repeat 5]

For each as-of quarter: the best of N for the whole list from frames already read (what the page
computes on each rerun), the part of it that walks indicator lights back, and, for scale, the
naive way of getting those lights (a full status table at every earlier quarter).
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from timing import best_of  # noqa: E402

from kpi.base import periods  # noqa: E402
from kpi.measure import alerts, assessment  # noqa: E402
from kpi.store import db, queries  # noqa: E402

PLAN = "zhanjiang-dt-2023"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpi-warnings-"))
    path = work / "demo.duckdb"
    db.ensure_database(path, with_demo=True)
    print(f"{'as of':>7} {'rows':>5} {'list s':>7} {'walk s':>7} {'naive walk s':>13}")
    with db.read(path) as con:
        plan = queries.plan(con, PLAN)
        for as_of in periods.period_range(plan["start_period"], plan["end_period"]):
            data = assessment.read_plan_data(con, PLAN, as_of)
            inputs = (
                data,
                queries.tasks(con, PLAN),
                queries.task_updates(con, PLAN, as_of),
                queries.indicator_tasks(con, PLAN),
                queries.responsible_units(con, PLAN),
                as_of,
            )
            status = assessment.status_table(data, as_of)
            rows = len(alerts.warning_list(*inputs))
            whole = best_of(args.repeat, lambda inputs=inputs: alerts.warning_list(*inputs))
            walk = best_of(
                args.repeat, lambda d=data, s=status, q=as_of: alerts.indicator_trails(d, s, q)
            )
            earlier = periods.period_range(plan["start_period"], as_of)
            naive = best_of(
                1, lambda d=data, qs=earlier: [assessment.status_table(d, q) for q in qs]
            )
            print(f"{as_of:>7} {rows:>5} {whole:>7.3f} {walk:>7.3f} {naive:>13.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

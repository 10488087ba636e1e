"""Time the quarterly bulletin (季度进展通报) on the demo data, charts included.

    python bench/bench_report.py [--repeat 3] [--as-of 2025Q4] [--lang zh]

Prints, per step, the best wall time of N runs, the CPU time of that run (this process and the
chromium it started) and its ratio to two baselines measured in the same run: a bare WeasyPrint
render of a one-paragraph CJK page, and a cold kaleido export of one figure (chromium start-up
included). The machine is shared, so wall times drift with its load (printed too); ratios and
CPU times much less. The last lines time the PDF and the DOCX together against the goal of 5 s:
as the reports page's download buttons build them (`bulletin_file`, both formats in one
render, the second click served from its cache) and as `python -m etl report` builds them
(one fresh process writing both, imports included); and the final evaluation report, which
shares the renderers.
"""

import argparse
import datetime as dt
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpi.outputs import (  # noqa: E402
    bulletin,
    bulletin_render,
    charts,
    docx_render,
    final_report,
    pdf_render,
)
from kpi.outputs.chart_images import figures_to_images  # noqa: E402
from kpi.outputs.document import Bulletin  # noqa: E402
from kpi.store import db  # noqa: E402

PLAN = "zhanjiang-dt-2023"
GOAL_SECONDS = 5.0  # PDF + DOCX together (issue 14)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # chromium, once it has exited
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, float]:
    """(best wall time, CPU time of that run)."""
    runs = []
    for _ in range(repeat):
        cpu, start = _cpu(), time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start, _cpu() - cpu))
    return min(runs)


def bare_pdf() -> bytes:
    one = Bulletin("通报", "副标题", dt.date(2026, 1, 1), summary_paragraphs=["一段文字。"])
    return pdf_render.render_pdf(one, images=[])


def one_figure_png() -> list[bytes]:
    line = go.Scatter(x=["2025Q1", "2025Q2", "2025Q3"], y=[1.0, 3.0, 4.0])
    return figures_to_images([charts.base_layout(go.Figure(line), height=200)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2025Q4")
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpi-report-"))
    path = work / "demo.duckdb"
    db.ensure_database(path, with_demo=True)
    load_before = os.getloadavg()[0]

    # Warm-up: imports (weasyprint, kaleido) and font caches are start-up cost, timed at the end.
    b = bulletin.build_bulletin(path, PLAN, args.as_of, args.lang)
    figs = [f.figure for f in b.figures()]
    images = figures_to_images(figs)
    pdf_render.render_pdf(b, images=images)
    bare_pdf()

    base_pdf, _ = best_of(args.repeat, bare_pdf)
    base_png, _ = best_of(args.repeat, one_figure_png)
    steps = [
        (
            "build_bulletin (read, tables, charts)",
            lambda: bulletin.build_bulletin(path, PLAN, args.as_of, args.lang),
        ),
        (f"image export of {len(figs)} charts (cold)", lambda: figures_to_images(figs)),
        ("render_pdf (images given)", lambda: pdf_render.render_pdf(b, images=images)),
        ("render_docx (images given)", lambda: docx_render.render_docx(b, images=images)),
        ("render_both (image export included)", lambda: bulletin_render.render_both(b)),
        (
            "bulletin_files: pdf + docx, all of it",
            lambda: bulletin.bulletin_files(path, PLAN, args.as_of, args.lang),
        ),
    ]
    print(f"as of {args.as_of}, {args.lang}: {len(figs)} charts; best of {args.repeat}")
    print(f"{'step':<40} {'wall s':>7} {'cpu s':>6} {'x bare pdf':>11} {'x 1 png':>8}")
    print(
        f"{'baseline: bare WeasyPrint page':<40} {base_pdf:>7.2f} {'':>6} {1:>11.1f} "
        f"{base_pdf / base_png:>8.2f}"
    )
    print(
        f"{'baseline: one chart via kaleido (cold)':<40} {base_png:>7.2f} {'':>6} "
        f"{base_png / base_pdf:>11.1f} {1:>8.2f}"
    )

    def row(name: str, wall: float, cpu: float, goal: bool = False) -> None:
        verdict = "within" if wall <= GOAL_SECONDS else "OVER"
        print(
            f"{name:<40} {wall:>7.2f} {cpu:>6.2f} {wall / base_pdf:>11.1f} {wall / base_png:>8.2f}"
            + (f"   {verdict} the {GOAL_SECONDS:g} s goal" if goal else "")
        )

    for name, fn in steps:
        row(name, *best_of(args.repeat, fn))

    versions = itertools.count()  # a new store version each run: nothing comes from the cache

    def download_buttons() -> None:
        version = ("bench", next(versions))
        for fmt in bulletin_render.FORMATS:
            bulletin.bulletin_file(str(path), PLAN, args.as_of, args.lang, fmt, version=version)

    def etl_report(*formats: str) -> None:
        cmd = [sys.executable, "-m", "etl", "report", "--db", str(path), "--as-of", args.as_of]
        cmd += ["--lang", args.lang, "--out", *(str(work / f"bulletin.{f}") for f in formats)]
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)

    print(f"PDF + DOCX together, goal {GOAL_SECONDS:g} s:")
    row("download buttons: pdf + docx", *best_of(args.repeat, download_buttons), goal=True)
    row("python -m etl report --out X.pdf", *best_of(args.repeat, lambda: etl_report("pdf")))
    both = best_of(args.repeat, lambda: etl_report("pdf", "docx"))
    row("python -m etl report --out X.pdf X.docx", *both, goal=True)
    row(
        "final report: pdf + docx (no charts)",
        *best_of(args.repeat, lambda: final_report.final_files(path, PLAN, args.as_of, args.lang)),
    )
    print(
        f"load average (1 min) on {os.cpu_count()} CPUs: {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

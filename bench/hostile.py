"""Run `etl load` on a corpus of hostile files and print what each one cost.

    python bench/hostile.py [--only NAME ...] [--keep]

Generates every hostile input of issue 10 (reading and values) in a temporary folder, loads each
into its own copy of a fresh store in a child process (`python -m etl load FILE --db COPY
--json`), and prints a Markdown table: the exit code, whether the file was refused (and the first
error), whether the store's figures and batches are unchanged, the child's peak memory (its
rusage from os.wait4) and wall time. Children run under an address-space limit so a runaway case
fails instead of taking the machine.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import hostile_files  # noqa: E402  (tests/: the same hostile workbooks the tests use)
from hostile_files import billion_laughs, workbook  # noqa: E402

TIMEOUT_SECONDS = 180
CHILD_ADDRESS_SPACE = 8 * 2**30
HEADER = "指标代码,期间,行业,区县,数值,单位"


@dataclass
class Case:
    name: str
    expected: str  # "load" or "refuse: <what>"
    make: Callable[[Path], Path]  # writes the file into a folder, returns its path


def csv_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding))
        return path

    return make


def bytes_file(name: str, produce: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(produce())
        return path

    return make


def one_row(code: str, period: str, value: str, unit: str = "", sector: str = "") -> str:
    return f"{HEADER}\n{code},{period},{sector},,{value},{unit}\n"


def zip_bomb(unpacked_mb: int) -> bytes:
    """A template-headed workbook whose sheet inflates about 1000:1 to `unpacked_mb` MB."""
    row = b'<row><c t="inlineStr"><is><t>base_stations_5g</t></is></c><c><v>17500</v></c></row>'
    return hostile_files.zip_bomb(unpacked_mb, HEADER.split(","), row)


def sparse_gigabyte(folder: Path) -> Path:
    path = folder / "gigabyte.csv"
    with open(path, "wb") as f:
        f.truncate(2**30)
    return path


def near_limit_rows(rows: int, line: str) -> Callable[[], bytes]:
    return lambda: ("a,b\n" + line * rows).encode()


def duplicate_rows_at_the_limit() -> bytes:
    """19 MB of valid rows, all repeating a dozen keys: the whole check runs on every row."""
    row = "base_stations_5g,2025Q3,,,17500,座\n".encode()
    return (HEADER + "\n").encode() + row * (19 * 2**20 // len(row))


def wide_and_long() -> bytes:
    """200 columns (the limit) by as many rows as fit in 19 MB."""
    header = HEADER + "," + ",".join(f"x{i}" for i in range(200 - 6))
    row = ("idc_racks,2025Q3,,,40000,架" + ",1" * (200 - 6) + "\n").encode()
    return (header + "\n").encode() + row * (19 * 2**20 // len(row))


def template_shaped_blank_rows() -> bytes:
    """Two million rows of the template's eight columns, one cell filled: 16M cells in 17 MB."""
    return ("指标代码,指标名称,期间,行业,区县,数值,单位,备注\n" + "a,,,,,,,\n" * 1_999_999).encode()


def title_line_and_many_rows() -> bytes:
    """A title line above 1.25M six-column rows (7.5M cells): read by the fast reader."""
    return ("2025年数据\n" + HEADER + "\n" + "a,b,c,d,e,f\n" * 1_250_000).encode()


def ragged_rows() -> bytes:
    """A note line below the header, then 1.5M short rows: only the csv module reads it."""
    return (HEADER + "\n注\n" + "a,b,c\n" * 1_500_000).encode()


def formula_without_value() -> bytes:
    rows = [["指标代码", "期间", "数值"], ["idc_racks", "2025Q3", "=20000*2"]]
    return workbook(("Sheet1", rows))


GOOD = one_row("base_stations_5g", "2025Q3", "17500")
GOOD_TWO = GOOD + "idc_racks,2025Q3,,,40000,\n"

AT_LIMIT = "19 MB of duplicate rows"  # template-shaped, at the size limit
CASES = [
    Case("valid file (control)", "load", csv_file("valid.csv", GOOD_TWO)),
    Case(
        "period 0001Q1",
        "refuse: period",
        csv_file("p0001.csv", one_row("idc_racks", "0001Q1", "1")),
    ),
    Case(
        "period 1999Q1",
        "refuse: outside plan",
        csv_file("p1999.csv", one_row("idc_racks", "1999Q1", "1")),
    ),
    Case(
        "period 2026Q4",
        "refuse: after plan",
        csv_file("p2026.csv", one_row("idc_racks", "2026Q4", "1")),
    ),
    Case(
        "value 1e309",
        "refuse: not finite",
        csv_file("inf.csv", one_row("base_stations_5g", "2025Q3", "1e309")),
    ),
    Case(
        "value 1e308 万座",
        "refuse: absurd",
        csv_file("e308.csv", one_row("base_stations_5g", "2025Q3", "1e308", "万座")),
    ),
    Case(
        "400-digit value",
        "refuse: absurd",
        csv_file("digits.csv", one_row("idc_racks", "2025Q3", "9" * 400)),
    ),
    Case(
        'value "1,2,3"',
        "refuse: grouping",
        csv_file("grouping.csv", one_row("idc_racks", "2025Q3", '"1,2,3"')),
    ),
    Case(
        "value 1.2.3",
        "refuse: not a number",
        csv_file("dots.csv", one_row("idc_racks", "2025Q3", "1.2.3")),
    ),
    Case(
        "value 0x10",
        "refuse: not a number",
        csv_file("hex.csv", one_row("idc_racks", "2025Q3", "0x10")),
    ),
    Case(
        "sector on public_platform",
        "refuse: breakdown",
        csv_file("sector.csv", one_row("public_platform", "2025Q3", "1", sector="钢铁")),
    ),
    Case(
        "two sheets with data",
        "refuse: sheets",
        bytes_file(
            "two-sheets.xlsx",
            lambda: workbook(
                ("一季度", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q1", 1]]),
                ("二季度", [["指标代码", "期间", "数值"], ["idc_racks", "2025Q2", 2]]),
            ),
        ),
    ),
    Case("UTF-16 with BOM", "load", csv_file("utf16.csv", GOOD_TWO, "utf-16")),
    Case("UTF-16 LE without BOM", "load", csv_file("utf16le.csv", GOOD_TWO, "utf-16-le")),
    Case(
        "UTF-16 tab text (.txt)",
        "load",
        csv_file("unicode.txt", GOOD_TWO.replace(",", "\t"), "utf-16"),
    ),
    Case("UTF-32 with BOM", "load", csv_file("utf32.csv", GOOD_TWO, "utf-32")),
    Case(
        "NUL byte in a cell",
        "refuse: NUL",
        csv_file("nul.csv", GOOD + "idc_racks,2025Q3,,,4\x000,\n"),
    ),
    Case(
        "formula without cached value",
        "refuse: formula",
        bytes_file("formula.xlsx", formula_without_value),
    ),
    Case(
        "one row of 7M columns (14 MB)",
        "refuse: columns",
        bytes_file("wide.csv", lambda: b"1," * 7_000_000),
    ),
    Case(
        "header of 100k columns (200 KB)",
        "refuse: columns",
        bytes_file(
            "header.csv", lambda: (",".join(f"c{i}" for i in range(100_000)) + "\n1\n").encode()
        ),
    ),
    Case(
        "XLSX zip bomb, 1.5 GB unpacked",
        "refuse: unpacked size",
        bytes_file("bomb.xlsx", lambda: zip_bomb(1500)),
    ),
    Case(
        "XLSX member ratio 1000:1 (50 MB)",
        "refuse: ratio",
        bytes_file("ratio.xlsx", lambda: zip_bomb(50)),
    ),
    Case("XLSX billion laughs", "refuse: unreadable", bytes_file("laughs.xlsx", billion_laughs)),
    Case("1 GB file (sparse)", "refuse: size", sparse_gigabyte),
    Case(
        "cell of 128 KB+",
        "refuse: cell length",
        csv_file("cell.csv", GOOD + "idc_racks,2025Q3,,," + "9" * 140_000 + ",\n"),
    ),
    Case(
        "cell of 128 KB+ below a title line",
        "refuse: cell length",
        csv_file("cell-title.csv", "标题\n" + GOOD + "idc_racks,2025Q3,,," + "9" * 140_000 + ",\n"),
    ),
    Case(
        "3M short rows (12 MB)",
        "refuse: rows",
        bytes_file("rows.csv", near_limit_rows(3_000_000, "1,2\n")),
    ),
    Case(
        "1.9M short rows (11 MB)",
        "refuse: header",
        bytes_file("rows19.csv", near_limit_rows(1_900_000, "1,2\n")),
    ),
    Case(
        "2M rows x 8 columns (16M cells)",
        "refuse: cells",
        bytes_file("cells.csv", template_shaped_blank_rows),
    ),
    Case(
        "title line + 1.25M rows (7.5M cells)",
        "refuse: values",
        bytes_file("title.csv", title_line_and_many_rows),
    ),
    Case("ragged 1.5M rows", "refuse: cells", bytes_file("ragged.csv", ragged_rows)),
    Case(
        AT_LIMIT,
        "refuse: duplicates",
        bytes_file("dupes.csv", duplicate_rows_at_the_limit),
    ),
    Case(
        "200 columns x 19 MB (9.6M cells)",
        "refuse: cells",
        bytes_file("wide-long.csv", wide_and_long),
    ),
]


def counts(store: Path) -> tuple[int, int]:
    """Rows of figures and batches: a refused file must leave both as they were."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        return tuple(
            con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("figures", "batches")
        )
    finally:
        con.close()


def limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))


def run_case(case: Case, folder: Path, fresh: Path) -> dict:
    path = case.make(folder)
    store = folder / f"{path.stem}.duckdb"
    shutil.copy(fresh, store)
    before = counts(store)
    out_path = folder / f"{path.stem}.out"
    command = [sys.executable, "-m", "etl", "load", str(path), "--db", str(store), "--json"]
    start = time.perf_counter()
    with open(out_path, "wb") as out, open(folder / f"{path.stem}.err", "wb") as err:
        child = subprocess.Popen(
            command, cwd=REPO, stdout=out, stderr=err, env=child_env(), preexec_fn=limit_child
        )
        deadline = start + TIMEOUT_SECONDS
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
            time.sleep(0.02)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    refused = "no"
    try:
        report = json.loads(out_path.read_text(encoding="utf-8"))
        errors = [
            p["code"] for f in report["files"] for p in f["problems"] if p["severity"] == "error"
        ]
        if not report["ok"]:
            refused = f"yes ({errors[0]})" if errors else "yes (warnings)"
    except (json.JSONDecodeError, KeyError, IndexError):
        tail = (folder / f"{path.stem}.err").read_text(encoding="utf-8", errors="replace").strip()
        refused = f"crash: {tail.splitlines()[-1][:60]}" if tail else "no output"
    unchanged = counts(store) == before
    path.unlink()
    store.unlink()
    return {
        "case": case.name,
        "expected": case.expected,
        "exit": code,
        "refused": refused,
        "unchanged": "yes" if unchanged else "no",
        "peak_mb": usage.ru_maxrss / 1024,
        "seconds": seconds,
    }


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KPI_MAX_UPLOAD_MB", None)  # the limits a server runs with
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="run the cases whose name contains one of these")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    cases = [
        c for c in CASES if not args.only or any(o.lower() in c.name.lower() for o in args.only)
    ]

    folder = Path(tempfile.mkdtemp(prefix="kpi-hostile-"))
    fresh = folder / "fresh.duckdb"
    subprocess.run(
        [sys.executable, "-m", "etl", "init", "--db", str(fresh)],
        cwd=REPO,
        env=child_env(),
        check=True,
        capture_output=True,
    )
    print("| case | expected | exit code | refused? | store unchanged? | peak MB | seconds |")
    print("|---|---|---|---|---|---|---|")
    results = []
    for case in cases:
        r = run_case(case, folder, fresh)
        results.append(r)
        print(
            f"| {r['case']} | {r['expected']} | {r['exit']} | {r['refused']} | {r['unchanged']} "
            f"| {r['peak_mb']:.0f} | {r['seconds']:.1f} |",
            flush=True,
        )
    # The baseline: what a template-shaped file at the size limit costs to read and check.
    at_limit = next((r for r in results if r["case"] == AT_LIMIT), None)
    if at_limit:
        others = [r for r in results if r is not at_limit]
        worst = max(others, key=lambda r: r["peak_mb"], default=at_limit)
        print(
            f"\nbaseline ({AT_LIMIT}): {at_limit['peak_mb']:.0f} MB, {at_limit['seconds']:.1f} s; "
            f"worst other case: {worst['peak_mb']:.0f} MB "
            f"({worst['peak_mb'] - at_limit['peak_mb']:+.0f} MB, {worst['case']})"
        )
    hostile = [r for r in results if r["expected"] != "load"]
    refused = [r for r in hostile if r["refused"].startswith("yes") and r["unchanged"] == "yes"]
    print(
        f"\n{len(hostile)} hostile inputs, {len(refused)} refused with the store unchanged; "
        f"peak {max(r['peak_mb'] for r in results):.0f} MB, "
        f"slowest {max(r['seconds'] for r in results):.1f} s"
    )
    if args.keep:
        print(f"files in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

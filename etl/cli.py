"""`python -m etl`: load targets and progress figures into DuckDB and get them out again.

Exit codes: 0 done, 1 refused (the input has errors, the store is busy or cannot be opened, the
disk is full, an account rule: nothing written), 2 usage error (also: --db in a folder that does
not exist, except for `init`; a --db that does not exist, for a command that only reads), 141
the reader of stdout went away (`... | head -1`), as for a tool ended by SIGPIPE. Anything else
is a bug and ends with its traceback.

Text printed as CSV or JSON is formula-safe: a cell a spreadsheet would run as a formula gets a
leading apostrophe, as in the page downloads; `--raw` prints the stored text unchanged.
"""

import argparse
import contextlib
import errno
import json
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd

from etl import users
from kpi.base import config, i18n, periods
from kpi.base.errors import DatabaseBusy, InputRejected, KpiError
from kpi.measure import alerts, assessment
from kpi.store import db, demo, ingest, loads, plan_import, queries, reference, review
from kpi.store.db import connect, ensure_database
from kpi.store.validation import Problem

# EXCEL_MODULES: the modules that write workbooks (exports, fullexport, plan_template,
# upload_template) import openpyxl, 0.12 s of every command's start; only the commands that write
# a workbook or CSV import them.

# What a shell reports for a tool ended by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141
# DuckDB reports a full disk in the text of its error (an IOException, or a TransactionException
# when the commit cannot write its log); this is the operating system's wording it passes on.
_DISK_FULL_TEXT = os.strerror(errno.ENOSPC)
# DuckDB's files carry this magic after an 8-byte checksum (its storage format's main header).
# Given another file, DuckDB may open an empty in-memory store instead, or refuse it only later.
_DUCKDB_MAGIC = (8, b"DUCK")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = check_db_path(args)
        if code is None:
            code = args.handler(args)
            sys.stdout.flush()  # so a closed pipe shows here, not as a message at exit
        return code
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except KpiError as err:
        print(f"{i18n.both('cli.error')}: {err.message_zh} / {err.message_en}", file=sys.stderr)
        if isinstance(err, DatabaseBusy):  # which file, how long, what to do
            path = config.db_path(getattr(args, "db", None))
            seconds = f"{config.LOCK_WAIT_SECONDS:g}"
            print(i18n.both("cli.busy", path=path, seconds=seconds), file=sys.stderr)
    except OSError as err:  # the machine's, not ours: a file that cannot be read or written
        fail("cli.disk_full" if err.errno == errno.ENOSPC else "cli.file_error", detail=err)
    except duckdb.Error as err:
        if _DISK_FULL_TEXT in str(err):
            fail("cli.disk_full", detail=err)
        elif isinstance(err, duckdb.IOException):  # not a DuckDB file, unreadable, ...
            fail("cli.store_unreadable", path=config.db_path(getattr(args, "db", None)), detail=err)
        else:
            raise
    return 1


def fail(key: str, **params) -> None:
    """Print a refusal in both languages on stderr."""
    print(f"{i18n.both('cli.error')}: {i18n.both(key, **params)}", file=sys.stderr)


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not complain again."""
    with contextlib.suppress(OSError, ValueError):  # stdout is not a file (a test capturing it)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


# Commands that only read the store: on a store that does not exist they would read a new, empty
# one (a mistyped --db gave a bulletin of grey lights), so they are refused instead.
READ_ONLY_COMMANDS = frozenset({"export", "export-all", "history", "status", "report", "template"})


def check_db_path(args: argparse.Namespace) -> int | None:
    """Refuse a --db (or $KPI_DB) that is a folder or another kind of file (exit 1), lies in a
    folder that does not exist, or does not exist for a command that only reads (exit 2).

    Only `init` creates a new store in a new folder, and only a command that writes creates one
    in a folder that exists: elsewhere a mistyped path would quietly start an empty store. The
    embedded default store is created on first use by any command. Returns the exit code, or
    None to go on.
    """
    if not hasattr(args, "db"):  # `etl users`
        return None
    path = config.db_path(args.db)
    if path.is_dir():
        raise InputRejected("cli.db_is_folder", path=path)
    if not is_duckdb_file(path):
        raise InputRejected("cli.not_a_store", path=path)
    if not path.parent.is_dir() and args.command != "init":
        fail("cli.db_folder_missing", path=path, folder=path.parent)
        return 2
    if args.command in READ_ONLY_COMMANDS and not path.exists() and not config.is_default_db(path):
        fail("cli.db_missing", path=path)
        return 2
    return None


def is_duckdb_file(path: Path) -> bool:
    """True unless `path` is a file without DuckDB's magic (a missing one becomes a new store)."""
    if not path.is_file():
        return True
    offset, magic = _DUCKDB_MAGIC
    with path.open("rb") as file:
        return file.read(offset + len(magic))[offset:] == magic


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_key: str) -> argparse.ArgumentParser:
        help_text = i18n.both(help_key)
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--db", type=Path, help="database file (default $KPI_DB or data/dashboard.duckdb)"
        )
        sub.set_defaults(handler=handler)
        return sub

    init = command("init", cmd_init, "cli.help.init")
    init.add_argument("--user", default="cli", help="who refreshes (kept in the audit log)")

    load = command("load", cmd_load, "cli.help.load")
    load.add_argument("files", nargs="+", type=Path)
    load.add_argument("--plan", help="plan id (default: $KPI_PLAN or the latest plan)")
    load.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    load.add_argument("--strict", action="store_true", help="treat warnings as errors")
    load.add_argument("--user", default="cli", help="who is loading (kept in history)")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.add_argument(
        "--submit", action="store_true", help="wait for review (etl review) instead of applying"
    )
    load.add_argument(
        "--basis",
        action="append",
        type=_basis_arg,
        default=[],
        metavar="ROW=quarter|cumulative",
        help="how a flagged row's number was meant (this quarter or cumulative); needs --reason",
    )
    load.add_argument("--reason", help="why, for the --basis choices (kept in the audit log)")

    export = command("export", cmd_export, "cli.help.export")
    export.add_argument(
        "what", choices=["targets", "progress", "tasks", "history", "audit", "warnings"]
    )
    export.add_argument("--plan")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--as-of", type=_period_arg, help="YYYYQn: figures up to this quarter")
    export.add_argument("--raw", action="store_true", help=i18n.both("export.help_raw"))

    history = command("history", cmd_history, "cli.help.history")
    history.add_argument("--plan")
    history.add_argument("--json", action="store_true")
    history.add_argument("--raw", action="store_true", help=i18n.both("export.help_raw"))

    rollback = command("rollback", cmd_rollback, "cli.help.rollback")
    rollback.add_argument("batch_id", type=int)
    rollback.add_argument("--user", default="cli")

    template = command("template", cmd_template, "cli.help.template")
    template.add_argument("--plan")
    template.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    template.add_argument("--out", type=Path, help="file to write (default: stdout for csv)")

    status = command("status", cmd_status, "cli.help.status")
    status.add_argument("--plan")
    status.add_argument("--as-of", type=_period_arg, help="YYYYQn (default: latest with data)")
    status.add_argument("--format", choices=["csv", "json"], default="csv")
    status.add_argument("--raw", action="store_true", help=i18n.both("export.help_raw"))

    report = command("report", cmd_report, "cli.help.report")
    report.add_argument("--plan")
    report.add_argument(
        "--kind",
        choices=["bulletin", "final"],
        default="bulletin",
        help="bulletin (quarterly) or final (the final evaluation, at the plan's end quarter)",
    )
    report.add_argument(
        "--as-of", type=_period_arg, help="YYYYQn (default: latest with data; final: plan end)"
    )
    report.add_argument("--format", choices=["pdf", "docx"], help="default: the --out suffix")
    report.add_argument("--lang", choices=["zh", "en"], default="zh")
    report.add_argument(
        "--out",
        type=Path,
        nargs="+",
        required=True,
        help="file(s) to write: X.pdf X.docx builds both at once (the charts drawn once)",
    )

    export_all = command("export-all", cmd_export_all, "cli.help.export_all")
    export_all.add_argument("--plan")
    export_all.add_argument("--format", choices=["xlsx", "zip"], help="default: the --out suffix")
    export_all.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help=i18n.both("export.help_lang")
    )
    export_all.add_argument(
        "--headers",
        choices=("names", "codes"),  # kpi.outputs.fullexport.HEADERS
        default="names",
        help=i18n.both("export.help_headers"),
    )
    export_all.add_argument("--raw", action="store_true", help=i18n.both("export.help_raw"))
    export_all.add_argument("--out", type=Path, required=True, help="file to write")

    review_cmd = command("review", cmd_review, "review.help")
    review_actions = review_cmd.add_subparsers(dest="review_action", required=True)
    review_list = _review_action(review_actions, "list", "review.help_list")
    review_list.add_argument("--plan")
    review_list.add_argument("--json", action="store_true")
    review_list.add_argument("--raw", action="store_true", help=i18n.both("export.help_raw"))
    review_approve = _review_action(review_actions, "approve", "review.help_approve")
    review_approve.add_argument("batch_id", type=int)
    review_approve.add_argument("--user", default="cli", help="who reviews (kept in the audit)")
    review_reject = _review_action(review_actions, "reject", "review.help_reject")
    review_reject.add_argument("batch_id", type=int)
    review_reject.add_argument("--reason", required=True, help="why (the clerk sees it)")
    review_reject.add_argument("--user", default="cli", help="who reviews (kept in the audit)")

    demo_cmd = command("demo", cmd_demo, "cli.help.demo")
    demo_cmd.add_argument("action", choices=["load", "remove"])

    plan_cmd = command("plan", cmd_plan, "plans.help")
    plan_actions = plan_cmd.add_subparsers(dest="plan_action", required=True)
    plan_template_cmd = _review_action(plan_actions, "template", "plans.help_template")
    plan_template_cmd.add_argument("--out", type=Path, required=True, help="workbook to write")
    plan_template_cmd.add_argument("--plan", help="fill it with this stored plan's rows")
    plan_template_cmd.add_argument("--lang", choices=["zh", "en"], default="zh")
    plan_import_cmd = _review_action(plan_actions, "import", "plans.help_import")
    plan_import_cmd.add_argument("source", type=Path, help="a .xlsx, a plan folder or its .zip")
    plan_import_cmd.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    plan_import_cmd.add_argument("--user", default="cli", help="who imports (kept in the audit)")
    plan_import_cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    plan_list_cmd = _review_action(plan_actions, "list", "plans.help_list")
    plan_list_cmd.add_argument("--json", action="store_true")

    users_cmd = commands.add_parser("users", help=i18n.both("cli.help.users"))
    users_cmd.set_defaults(handler=users.run)
    users.add_commands(users_cmd)
    return parser


def _review_action(actions, name: str, help_key: str) -> argparse.ArgumentParser:
    """`etl review <name>`; --db is accepted after the action too (`etl review list --db X`)."""
    help_text = i18n.both(help_key)
    sub = actions.add_parser(name, help=help_text, description=help_text)
    sub.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    return sub


def _basis_arg(text: str) -> tuple[int, str]:
    """'7=cumulative' -> (7, 'cumulative')."""
    row, _, choice = text.partition("=")
    if not row.strip().isdigit() or choice.strip() not in ("quarter", "cumulative"):
        raise argparse.ArgumentTypeError(i18n.both("review.bad_basis_arg", text=text))
    return int(row), choice.strip()


def _period_arg(text: str) -> str:
    try:
        return periods.parse_period(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(i18n.both("cli.not_a_quarter", text=text)) from err


def cmd_init(args: argparse.Namespace) -> int:
    path = config.db_path(args.db)
    existed = path.exists()
    ensure_database(path)
    with connect(path) as con:
        if existed:  # a refresh: its changes are audited
            plan_ids = reference.load_all_plans(con, user_name=args.user, role="cli")
        else:
            plan_ids = queries.plans(con)["plan_id"]
    done = "cli.refreshed" if existed else "cli.created"
    print(i18n.both(done, path=path, plans=", ".join(plan_ids)))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"{i18n.both('cli.no_such_file')}: {', '.join(missing)}", file=sys.stderr)
        return 2
    reason = (args.reason or "").strip()
    if args.basis and not reason:
        fail("review.basis_needs_reason")
        return 2
    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
    result = loads.load_files(
        args.files,
        db=args.db,
        plan_id=plan_id,
        user_name=args.user,
        dry_run=args.dry_run,
        strict=args.strict,
        submit=args.submit,
        basis_choices={row: (choice, reason) for row, choice in args.basis} or None,
    )
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print_load_report(result)
    return 0 if result.ok else 1


def print_load_report(result: loads.LoadResult) -> None:
    for check in result.checks:
        summary = check.summary()
        print(f"{summary['file']}: {i18n.both('cli.load_summary', **summary)}")
        for problem in check.checked.problems:
            print("  " + " / ".join(problem_line(problem, lang) for lang in i18n.LANGS))
    if not result.ok:
        print(i18n.both("cli.nothing_written"))
    elif result.dry_run:
        print(i18n.both("cli.dry_run_passed"))
    elif result.submitted:
        print(i18n.both("review.submitted", batch=", ".join(map(str, result.batch_ids))))
    else:
        print(i18n.both("cli.loaded", batches=", ".join(map(str, result.batch_ids))))


def problem_line(problem: Problem, lang: str) -> str:
    """'[错误] 第 3 行 数值 值“-5”: <message>' in one language."""
    if problem.row:
        where = i18n.t("cli.row", lang, row=problem.row)
    else:
        where = i18n.t("intake.whole_file", lang)
    severity = i18n.t(f"severity.{problem.severity}", lang)
    parts = [f"[{severity}]", where, problem.column_name(lang)]
    if problem.value not in (None, ""):
        parts.append(i18n.t("cli.cell_value", lang, value=problem.value))
    return " ".join(part for part in parts if part) + f": {problem.message(lang)}"


def cmd_export(args: argparse.Namespace) -> int:
    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
        as_of = args.as_of or "9999Q4"
        frame = {
            "targets": lambda: export_targets(con, plan_id),
            "progress": lambda: queries.progress_export(con, plan_id, as_of),
            "tasks": lambda: queries.tasks(con, plan_id)[
                [
                    "group_no",
                    "group_name_zh",
                    "subtask_no",
                    "text_zh",
                    "units",
                    "group_name_en",
                    "text_en",
                    "sector_code",
                ]
            ],
            # with the before/after figures each batch's audit entry recorded
            "history": lambda: queries.batch_history_export(con, plan_id),
            "audit": lambda: queries.audit_log(con),
            # 预警督办清单 at --as-of (default: the latest quarter with data), then the units
            # that have not reported a quarter past its due date
            "warnings": lambda: alerts.export_from_store(
                con, plan_id, args.as_of or assessment.default_as_of(con, plan_id)
            ),
        }[args.what]()
    write_frame(frame, args.format, raw=args.raw)
    return 0


def export_targets(con, plan_id: str) -> pd.DataFrame:
    """Targets in the documented export layout (sector null for city-wide)."""
    names = queries.indicators(con, plan_id).set_index("indicator_code")["name_zh"]
    targets = queries.targets(con, plan_id)
    return pd.DataFrame(
        {
            "indicator_code": targets["indicator_code"],
            "indicator_name_zh": targets["indicator_code"].map(names),
            "unit": targets["indicator_code"].map(
                queries.indicators(con, plan_id).set_index("indicator_code")["unit"]
            ),
            "sector": targets["sector_code"],
            "year": targets["year"],
            "value": targets["value"],
            "source_doc": targets["doc_no"].fillna("")
            + " "
            + targets["source_title_zh"].fillna(""),
            "source_ref": targets["source_ref"],
            "is_default": targets["is_default"],
            "comparator": targets["comparator"],
            "value_as_written": targets["value_as_written"],
            "unit_as_written": targets["unit_as_written"],
            "note": targets["note"],
            # `value` is the value in force; these say when an admin edit replaced the cited one
            "source_value": targets["source_value"],
            "edited_value": targets["edited_value"],
            "edit_reason": targets["edit_reason"],
            "edited_by": targets["edited_by"],
        }
    )


def write_frame(frame: pd.DataFrame, fmt: str, *, raw: bool = False) -> None:
    """Print as JSON (values as stored: read by programs, never run by a spreadsheet) or CSV
    (text cells formula-safe, exports.neutralise_formula, unless raw)."""
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        for record, units in zip(records, frame.get("units", [None] * len(frame)), strict=True):
            if units is not None:
                record["units"] = list(units)
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        from kpi.outputs import exports  # see EXCEL_MODULES

        out = frame.copy()
        if "units" in out:
            out["units"] = out["units"].map(lambda units: "、".join(units))
        (out if raw else exports.neutralised_frame(out)).to_csv(sys.stdout, index=False)


def cmd_history(args: argparse.Namespace) -> int:
    with db.read(args.db) as con:
        frame = queries.batches(con, ingest.default_plan_id(con, args.plan))
    if args.json:
        write_frame(frame, "json", raw=args.raw)
    else:
        print(frame.to_string(index=False) if not frame.empty else i18n.both("cli.no_batches"))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        result = ingest.rollback(con, args.batch_id, user_name=args.user, role="cli")
    print(
        i18n.both(
            "upload.rolled_back",
            batch=result.batch_id,
            rollback=result.rollback_batch_id,
            restored=result.restored,
            retired=result.retired,
        )
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from kpi.outputs import upload_template  # see EXCEL_MODULES

    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
        content = upload_template.upload_template(con, plan_id, args.format)
    if args.out:
        args.out.write_bytes(content)
        print(i18n.both("cli.wrote", path=args.out))
    elif args.format == "xlsx":
        print(i18n.both("cli.xlsx_needs_out"), file=sys.stderr)
        return 2
    else:
        sys.stdout.buffer.write(content)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
        as_of = args.as_of or assessment.default_as_of(con, plan_id)
        frame = assessment.indicator_status(con, plan_id, as_of)
        pending = review.pending_count(con, plan_id)
    write_frame(frame[assessment.STATUS_COLUMNS], args.format, raw=args.raw)
    if pending:  # on stderr: stdout stays the table a script reads
        print(i18n.both("review.pending_caption", n=pending), file=sys.stderr)
    return 0


def _out_format(given: str | None, out: Path, choices: tuple[str, ...]) -> str | None:
    """--format, else the suffix of `out`; None (after saying why) when neither works."""
    fmt = given or out.suffix.lower().lstrip(".")
    if fmt not in choices:
        needed = i18n.both("cli.format_needed", formats="|".join(choices), path=out)
        print(needed, file=sys.stderr)
        return None
    if not out.parent.is_dir():
        print(f"{i18n.both('cli.no_such_folder')}: {out.parent}", file=sys.stderr)
        return None
    return fmt


def cmd_report(args: argparse.Namespace) -> int:
    from kpi.outputs import chart_images

    # --format names the format of one file; several files are known by their suffixes.
    given = args.format if len(args.out) == 1 else None
    outs = {out: _out_format(given, out, ("pdf", "docx")) for out in args.out}
    if None in outs.values():
        return 2
    formats = tuple(dict.fromkeys(outs.values()))
    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
        plan = queries.plan(con, plan_id)
        as_of = args.as_of or assessment.default_as_of(con, plan_id)
        has_figures = queries.has_figures(con, plan_id, as_of)
    path = config.db_path(args.db)
    if args.kind == "final":
        from kpi.outputs import final_report  # tables only: no chromium

        as_of = final_report.report_as_of(plan, args.as_of)
        files = final_report.final_files(path, plan_id, as_of, args.lang, formats=formats)
        return _wrote_report(args, outs, files, plan_id, as_of)
    # Chromium (for the charts) takes seconds to start: it was started before the imports
    # (etl/__main__.py), else it starts now, and the rest is imported and read meanwhile.
    # one_batch: chromium closes (~0.5 s) while the files are written, not after.
    exporter = chart_images.take_early()
    if exporter is not None and not has_figures:
        exporter.close_in_background()
        exporter = None
    elif exporter is None and has_figures:
        exporter = chart_images.ChartExporter(one_batch=True)
    with exporter or contextlib.nullcontext():
        from kpi.outputs import bulletin  # plotly and WeasyPrint: ~1 s, while chromium starts

        # The store is read on its own short connection, closed before the slow rendering.
        files = bulletin.bulletin_files(
            path, plan_id, as_of, args.lang, formats=formats, exporter=exporter
        )
    return _wrote_report(args, outs, files, plan_id, as_of)


def _wrote_report(
    args: argparse.Namespace,
    outs: dict[Path, str],
    files: dict[str, bytes],
    plan_id: str,
    as_of: str,
) -> int:
    for out, fmt in outs.items():
        out.write_bytes(files[fmt])
        wrote = i18n.both(
            "cli.wrote_report", path=out, plan=plan_id, as_of=as_of, language=args.lang
        )
        print(wrote)
    return 0


def cmd_export_all(args: argparse.Namespace) -> int:
    fmt = _out_format(args.format, args.out, ("xlsx", "zip"))
    if fmt is None:
        return 2
    with db.read(args.db) as con:
        plan_id = ingest.default_plan_id(con, args.plan)
    from kpi.outputs import fullexport  # see EXCEL_MODULES

    # Written piece by piece: memory stays bounded however many evidence files there are.
    fullexport.export_to_file(
        config.db_path(args.db),
        plan_id,
        fmt,
        args.out,
        args.lang,
        headers=args.headers,
        raw=args.raw,
    )
    print(i18n.both("cli.wrote_export", path=args.out, plan=plan_id))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """`etl review list | approve BATCH | reject BATCH --reason TEXT`: IT reviews as role 'cli',
    audited under --user."""
    if args.review_action == "list":
        with db.read(args.db) as con:
            frame = queries.submissions(con, ingest.default_plan_id(con, args.plan))
        if args.json:
            write_frame(frame, "json", raw=args.raw)
        elif frame.empty:
            print(i18n.both("review.cli_none"))
        else:
            print(frame[REVIEW_LIST_COLUMNS].to_string(index=False))
        return 0
    with connect(args.db) as con:
        if args.review_action == "approve":
            done = review.approve_batch(con, args.batch_id, user_name=args.user, role="cli")
            print(
                i18n.both(
                    "review.cli_approved",
                    batch=done.batch_id,
                    n=done.figures_written,
                    superseded=done.figures_superseded,
                )
            )
        else:
            review.return_batch(con, args.batch_id, args.reason, user_name=args.user, role="cli")
            print(i18n.both("review.cli_returned", batch=args.batch_id))
    return 0


REVIEW_LIST_COLUMNS = [
    "batch_id",
    "review_state",
    "unit_zh",
    "user_name",
    "entry",
    "loaded_at",
    "row_count",
    "reviewed_by",
    "review_reason",
    "resubmits",
]


def cmd_demo(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        if args.action == "remove":
            counts = demo.remove_demo(con)
            print(f"{i18n.both('cli.demo_removed')}: {counts}")
        else:
            batch_ids = demo.load_demo(con)
            print(i18n.both("cli.demo_loaded", batches=batch_ids))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """`etl plan template --out FILE | import FILE-or-FOLDER [--dry-run] | list`."""
    if args.plan_action == "template":
        from kpi.outputs import plan_template  # see EXCEL_MODULES

        tables = None
        if args.plan:
            with db.read(args.db) as con:
                tables = plan_import.stored_tables(con, ingest.default_plan_id(con, args.plan))
        args.out.write_bytes(plan_template.template_workbook(tables, args.lang))
        print(i18n.both("plans.cli_wrote_template", path=args.out))
        return 0
    if args.plan_action == "list":
        with db.read(args.db) as con:
            frame = plan_import.plan_list(con)
        if args.json:
            write_frame(frame, "json")
        else:
            shown = frame.astype(object).where(frame.notna(), "")  # an undated draft: no NaT
            print(shown.to_string(index=False) if not frame.empty else i18n.both("plans.cli_none"))
        return 0
    if not args.source.exists():
        fail("plans.cli_no_source", path=args.source)
        return 2
    raw = plan_import.read_source(args.source)
    if args.dry_run:
        with db.read(args.db) as con:
            result = reference.import_plan(con, raw, dry_run=True)
    else:
        with connect(args.db) as con:
            result = reference.import_plan(con, raw, user_name=args.user)
    if args.json:
        report = {
            "source": result.source,
            "plan_id": result.plan_id,
            "ok": result.ok,
            "written": result.written,
            "problems": [p.as_dict() for p in result.problems],
            "changes": result.counts(),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print_plan_report(result)
    return 0 if result.ok else 1


def print_plan_report(result: reference.PlanImport) -> None:
    """What `etl plan import` found, and what it wrote or would write, in both languages."""
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    plan = result.plan_id or "?"
    print(
        i18n.both(
            "plans.cli_checked", source=result.source, plan=plan, errors=errors, warnings=warnings
        )
    )
    for problem in result.problems:
        print("  " + " / ".join(plan_import.problem_line(problem, lang) for lang in i18n.LANGS))
    if not result.ok:
        print(i18n.both("cli.nothing_written"))
        return
    for table, found in result.counts().items():
        print("  " + i18n.both("plans.cli_table_changes", table=table, **found))
    if not result.written:
        print(i18n.both("plans.cli_dry_run"))
    elif result.counts():
        print(i18n.both("plans.cli_imported", plan=plan))
    else:
        print(i18n.both("plans.cli_unchanged", plan=plan))

"""Read a plan's reference tables from a folder of CSVs, a workbook or a zip, and check them.

A plan is the files of data/README.md (plan.csv, indicators.csv, ...); a workbook holds the same
tables one per sheet (kpi.outputs.plan_template writes one). Both are read into frames of text
(`RawPlan`) and go through one set of checks that returns every problem at once, row by row, as
`PlanProblem`s (a validation.Problem that also names its sheet). kpi.store.reference types the
checked tables and writes them; an uploaded workbook is read within the limits of
kpi.store.reading (size, unpacked size, compression ratio, no DTD, rows, columns, cell length).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from kpi.base import config, i18n, periods
from kpi.base.errors import InputRejected
from kpi.store import queries, reading
from kpi.store.validation import Problem, file_problem

COMPARATORS = ("=", ">=", "~", "range")
SEMANTICS = ("level", "new_since_base", "yearly_flow")
BREAKDOWNS = ("sector", "district")
UNIT_KINDS = ("municipal", "county", "other")
_TRUE, _FALSE = ("true", "1", "yes", "y"), ("false", "0", "no", "n", "")
# A plan id ends up in URLs, folder names and file names.
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_MAX_PROBLEMS = 500  # a wrong file lists its first problems, not thousands
_MAX_INTEGER = 10**9  # the store's integer columns hold 32 bits


@dataclass(frozen=True)
class Sheet:
    """One table of a plan: its file, its table, its columns (as typed) and which must be filled."""

    stem: str  # the file name without .csv, and the sheet's machine name
    table: str
    columns: dict[str, str]  # column -> str / int / float / bool / date
    required: tuple[str, ...]  # cells that may not be blank; the other columns may be left out
    needed: bool = False  # a plan cannot do without this table

    @property
    def file(self) -> str:
        return f"{self.stem}.csv"


SHEETS: dict[str, Sheet] = {
    s.stem: s
    for s in (
        Sheet(
            "plan",
            "plans",
            {
                "plan_id": "str",
                "name_zh": "str",
                "name_en": "str",
                "doc_no": "str",
                "issued_on": "date",
                "start_period": "str",
                "end_period": "str",
                "base_period": "str",
                "source_id": "str",
            },
            (
                "plan_id",
                "name_zh",
                "name_en",
                "start_period",
                "end_period",
                "base_period",
                "source_id",
            ),
            needed=True,
        ),
        Sheet(
            "sources",
            "sources",
            {
                "source_id": "str",
                "file": "str",
                "title_zh": "str",
                "title_en": "str",
                "doc_no": "str",
                "issued_on": "date",
            },
            ("source_id", "file", "title_zh", "title_en"),
            needed=True,
        ),
        Sheet(
            "indicators",
            "indicators",
            {
                "indicator_code": "str",
                "category_zh": "str",
                "category_en": "str",
                "name_zh": "str",
                "name_en": "str",
                "unit": "str",
                "unit_en": "str",
                "display_unit": "str",
                "display_unit_en": "str",
                "display_factor": "float",
                "semantics": "str",
                "breakdowns": "str",
                "sort_order": "int",
                "note": "str",
            },
            (
                "indicator_code",
                "category_zh",
                "category_en",
                "name_zh",
                "name_en",
                "unit",
                "unit_en",
                "display_unit",
                "display_unit_en",
                "display_factor",
                "semantics",
                "sort_order",
            ),
            needed=True,
        ),
        Sheet(
            "targets",
            "targets",
            {
                "indicator_code": "str",
                "sector_code": "str",
                "year": "int",
                "period": "str",
                "value": "float",
                "value_as_written": "str",
                "unit_as_written": "str",
                "comparator": "str",
                "source_id": "str",
                "source_ref": "str",
                "is_default": "bool",
                "note": "str",
            },
            (
                "indicator_code",
                "year",
                "period",
                "value",
                "value_as_written",
                "unit_as_written",
                "comparator",
                "source_id",
                "source_ref",
            ),
            needed=True,
        ),
        Sheet(
            "milestones",
            "milestones",
            {
                "indicator_code": "str",
                "sector_code": "str",
                "period": "str",
                "value": "float",
                "source_id": "str",
                "source_ref": "str",
                "note": "str",
            },
            ("indicator_code", "period", "value", "source_id", "source_ref"),
        ),
        Sheet(
            "sectors",
            "sectors",
            {
                "sector_code": "str",
                "name_zh": "str",
                "name_en": "str",
                "aliases": "str",
                "task_group_no": "int",
                "sort_order": "int",
            },
            ("sector_code", "name_zh", "name_en", "sort_order"),
        ),
        Sheet(
            "districts",
            "districts",
            {
                "district_code": "str",
                "name_zh": "str",
                "name_en": "str",
                "aliases": "str",
                "sort_order": "int",
            },
            ("district_code", "name_zh", "name_en", "sort_order"),
        ),
        Sheet(
            "task_groups",
            "task_groups",
            {
                "group_no": "int",
                "name_zh": "str",
                "name_en": "str",
                "sector_code": "str",
                "units_as_written": "str",
                "source_ref": "str",
            },
            ("group_no", "name_zh", "name_en", "units_as_written", "source_ref"),
        ),
        Sheet(
            "subtasks",
            "subtasks",
            {"group_no": "int", "subtask_no": "int", "text_zh": "str", "text_en": "str"},
            ("group_no", "subtask_no", "text_zh", "text_en"),
        ),
        Sheet(
            "responsible_units",
            "responsible_units",
            {"unit_zh": "str", "unit_en": "str", "kind": "str"},
            ("unit_zh", "unit_en", "kind"),
        ),
        Sheet(
            "indicator_tasks",
            "indicator_tasks",
            {"indicator_code": "str", "group_no": "int", "subtask_no": "int", "note": "str"},
            ("indicator_code", "group_no"),
        ),
        Sheet(
            "peers",
            "peer_figures",
            {
                "indicator_code": "str",
                "city_zh": "str",
                "city_en": "str",
                "value": "float",
                "value_as_written": "str",
                "unit_as_written": "str",
                "as_of": "date",
                "source_id": "str",
                "source_ref": "str",
                "note": "str",
            },
            (
                "indicator_code",
                "city_zh",
                "city_en",
                "value",
                "value_as_written",
                "unit_as_written",
                "as_of",
                "source_id",
                "source_ref",
            ),
        ),
    )
}

# Rows that may appear once per plan (the codes other sheets refer to, and the keys a target
# edit names a row by), by table; each table here is also its sheet's stem.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "indicators": ("indicator_code",),
    "sectors": ("sector_code",),
    "districts": ("district_code",),
    "task_groups": ("group_no",),
    "subtasks": ("group_no", "subtask_no"),
    "responsible_units": ("unit_zh",),
    "targets": ("indicator_code", "sector_code", "period", "source_id", "source_ref"),
    "milestones": ("indicator_code", "sector_code", "period", "source_id", "source_ref"),
    "indicator_tasks": ("indicator_code", "group_no", "subtask_no"),
}


@dataclass(frozen=True)
class PlanProblem(Problem):
    """A Problem in one sheet of a plan (`sheet` is the file stem: targets, indicators, ...).

    `row` is the row in the file as Excel or a text editor counts it (the header is row 1),
    `column` the machine column name; messages are `plan_problem.<code>`.
    """

    sheet: str | None = None

    def column_name(self, lang: str = "zh") -> str:
        if self.column in _ALL_COLUMNS:
            return i18n.t(f"plans.col.{self.column}", lang)
        return self.column or ""

    def sheet_name(self, lang: str = "zh") -> str:
        return i18n.t(f"plans.sheet.{self.sheet}", lang) if self.sheet in SHEETS else ""

    def message(self, lang: str = "zh") -> str:
        if self.code in _READING_CODES:  # a limit found by kpi.store.reading
            return super().message(lang)
        key = self.key or f"plan_problem.{self.code}"
        return i18n.t(key, lang, column_name=self.column_name(lang), **self.params)

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, **super().as_dict()}


_ALL_COLUMNS = {column for sheet in SHEETS.values() for column in sheet.columns}
# Problems kpi.store.reading finds (problem.<code>); every other code is plan_problem.<code>.
_READING_CODES = {
    "file_too_large",
    "unreadable_file",
    "bad_encoding",
    "too_many_rows",
    "too_many_columns",
    "too_many_cells",
    "cell_too_long",
    "xlsx_too_large_unpacked",
    "xlsx_compression_ratio",
    "formula_without_value",
}


class PlanRejected(InputRejected):
    """A plan with errors: nothing was written. `problems` lists them all."""

    def __init__(self, problems: list[PlanProblem], source: str) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            "plans.rejected",
            source=source,
            n=len(errors),
            first={lang: problem_line(errors[0], lang) for lang in i18n.LANGS},
        )

    def message(self, lang: str = "zh") -> str:
        params = {**self.params, "first": self.params["first"][lang]}
        return i18n.t(self.key, lang, **params)


def problem_line(problem: PlanProblem, lang: str) -> str:
    """'[错误] 目标值 第 5 行 指标代码 值“x”: <message>' in one language."""
    severity = i18n.t(f"severity.{problem.severity}", lang)
    where = [problem.sheet_name(lang)]
    if problem.row:
        where.append(i18n.t("cli.row", lang, row=problem.row))
    where.append(problem.column_name(lang))
    if problem.value not in (None, ""):
        where.append(i18n.t("cli.cell_value", lang, value=problem.value))
    return f"[{severity}] " + " ".join(w for w in where if w) + f": {problem.message(lang)}"


# ------------------------------------------------------------------ reading


@dataclass
class RawPlan:
    """A plan's tables as text, one frame per sheet stem, with `_row` (the row in the file)."""

    source: str  # the folder or file it was read from, as shown to people
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[PlanProblem] = field(default_factory=list)

    @property
    def plan_id(self) -> str | None:
        plan = self.sheets.get("plan")
        if plan is None or plan.empty or "plan_id" not in plan:
            return None
        return plan["plan_id"].iloc[0] or None


def read_source(path: Path) -> RawPlan:
    """A folder of CSVs, a workbook (.xlsx) or a zip of the CSVs, read from disk."""
    if path.is_dir():
        return read_folder(path)
    return read_upload(path.read_bytes(), path.name, source=str(path))


def read_folder(folder: Path) -> RawPlan:
    """The CSV files of a plan folder (data/plans/<plan_id>/)."""
    files = {path.name: path.read_bytes() for path in folder.glob("*.csv") if path.is_file()}
    return _from_csv_files(files, str(folder))


def read_upload(content: bytes, file_name: str, *, source: str | None = None) -> RawPlan:
    """An uploaded workbook, or a zip of the CSV folder, within the upload limits."""
    raw = RawPlan(source or file_name)
    too_large = reading.size_problem(len(content), config.MAX_UPLOAD_MB * 2**20)
    if too_large:
        raw.problems.append(_as_plan_problem(too_large, None))
        return raw
    if content[:4] != b"PK\x03\x04":
        raw.problems.append(PlanProblem(None, None, None, "not_a_workbook"))
        return raw
    with reading.PARSING:
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            reading.check_members(archive)
            names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                return _read_workbook(content, archive, raw)
            csvs = {
                PurePosixPath(name).name: archive.read(name)
                for name in names
                if name.lower().endswith(".csv") and not name.startswith("__MACOSX")
            }
            return _from_csv_files(csvs, raw.source)
        except reading.Refused as refused:
            raw.problems += [_as_plan_problem(p, None) for p in refused.problems]
        except Exception as err:  # a damaged file is the user's problem to fix, not a crash
            problem = Problem(None, None, None, "unreadable_file", {"error": type(err).__name__})
            raw.problems.append(_as_plan_problem(problem, None))
    return raw


def _as_plan_problem(problem: Problem, sheet: str | None) -> PlanProblem:
    return PlanProblem(
        problem.row,
        problem.column,
        problem.value,
        problem.code,
        problem.params,
        problem.severity,
        problem.key,
        sheet=sheet,
    )


def _from_csv_files(files: dict[str, bytes], source: str) -> RawPlan:
    raw = RawPlan(source)
    for name, content in sorted(files.items()):
        stem = name[:-4]
        if stem not in SHEETS:
            continue  # demo_figures.csv and other files of the folder are not reference data
        try:
            rows = _csv_rows(content)
        except reading.Refused as refused:
            raw.problems += [_as_plan_problem(p, stem) for p in refused.problems]
            continue
        _add_sheet(raw, stem, rows)
    _missing_sheets(raw)
    return raw


def _csv_rows(content: bytes) -> list[list[str]]:
    """A CSV's rows as text (any encoding reading.py accepts), within the row and column limits.

    Read with the csv module, not pandas: an empty file, rows of different lengths and blank
    lines are all read, and a blank line keeps its number, so rows are numbered as in the file.
    """
    too_large = reading.size_problem(len(content), config.MAX_UPLOAD_MB * 2**20)
    if too_large:
        raise reading.Refused(too_large)
    text = reading.decode(content)
    if text.count("\n") > config.MAX_ROWS + 1:
        raise reading.Refused(file_problem("too_many_rows", limit=config.MAX_ROWS))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:  # e.g. a cell beyond the csv module's field limit
        raise reading.Refused(file_problem("unreadable_file", error=str(err))) from err
    for number, row in enumerate(rows, start=1):
        if len(row) > config.MAX_COLUMNS:
            raise reading.Refused(reading.columns_problem(number))
    return rows


def _read_workbook(content: bytes, archive: zipfile.ZipFile, raw: RawPlan) -> RawPlan:
    import openpyxl  # here: most commands that import this module read no workbook (0.12 s)

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        formulas = reading.has_formulas(archive)
        for title in book.sheetnames:
            stem = sheet_stem(title)
            if stem is None:
                if title not in _HELP_TITLES and reading.has_data(book[title]):
                    raw.problems.append(
                        PlanProblem(None, None, title, "unknown_sheet", {"title": title}, "warning")
                    )
                continue
            try:
                rows = reading.sheet_rows(book[title])
            except reading.Refused as refused:
                raw.problems += [_as_plan_problem(p, stem) for p in refused.problems]
                continue
            if rows and formulas:
                try:
                    reading.check_formulas(content, title, rows)
                except reading.Refused as refused:
                    raw.problems += [_as_plan_problem(p, stem) for p in refused.problems]
                    continue
            if stem in raw.sheets:
                raw.problems.append(
                    PlanProblem(None, None, title, "duplicate_sheet", {"title": title}, sheet=stem)
                )
                continue
            _add_sheet(raw, stem, [[reading.cell_text(v) for v in row] for row in rows])
    finally:
        book.close()
    _missing_sheets(raw)
    return raw


def sheet_stem(title: str) -> str | None:
    """The sheet a title names: the machine name, a catalog name, or both ('目标值 targets')."""
    text = " ".join(str(title).split()).lower()
    for stem in SHEETS:
        names = {i18n.t(f"plans.sheet.{stem}", lang).lower() for lang in i18n.LANGS}
        names.add(f"{stem}.csv")
        if text in names or text.split(" ")[-1] == stem:
            return stem
    return None


_HELP_TITLES = {i18n.t("plans.template.help_sheet", lang) for lang in i18n.LANGS}


def header_column(text: str, stem: str) -> str | None:
    """The machine column a header names: 'indicator_code', '指标代码' or both in one cell."""
    words = " ".join(str(text).split())
    columns = SHEETS[stem].columns
    last = words.split(" ")[-1].lower() if words else ""
    if last in columns:
        return last
    for column in columns:
        if words.lower() in {i18n.t(f"plans.col.{column}", lang).lower() for lang in i18n.LANGS}:
            return column
    return None


def _add_sheet(raw: RawPlan, stem: str, rows: list[list[str]]) -> None:
    """Header (the first non-blank row) to machine columns, then the rows below it as text."""
    cells = [[str(c).strip() for c in row] for row in rows]
    filled = [i for i, row in enumerate(cells) if any(row)]
    spec = SHEETS[stem]
    if not filled:
        raw.sheets[stem] = pd.DataFrame(columns=["_row", *spec.columns])
        return
    header_at = filled[0]
    mapping: dict[int, str] = {}
    for index, text in enumerate(cells[header_at]):
        if not text:
            continue
        column = header_column(text, stem)
        if column is None:
            raw.problems.append(
                PlanProblem(
                    header_at + 1,
                    text,
                    None,
                    "unknown_column",
                    {"header": text},
                    "warning",
                    sheet=stem,
                )
            )
        elif column in mapping.values():
            raw.problems.append(
                PlanProblem(
                    header_at + 1, column, text, "duplicate_column", {"header": text}, sheet=stem
                )
            )
        else:
            mapping[index] = column
    missing = [c for c in spec.required if c not in mapping.values()]
    for column in missing:
        raw.problems.append(PlanProblem(header_at + 1, column, None, "missing_column", sheet=stem))
    body = [(i + 1, row) for i, row in enumerate(cells) if i > header_at and any(row)]
    frame = pd.DataFrame(
        {
            "_row": [number for number, _ in body],
            **{
                column: [row[i] if i < len(row) else "" for _, row in body]
                for i, column in mapping.items()
            },
        }
    )
    for column in spec.columns:
        if column not in frame:
            frame[column] = ""
    raw.sheets[stem] = frame[["_row", *spec.columns]]


def _missing_sheets(raw: RawPlan) -> None:
    for stem, spec in SHEETS.items():
        if stem not in raw.sheets:
            raw.sheets[stem] = pd.DataFrame(columns=["_row", *spec.columns])
            if spec.needed:
                raw.problems.append(
                    PlanProblem(
                        None, None, spec.file, "missing_sheet", {"file": spec.file}, sheet=stem
                    )
                )


# ------------------------------------------------------------------ checks


class _Found:
    """Problems in the order found, each cell at most once."""

    def __init__(self) -> None:
        self.items: list[PlanProblem] = []
        self._cells: set[tuple] = set()

    def add(self, sheet: str, row, column: str | None, value, code: str, **params) -> None:
        cell = (sheet, row, column)
        if row is not None and cell in self._cells:
            return  # the first problem of a cell is the one to fix
        self._cells.add(cell)
        shown = None if value is None else str(value)
        self.items.append(PlanProblem(row, column, shown, code, params, sheet=sheet))

    def bad(self, sheet: str, row, column: str) -> bool:
        return (sheet, row, column) in self._cells


def check(raw: RawPlan, conversions: pd.DataFrame) -> list[PlanProblem]:
    """Every problem of a plan read by read_folder / read_upload; the sheets' text is normalised
    in place (periods as YYYYQn, true/false, whole numbers without .0) for typing."""
    if any(p.sheet is None and p.severity == "error" for p in raw.problems):
        return list(raw.problems)  # the file could not be read: no sheets to check
    found = _Found()
    sheets = raw.sheets
    _check_cells(sheets, found)
    plan = _check_plan_row(sheets["plan"], found)
    for table, key in UNIQUE_KEYS.items():
        _check_unique(table, sheets[table], key, found)
    _check_references(sheets, found)
    _check_units(sheets, conversions, found)
    if plan is not None:
        _check_windows(sheets, plan, found)
    _check_defaults(sheets["targets"], found)
    problems = [*raw.problems, *found.items]
    return problems[:_MAX_PROBLEMS]


def _rows(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def _check_cells(sheets: dict[str, pd.DataFrame], found: _Found) -> None:
    """Blank required cells, numbers, dates, periods and the words a column allows."""
    for stem, spec in SHEETS.items():
        frame = sheets[stem]
        for column, kind in spec.columns.items():
            texts = frame[column].tolist()
            for position, (row, text) in enumerate(zip(frame["_row"], texts, strict=True)):
                if text == "":
                    if column in spec.required:
                        source = column in ("source_id", "source_ref")
                        found.add(stem, row, column, None, "missing_source" if source else "blank")
                    continue
                fixed = _normalised(stem, column, kind, text, row, found)
                if fixed is not None:
                    texts[position] = fixed
            frame[column] = texts


def _normalised(stem: str, column: str, kind: str, text: str, row, found: _Found) -> str | None:
    """The cell as typed text (None: unchanged or refused; a refusal is added to `found`)."""
    if kind in ("int", "float"):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            found.add(stem, row, column, text, "not_number")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            found.add(stem, row, column, text, "not_number")
            return None
        if kind == "int":
            if not number.is_integer() or abs(number) >= _MAX_INTEGER:
                found.add(stem, row, column, text, "not_integer")
                return None
            return str(int(number))
        if column == "display_factor" and number <= 0:
            found.add(stem, row, column, text, "bad_factor")
        return repr(number)
    if kind == "bool":
        word = text.lower()
        if word not in _TRUE + _FALSE:
            found.add(stem, row, column, text, "bad_bool")
            return None
        return "true" if word in _TRUE else "false"
    if kind == "date":
        try:
            return date.fromisoformat(text[:10].replace("/", "-")).isoformat()
        except ValueError:
            found.add(stem, row, column, text, "bad_date")
            return None
    if column in ("period", "start_period", "end_period", "base_period"):
        try:
            return periods.parse_period(text)
        except ValueError:
            found.add(stem, row, column, text, "bad_period")
            return None
    allowed = {"comparator": COMPARATORS, "semantics": SEMANTICS, "kind": UNIT_KINDS}.get(column)
    if allowed and text not in allowed:
        found.add(stem, row, column, text, f"bad_{column}", allowed=" ".join(allowed))
    if column == "breakdowns" and not set(text.split("|")) <= set(BREAKDOWNS):
        found.add(stem, row, column, text, "bad_breakdowns", allowed=" ".join(BREAKDOWNS))
    if column == "plan_id" and not _PLAN_ID.fullmatch(text):
        found.add(stem, row, column, text, "bad_plan_id")
    return None


def _check_plan_row(frame: pd.DataFrame, found: _Found) -> dict | None:
    """The plan sheet has one row; returns it (None when it has not)."""
    if len(frame) != 1:
        row = frame["_row"].iloc[1] if len(frame) > 1 else None
        found.add("plan", row, None, None, "plan_rows", n=len(frame))
        return None
    return frame.iloc[0].to_dict()


def _check_unique(stem: str, frame: pd.DataFrame, key: tuple[str, ...], found: _Found) -> None:
    first: dict[tuple, int] = {}
    for row in _rows(frame):
        value = tuple(row[c] for c in key)
        if stem == "responsible_units":
            value = tuple(normalise_unit_name(v) for v in value)
        if not all(value[:1]) or any(found.bad(stem, row["_row"], c) for c in key):
            continue
        if value in first:
            shown = " / ".join(v for v in value if v)
            found.add(
                stem,
                row["_row"],
                key[-1] if len(key) <= 2 else key[0],
                shown,
                "duplicate",
                first=first[value],
            )
        else:
            first[value] = row["_row"]


def _check_references(sheets: dict[str, pd.DataFrame], found: _Found) -> None:
    """Codes that name a row of another sheet must name one that exists."""
    codes = {
        "indicator_code": set(sheets["indicators"]["indicator_code"]) - {""},
        "sector_code": set(sheets["sectors"]["sector_code"]) - {""},
        "source_id": set(sheets["sources"]["source_id"]) - {""},
        "group_no": set(sheets["task_groups"]["group_no"]) - {""},
    }
    codes["task_group_no"] = codes["group_no"]
    subtasks = set(
        zip(sheets["subtasks"]["group_no"], sheets["subtasks"]["subtask_no"], strict=True)
    )
    checks = {
        "plan": ("source_id",),
        "targets": ("indicator_code", "sector_code", "source_id"),
        "milestones": ("indicator_code", "sector_code", "source_id"),
        "peers": ("indicator_code", "source_id"),
        "task_groups": ("sector_code",),
        "sectors": ("task_group_no",),
        "subtasks": ("group_no",),
        "indicator_tasks": ("indicator_code", "group_no"),
    }
    code_names = {
        "indicator_code": "unknown_indicator",
        "sector_code": "unknown_sector",
        "source_id": "unknown_source",
        "group_no": "unknown_group",
        "task_group_no": "unknown_group",
    }
    for stem, columns in checks.items():
        for row in _rows(sheets[stem]):
            for column in columns:
                value = row[column]
                if (
                    value
                    and not found.bad(stem, row["_row"], column)
                    and value not in codes[column]
                ):
                    found.add(stem, row["_row"], column, value, code_names[column])
    for row in _rows(sheets["indicator_tasks"]):
        key = (row["group_no"], row["subtask_no"])
        if row["subtask_no"] and row["group_no"] in codes["group_no"] and key not in subtasks:
            found.add("indicator_tasks", row["_row"], "subtask_no", "-".join(key), "unknown_task")


def _check_units(sheets: dict[str, pd.DataFrame], conversions: pd.DataFrame, found: _Found) -> None:
    """A target's or peer figure's unit is the indicator's unit, its display unit, or one that
    data/unit_conversions.csv converts to the indicator's unit."""
    convertible = set(zip(conversions["from_unit"], conversions["to_unit"], strict=True))
    units = {
        row["indicator_code"]: (row["unit"], row["display_unit"])
        for row in _rows(sheets["indicators"])
    }
    for stem in ("targets", "peers"):
        for row in _rows(sheets[stem]):
            code, written = row["indicator_code"], row["unit_as_written"]
            if code not in units or not written:
                continue
            unit, display = units[code]
            if written not in (unit, display) and (written, unit) not in convertible:
                found.add(
                    stem,
                    row["_row"],
                    "unit_as_written",
                    written,
                    "unknown_unit",
                    unit=unit,
                    indicator=code,
                    written=written,
                )


def _check_windows(sheets: dict[str, pd.DataFrame], plan: dict, found: _Found) -> None:
    """start <= end, base before start; targets inside start..end, milestones inside base..end."""
    row = plan["_row"]
    start, end, base = plan["start_period"], plan["end_period"], plan["base_period"]
    if any(
        found.bad("plan", row, c) or not plan[c]
        for c in ("start_period", "end_period", "base_period")
    ):
        return
    if start > end:
        found.add("plan", row, "end_period", end, "window_order", start=start, end=end)
        return
    if base >= start:
        found.add("plan", row, "base_period", base, "base_not_before_start", start=start)
        return
    for stem, first in (("targets", start), ("milestones", base)):
        for target in _rows(sheets[stem]):
            period = target["period"]
            if (
                period
                and not found.bad(stem, target["_row"], "period")
                and not first <= period <= end
            ):
                found.add(
                    stem,
                    target["_row"],
                    "period",
                    period,
                    "period_outside_window",
                    period=period,
                    first=first,
                    last=end,
                )
    for target in _rows(sheets["targets"]):
        year, period = target["year"], target["period"]
        if (
            year
            and period
            and not found.bad("targets", target["_row"], "year")
            and not found.bad("targets", target["_row"], "period")
            and period[:4] != year
        ):
            found.add("targets", target["_row"], "year", year, "year_mismatch", period=period)


def _check_defaults(frame: pd.DataFrame, found: _Found) -> None:
    """Exactly one default city-wide target per indicator; at most one per indicator and sector."""
    seen: dict[tuple, int] = {}
    for row in _rows(frame):
        if row["is_default"] != "true" or not row["indicator_code"]:
            continue
        key = (row["indicator_code"], row["sector_code"])
        if key in seen:
            found.add(
                "targets",
                row["_row"],
                "is_default",
                row["indicator_code"],
                "default_repeated",
                first=seen[key],
            )
        else:
            seen[key] = row["_row"]
    for code in dict.fromkeys(frame["indicator_code"]):
        if code and (code, "") not in seen:
            rows = frame.loc[frame["indicator_code"] == code, "_row"]
            found.add("targets", int(rows.iloc[0]), "is_default", code, "default_missing")


def normalise_unit_name(name: str) -> str:
    """Full-width parentheses and no spaces, so one unit has one spelling."""
    return "".join(name.replace("(", "（").replace(")", "）").split())


# ------------------------------------------------------------------ the plans in a store


def plan_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every plan in the store: window, counts, figures in force in its window, where it came from.

    `source` is its folder under data/plans when it has one (`etl init` refreshes it from there),
    else the file it was last imported from.
    """
    frame = queries.plan_list(con)
    imported = queries.imported_from(con)
    folders = {p.name: p for p in config.PLANS_DIR.iterdir()} if config.PLANS_DIR.is_dir() else {}
    frame["source"] = [
        str(folders[pid]) if pid in folders else imported.get(pid) for pid in frame["plan_id"]
    ]
    return frame


def stored_tables(con: duckdb.DuckDBPyConnection, plan_id: str) -> dict[str, pd.DataFrame]:
    """A stored plan's cited reference rows as the text a workbook holds (sheet stem -> frame),
    to be downloaded, edited (a new id, window and targets) and imported as the next plan."""
    tables = {}
    for stem, sheet in SHEETS.items():
        frame = queries.reference_rows(con, sheet.table, list(sheet.columns), plan_id)
        tables[stem] = frame.astype(object).map(_text)
    return tables


def _text(value: object) -> str:
    """A stored value as a workbook cell's text: TRUE/FALSE, 18000 not 18000.0, blank for null."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)

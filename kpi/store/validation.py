"""Read an uploaded progress table (CSV or XLSX) and check it; problems are returned as data.

Staff export from Excel on Chinese Windows, so the reader accepts UTF-8 (with or without BOM) and
GBK/GB18030, Chinese or English headers, several ways of writing a quarter, and numbers with
thousands separators, full-width digits, 万/亿 and a trailing unit. Every distinct cell value is
parsed once and mapped back, which keeps a 1M-row file fast.
"""

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from kpi.base import i18n, periods

HEADER_ROW = 1  # rows are numbered as in Excel: the header is row 1, data starts at row 2


@dataclass(frozen=True)
class Problem(i18n.Bilingual):
    """One finding about an uploaded file: where, what, and what to do.

    `column` is a canonical column (see COLUMNS) or, for an unknown or repeated header, the header
    as the file writes it. The message is the catalog text `problem.<code>` (or `key`, when one
    code has several sentences) filled in with `params` and the column's name.
    """

    row: int | None
    column: str | None
    value: str | None
    code: str
    params: dict = field(default_factory=dict)
    severity: str = "error"  # or "warning"
    key: str | None = None

    def column_name(self, lang: str = "zh") -> str:
        """The column as the reader calls it (数值 / value); a file's own header as written."""
        if self.column in COLUMNS:
            return i18n.t(f"column.{self.column}", lang)
        return self.column or ""

    def message(self, lang: str = "zh") -> str:
        """What is wrong and what to do, in the reader's language."""
        values = {name: _localised(value, lang) for name, value in self.params.items()}
        key = self.key or f"problem.{self.code}"
        return i18n.t(key, lang, column_name=self.column_name(lang), **values)

    def as_dict(self) -> dict:
        """The problem as the command line's JSON report prints it, messages in both languages."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "severity": self.severity,
        }


def _localised(value: object, lang: str) -> object:
    """A list of names joined for `lang`; a row with name_zh/name_en named in `lang`."""
    if isinstance(value, list):
        return i18n.join(value, lang)
    if isinstance(value, Mapping):
        return i18n.name(value, lang)
    return value


@dataclass(frozen=True)
class Reference:
    """What a file is checked against: one plan's indicators, sectors, districts and units."""

    plan_id: str
    indicators: pd.DataFrame  # indicator_code, name_zh, name_en, unit, semantics, ...
    sectors: pd.DataFrame  # sector_code, name_zh, name_en, aliases
    districts: pd.DataFrame  # district_code, name_zh, name_en, aliases
    conversions: pd.DataFrame  # from_unit, to_unit, factor
    latest_allowed_period: str  # the current quarter; later periods are in the future


@dataclass
class CheckedFile:
    """The normalised rows of a file that passed reading, and every problem found."""

    file_name: str
    rows_read: int = 0
    rows: pd.DataFrame | None = None  # source_row, indicator_code, period, sector_code, ...
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# ------------------------------------------------------------------ headers

# canonical column -> accepted headers (compared after normalise_header); the upload template
# writes the first of each.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator_code": ("指标代码", "指标编码", "代码", "indicator_code", "code"),
    "indicator_name": ("指标名称", "指标", "名称", "indicator", "indicator_name", "name"),
    "period": ("期间", "季度", "报告期", "统计期", "时间", "period", "quarter"),
    "sector": ("行业", "重点行业", "产业", "sector", "industry"),
    "district": ("区县", "县区", "县(市、区)", "县（市、区）", "地区", "district", "county"),
    "value": ("数值", "完成值", "实际值", "值", "累计值", "value", "actual"),
    "unit": ("单位", "计量单位", "unit"),
    "note": ("备注", "说明", "note", "remark", "remarks"),
}
REQUIRED = ("period", "value")
# Every canonical Problem.column, in the template's order; "indicator" is a problem with the
# indicator whether the file names it by code or by name.
COLUMNS = ("indicator", *HEADER_ALIASES)
# What staff write in the sector or district column for a city-wide figure (after _fold_name).
CITY_WIDE_WORDS = ("全市", "合计", "total", "all")


def template_header(column: str) -> str:
    """The header the upload template writes for a canonical column (the reader accepts it)."""
    return HEADER_ALIASES[column][0]


def normalise_header(text: str) -> str:
    """Header text compared case- and width-insensitively, without spaces or a trailing colon."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"[\s:_\-]+", "", folded)
    return re.sub(r"\(.*?\)$", "", folded) if not folded.startswith("县") else folded


_HEADER_LOOKUP = {
    normalise_header(alias): column
    for column, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


# ------------------------------------------------------------------ reading


def read_table(
    content: bytes, file_name: str, *, max_bytes: int
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Decode a CSV or XLSX upload into a frame of strings (one column per header)."""
    if len(content) > max_bytes:
        size = {"size_mb": len(content) / 2**20, "limit_mb": max_bytes / 2**20}
        return None, [_file_problem("file_too_large", **size)]
    kind = _file_kind(content, file_name)
    if kind is None:
        return None, [_file_problem("unsupported_file")]
    if kind == "xlsx":
        try:
            frame = pd.read_excel(io.BytesIO(content), dtype=str, header=None, engine="openpyxl")
        except Exception as err:  # a damaged workbook is the user's problem to fix, not a crash
            return None, [_file_problem("unreadable_file", error=type(err).__name__)]
    else:
        text = _decode(content)
        if text is None:
            return None, [_file_problem("bad_encoding")]
        frame = _parse_csv(text)
    return _trim(frame)


def _file_problem(code: str, key: str | None = None, **params: object) -> Problem:
    """A problem with the whole file (no row, no column)."""
    return Problem(None, None, None, code, params, key=key)


def _file_kind(content: bytes, file_name: str) -> str | None:
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if content[:4] == b"PK\x03\x04":
        return "xlsx" if suffix in ("xlsx", "xlsm", "") else None
    if suffix not in ("csv", "txt", ""):
        return None
    # Binary data (images, old .xls renamed) has NUL bytes; text CSV never does.
    return None if b"\x00" in content[:4096] else "csv"


def _decode(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _parse_csv(text: str) -> pd.DataFrame:
    """Cells as strings; the index is the 0-based line number in the file."""
    body = text.lstrip("\r\n")
    skipped = text[: len(text) - len(body)].count("\n")
    if not body.strip():
        return pd.DataFrame()
    try:
        delimiter = csv.Sniffer().sniff(body[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = _read_csv_arrow(body, delimiter)
    except pa.ArrowInvalid:
        # Ragged rows (a title line above the header, notes beside the table): pad them.
        lines = list(csv.reader(io.StringIO(body), delimiter=delimiter))
        width = max(map(len, lines))
        frame = pd.DataFrame([line + [""] * (width - len(line)) for line in lines], dtype=str)
    frame.index = frame.index + skipped
    return frame


def _read_csv_arrow(body: str, delimiter: str) -> pd.DataFrame:
    """Every cell as text, columns numbered; raises ArrowInvalid on ragged rows or blank lines.

    Arrow's reader is several times faster than pandas' on large files.
    """
    width = len(next(csv.reader(io.StringIO(body), delimiter=delimiter)))
    names = [str(i) for i in range(width)]
    table = pa_csv.read_csv(
        io.BytesIO(body.encode("utf-8")),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _header_row(frame: pd.DataFrame, nonblank_rows: pd.Series) -> int:
    """The first of the top rows naming two known columns (a title line may sit above it)."""
    candidates = nonblank_rows[nonblank_rows].index[:10]
    for index in candidates:
        known = sum(normalise_header(cell) in _HEADER_LOOKUP for cell in frame.loc[index])
        if known >= 2:
            return int(index)
    return int(candidates[0])


def _trim(frame: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Drop blank trailing rows and blank columns; use the first non-blank row as the header."""
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    filled = frame != ""
    nonblank_rows = filled.any(axis=1)
    if frame.empty or not nonblank_rows.any():
        return None, [_file_problem("empty_file")]
    header_at = _header_row(frame, nonblank_rows)
    frame = frame.loc[:, filled.any(axis=0)]
    last_row = int(nonblank_rows[::-1].idxmax())
    header = frame.loc[header_at].tolist()
    body = frame.loc[header_at + 1 : last_row]
    body.columns = header
    # Excel row numbers: position in the sheet, 1-based.
    body.insert(0, "_row", body.index.to_numpy() + 1)
    if body.empty:
        return None, [_file_problem("empty_file", "problem.empty_file_header_only")]
    return body.reset_index(drop=True), []


# ------------------------------------------------------------------ cell parsers

_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(万|亿)?(.*)$")
_MULTIPLIERS = {None: 1.0, "万": 1e4, "亿": 1e8}


def parse_number(text: str) -> tuple[float, str] | None:
    """'1,234', '１２３４', '1.8万', '3亿元', '18000座' -> (value, inline unit), else None."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    folded = folded.replace(",", "").replace("，", "").replace(" ", "")
    match = _NUMBER.match(folded)
    if not match:
        return None
    number, multiplier, unit = match.groups()
    try:
        value = float(number) * _MULTIPLIERS[multiplier]
    except ValueError:
        return None
    return value, unit.strip()


# ------------------------------------------------------------------ checking


class Bad(NamedTuple):
    """What a cell parser found wrong: the problem code, the values its message names, and the
    catalog key when the code has more than one sentence."""

    code: str
    params: dict = {}
    key: str | None = None


# A cell parser returns the parsed value (None for a blank cell) or what is wrong with it.
Parsed = object | Bad


def check_table(table: pd.DataFrame, ref: Reference) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map headers, parse every cell and return the rows in canonical form plus all problems."""
    problems: list[Problem] = []
    columns = _map_headers(list(table.columns[1:]), problems)
    if "indicator_code" not in columns and "indicator_name" not in columns:
        problems.append(_missing_column("indicator_code"))
    for required in REQUIRED:
        if required not in columns:
            problems.append(_missing_column(required))
    if any(p.severity == "error" for p in problems):
        return None, problems

    # Template rows left unfilled are skipped with a notice rather than rejected.
    unfilled = table[columns["value"]] == ""
    for row in table.loc[unfilled, "_row"]:
        problems.append(Problem(int(row), "value", "", "blank_value_skipped", severity="warning"))
    table = table[~unfilled].reset_index(drop=True)
    if table.empty:
        problems.append(_file_problem("empty_file", "problem.empty_file_no_values"))
        return None, problems
    rows = table["_row"].to_numpy()
    blank = pd.Series("", index=table.index)
    text = {name: table[source] for name, source in columns.items()}
    out = pd.DataFrame({"source_row": rows})
    out["indicator_code"] = _resolve_indicators(
        text.get("indicator_code", blank), text.get("indicator_name", blank), ref, rows, problems
    )
    out["period"] = _parse_column(
        text["period"], lambda v: _check_period(v, ref), rows, "period", problems
    )
    for column, frame, code in (
        ("sector", ref.sectors, "sector_code"),
        ("district", ref.districts, "district_code"),
    ):
        lookup = _names_lookup(frame, code)
        out[code] = _parse_column(
            text.get(column, blank),
            lambda v, lk=lookup, c=column: _check_place(v, lk, c),
            rows,
            column,
            problems,
        )
    out["value"] = _resolve_values(
        text["value"], text.get("unit", blank), out["indicator_code"], ref, rows, problems
    )
    out = out.astype(
        {
            "indicator_code": "string",
            "period": "string",
            "sector_code": "string",
            "district_code": "string",
            "value": "float64",
        }
    )
    error_rows = {p.row for p in problems if p.severity == "error"}
    clean = out[~out["source_row"].isin(error_rows)]
    _check_duplicates(clean, problems)
    problems.sort(key=lambda p: (p.row or 0, _column_order(p.column), p.code))
    return out, problems


def _column_order(column: str | None) -> tuple[int, str]:
    """Problems of one row in the template's column order; a file's own headers after them."""
    return (COLUMNS.index(column), "") if column in COLUMNS else (len(COLUMNS), column or "")


def _map_headers(headers: list[str], problems: list[Problem]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for header in headers:
        canonical = _HEADER_LOOKUP.get(normalise_header(header))
        if canonical is None:
            problems.append(
                Problem(
                    HEADER_ROW,
                    header,
                    header,
                    "unknown_column",
                    {"header": header},
                    severity="warning",
                )
            )
        elif canonical in columns:
            params = {"header": header, "other": columns[canonical]}
            problems.append(Problem(HEADER_ROW, header, header, "duplicate_column", params))
        else:
            columns[canonical] = header
    return columns


def _missing_column(column: str) -> Problem:
    """A required column is absent; for the indicator, either its code or its name will do."""
    key = "problem.missing_indicator_column" if column.startswith("indicator") else None
    return Problem(HEADER_ROW, column, None, "missing_column", key=key)


def _parse_column(
    raw: pd.Series,
    parse,
    rows,
    column: str,
    problems: list[Problem],
    shown: pd.Series | None = None,
) -> pd.Series:
    """Parse each distinct cell once, report the rows whose cell has a problem, map the values."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    results = [parse(cell) for cell in uniques]
    values = np.empty(len(results), dtype=object)
    values[:] = [None if isinstance(result, Bad) else result for result in results]
    bad = np.array([isinstance(result, Bad) for result in results], dtype=bool)
    for index in np.flatnonzero(bad[codes]):
        found = results[codes[index]]
        cell = raw.iat[index] if shown is None else shown.iat[index]
        problems.append(
            Problem(int(rows[index]), column, cell, found.code, found.params, key=found.key)
        )
    return pd.Series(values[codes], index=raw.index, dtype=object)


def _check_period(text: str, ref: Reference) -> Parsed:
    if text == "":
        return Bad("missing_period")
    try:
        period = periods.parse_period(text)
    except ValueError:
        return Bad("bad_period", {"text": text})
    if period > ref.latest_allowed_period:
        return Bad("future_period", {"period": period, "current": ref.latest_allowed_period})
    return period


def _fold_name(text: str) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s\"'“”‘’「」()（）]+", "", folded)


def _names_lookup(frame: pd.DataFrame, code_column: str) -> dict[str, str]:
    """Every accepted spelling (code, Chinese and English name, alias) -> code."""
    lookup: dict[str, str] = {}
    for row in frame.to_dict("records"):
        aliases = str(row.get("aliases") or "").split("|")
        for name in (row[code_column], row["name_zh"], row["name_en"], *aliases):
            if name:
                lookup[_fold_name(name)] = row[code_column]
    return lookup


def _check_place(text: str, lookup: dict[str, str], column: str) -> Parsed:
    if text == "" or _fold_name(text) in CITY_WIDE_WORDS:
        return None
    code = lookup.get(_fold_name(text))
    if code is not None:
        return code
    return Bad(f"unknown_{column}", {"text": text})


def _resolve_indicators(
    codes: pd.Series, names: pd.Series, ref: Reference, rows, problems: list[Problem]
) -> pd.Series:
    lookup = _names_lookup(ref.indicators, "indicator_code")
    suggestions = {_fold_name(n): n for n in ref.indicators["name_zh"]}
    suggestions.update({_fold_name(c): c for c in ref.indicators["indicator_code"]})

    def resolve(pair: str) -> Parsed:
        code_text, name_text = pair.split("\x1f")
        by_code = lookup.get(_fold_name(code_text)) if code_text else None
        by_name = lookup.get(_fold_name(name_text)) if name_text else None
        if code_text and name_text and by_code and by_name and by_code != by_name:
            return Bad("indicator_mismatch", {"code": code_text, "name": name_text})
        if by_code or (not code_text and by_name):
            return by_code or by_name
        given = code_text or name_text
        if not given:
            return Bad("missing_indicator")
        close = difflib.get_close_matches(_fold_name(given), list(suggestions), n=3, cutoff=0.3)
        if not close:
            return Bad("unknown_indicator", {"text": given})
        params = {"text": given, "names": [suggestions[c] for c in close]}
        return Bad("unknown_indicator", params, "problem.unknown_indicator_did_you_mean")

    shown = codes.where(codes != "", names)
    return _parse_column(codes + "\x1f" + names, resolve, rows, "indicator", problems, shown)


def _resolve_values(
    raw: pd.Series,
    unit_column: pd.Series,
    indicator_codes: pd.Series,
    ref: Reference,
    rows,
    problems: list[Problem],
) -> pd.Series:
    """Numbers in the indicator's canonical unit; unparseable, negative or unconvertible -> NaN."""
    number = _plain_numbers(raw)
    inline_unit = np.full(len(raw), "", dtype=object)
    unit_given = unit_column.to_numpy(dtype=object)
    messy = np.flatnonzero(np.isnan(number))
    parsed = {cell: _parse_value_cell(cell) for cell in raw.iloc[messy].unique()}
    rejected = np.zeros(len(raw), dtype=bool)
    for index in messy:
        cell = raw.iat[index]
        found = parsed[cell]
        if isinstance(found, Bad):
            problems.append(Problem(int(rows[index]), "value", cell, found.code, found.params))
            continue
        number[index], unit = found
        inline_unit[index] = unit
        given = unit_given[index]
        if unit and given and _fold_unit(unit) != _fold_unit(given):
            rejected[index] = True
            params = {"unit": unit, "given": given}
            problems.append(Problem(int(rows[index]), "unit", given, "unit_conflict", params))
    unit_text = pd.Series(np.where(inline_unit != "", inline_unit, unit_given), index=raw.index)
    factors = _unit_factors(indicator_codes, unit_text, ref, rows, problems).to_numpy(float)
    values = number * factors
    negative = values < 0
    for index in np.flatnonzero(negative):
        cell = raw.iat[index]
        problems.append(Problem(int(rows[index]), "value", cell, "negative_value", {"text": cell}))
    values[negative | rejected] = np.nan
    return pd.Series(values, index=raw.index)


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _plain_numbers(raw: pd.Series) -> np.ndarray:
    """Cells written as plain decimals as floats, all others NaN (for `parse_number`).

    Vectorised in Arrow: 7x faster than pd.to_numeric(errors="coerce") on a million cells.
    """
    cells = pa.array(raw, type=pa.string(), from_pandas=True)
    plain = pc.if_else(pc.match_substring_regex(cells, _PLAIN_NUMBER), cells, None)
    return pc.cast(plain, pa.float64()).to_numpy(zero_copy_only=False).copy()


def _parse_value_cell(cell: str) -> Parsed:
    """(value, inline unit) of a cell that is not a plain decimal."""
    if cell == "":
        return Bad("missing_value")
    parsed = parse_number(cell)
    if parsed is None:
        return Bad("bad_value", {"text": cell})
    return parsed


def _fold_unit(unit: str) -> str:
    return unicodedata.normalize("NFKC", unit).strip().lower()


def _unit_factors(
    indicator_codes: pd.Series,
    unit_text: pd.Series,
    ref: Reference,
    rows,
    problems: list[Problem],
) -> pd.Series:
    """Factor to the indicator's canonical unit per row; rows with a foreign unit get NaN."""
    canonical = dict(zip(ref.indicators["indicator_code"], ref.indicators["unit"], strict=True))
    names = ref.indicators.set_index("indicator_code")[["name_zh", "name_en"]].to_dict("index")
    factor_of = {
        (_fold_unit(f), _fold_unit(t)): float(x)
        for f, t, x in ref.conversions[["from_unit", "to_unit", "factor"]].itertuples(index=False)
    }
    pairs = indicator_codes.fillna("").astype(str) + "\x1f" + unit_text

    def factor(pair: str) -> Parsed:
        code, unit = pair.split("\x1f")
        if not code or not unit:
            return 1.0
        target = canonical[code]
        if _fold_unit(unit) == _fold_unit(target):
            return 1.0
        found = factor_of.get((_fold_unit(unit), _fold_unit(target)))
        if found is None:
            return Bad("bad_unit", {"unit": unit, "indicator": names[code], "target": target})
        return found

    return pd.to_numeric(_parse_column(pairs, factor, rows, "unit", problems, unit_text))


def _check_duplicates(rows: pd.DataFrame, problems: list[Problem]) -> None:
    key = ["indicator_code", "period", "sector_code", "district_code"]
    keyed = rows[key].fillna("")
    duplicated = keyed.duplicated(keep=False)
    if not duplicated.any():
        return
    first_row = rows[duplicated].groupby(key, dropna=False)["source_row"].transform("min")
    for source_row, first in zip(rows.loc[duplicated, "source_row"], first_row, strict=True):
        if source_row != first:
            params = {"first": int(first)}
            problems.append(Problem(int(source_row), "indicator", None, "duplicate_key", params))

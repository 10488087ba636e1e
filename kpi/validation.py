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
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

HEADER_ROW = 1  # rows are numbered as in Excel: the header is row 1, data starts at row 2


@dataclass(frozen=True)
class Problem:
    """One finding about an uploaded file: where, what, and what to do, in Chinese and English."""

    row: int | None
    column: str | None
    value: str | None
    code: str
    message_zh: str
    message_en: str
    severity: str = "error"  # or "warning"

    def as_dict(self) -> dict:
        return asdict(self)


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

# canonical column -> accepted headers (compared after normalise_header)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator_code": ("指标代码", "指标编码", "代码", "indicator_code", "code"),
    "indicator_name": ("指标", "指标名称", "名称", "indicator", "indicator_name", "name"),
    "period": ("期间", "季度", "报告期", "统计期", "时间", "period", "quarter"),
    "sector": ("行业", "重点行业", "产业", "sector", "industry"),
    "district": ("区县", "县区", "县(市、区)", "县（市、区）", "地区", "district", "county"),
    "value": ("数值", "完成值", "实际值", "值", "累计值", "value", "actual"),
    "unit": ("单位", "计量单位", "unit"),
    "note": ("备注", "说明", "note", "remark", "remarks"),
}
REQUIRED = ("period", "value")
COLUMN_LABELS_ZH = {
    "indicator_code": "指标代码",
    "indicator_name": "指标",
    "period": "期间",
    "sector": "行业",
    "district": "区县",
    "value": "数值",
    "unit": "单位",
    "note": "备注",
}


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
        size_mb, limit_mb = len(content) / 2**20, max_bytes / 2**20
        return None, [
            _file_problem(
                "file_too_large",
                f"文件大小 {size_mb:.1f} MB，超过上限 {limit_mb:.0f} MB，请拆分后分批上传",
                f"File is {size_mb:.1f} MB, above the {limit_mb:.0f} MB limit; split it",
            )
        ]
    kind = _file_kind(content, file_name)
    if kind is None:
        return None, [
            _file_problem(
                "unsupported_file",
                "文件格式不支持：请上传 CSV（.csv）或 Excel（.xlsx）文件",
                "Unsupported file type: upload a CSV (.csv) or Excel (.xlsx) file",
            )
        ]
    if kind == "xlsx":
        try:
            frame = pd.read_excel(io.BytesIO(content), dtype=str, header=None, engine="openpyxl")
        except Exception as err:  # a damaged workbook is the user's problem to fix, not a crash
            return None, [
                _file_problem(
                    "unreadable_file",
                    f"无法读取 Excel 文件：{type(err).__name__}，请用 Excel 重新另存为 .xlsx",
                    f"Cannot read the Excel file ({type(err).__name__}); re-save it as .xlsx",
                )
            ]
    else:
        text = _decode(content)
        if text is None:
            return None, [
                _file_problem(
                    "bad_encoding",
                    "无法识别文件编码：请另存为“CSV UTF-8”或 GBK 编码的 CSV",
                    "Cannot decode the file: save it as CSV UTF-8 or GBK",
                )
            ]
        frame = _parse_csv(text)
    return _trim(frame)


def _file_problem(code: str, zh: str, en: str) -> Problem:
    return Problem(None, None, None, code, zh, en)


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
        return None, [_file_problem("empty_file", "文件为空：没有表头和数据", "The file is empty")]
    header_at = _header_row(frame, nonblank_rows)
    frame = frame.loc[:, filled.any(axis=0)]
    last_row = int(nonblank_rows[::-1].idxmax())
    header = frame.loc[header_at].tolist()
    body = frame.loc[header_at + 1 : last_row]
    body.columns = header
    # Excel row numbers: position in the sheet, 1-based.
    body.insert(0, "_row", body.index.to_numpy() + 1)
    if body.empty:
        return None, [
            _file_problem(
                "empty_file",
                "文件只有表头，没有数据行",
                "The file has a header but no data rows",
            )
        ]
    return body.reset_index(drop=True), []


# ------------------------------------------------------------------ cell parsers

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/ ]?\s*q([1-4])$"),
    re.compile(r"^q([1-4])\s*[-/ ]?\s*(\d{4})$"),
    re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"),
)


def parse_period(text: str) -> str | None:
    """'2024Q3', '2024-Q3', '2024年第三季度', '2024年3季度' -> '2024Q3'; None if not a quarter."""
    folded = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(folded)
        if match:
            a, b = match.groups()
            year, quarter = (b, a) if pattern is _PERIOD_PATTERNS[1] else (a, b)
            quarter_no = _CN_DIGITS.get(quarter) or int(quarter)
            return f"{int(year)}Q{quarter_no}"
    return None


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

# A parser returns (value or None, problem code, message zh, message en).
Parsed = tuple[object, str | None, str | None, str | None]
OK_BLANK: Parsed = (None, None, None, None)


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
        problems.append(
            Problem(
                int(row),
                "数值",
                "",
                "blank_value_skipped",
                "数值为空，该行已跳过（未写入）",
                "Value is blank; row skipped",
                "warning",
            )
        )
    table = table[~unfilled].reset_index(drop=True)
    if table.empty:
        problems.append(
            _file_problem(
                "empty_file",
                "文件中没有填写数值的数据行",
                "No row of the file has a value",
            )
        )
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
    problems.sort(key=lambda p: (p.row or 0, p.column or "", p.code))
    return out, problems


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
                    f"未识别的列“{header}”，该列已忽略",
                    f"Unknown column '{header}' was ignored",
                    "warning",
                )
            )
        elif canonical in columns:
            problems.append(
                Problem(
                    HEADER_ROW,
                    header,
                    header,
                    "duplicate_column",
                    f"列“{header}”与“{columns[canonical]}”重复，请只保留一列",
                    f"Column '{header}' repeats '{columns[canonical]}'",
                )
            )
        else:
            columns[canonical] = header
    return columns


def _missing_column(column: str) -> Problem:
    label = COLUMN_LABELS_ZH[column]
    hint = "（可用“指标代码”或“指标”列）" if column.startswith("indicator") else ""
    return Problem(
        HEADER_ROW,
        label,
        None,
        "missing_column",
        f"缺少必填列“{label}”{hint}，请使用上报模板",
        f"Required column '{column}' is missing",
    )


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
    values[:] = [result[0] for result in results]
    bad = np.array([result[1] is not None for result in results], dtype=bool)
    for index in np.flatnonzero(bad[codes]):
        _, code, zh, en = results[codes[index]]
        cell = raw.iat[index] if shown is None else shown.iat[index]
        problems.append(Problem(int(rows[index]), COLUMN_LABELS_ZH[column], cell, code, zh, en))
    return pd.Series(values[codes], index=raw.index, dtype=object)


def _check_period(text: str, ref: Reference) -> Parsed:
    if text == "":
        return None, "missing_period", "期间为空", "Period is empty"
    period = parse_period(text)
    if period is None:
        return (
            None,
            "bad_period",
            f"期间“{text}”格式不正确，应写作 2024Q3、2024-Q3 或 2024年第三季度",
            f"Period '{text}' is malformed; write 2024Q3, 2024-Q3 or 2024年第三季度",
        )
    if period > ref.latest_allowed_period:
        return (
            None,
            "future_period",
            f"期间 {period} 尚未到来（当前季度为 {ref.latest_allowed_period}）",
            f"Period {period} is in the future (current quarter {ref.latest_allowed_period})",
        )
    return period, None, None, None


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


PLACE_LABELS = {"sector": ("行业", "sector"), "district": ("区县", "district")}


def _check_place(text: str, lookup: dict[str, str], column: str) -> Parsed:
    if text == "" or _fold_name(text) in ("全市", "合计", "total", "all"):
        return OK_BLANK
    code = lookup.get(_fold_name(text))
    if code is not None:
        return code, None, None, None
    zh, en = PLACE_LABELS[column]
    return (
        None,
        f"unknown_{column}",
        f"未知{zh}“{text}”，请填写模板说明中列出的{zh}名称，全市数据请留空",
        f"Unknown {en} '{text}'; leave it blank for city-wide figures",
    )


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
            return (
                None,
                "indicator_mismatch",
                f"指标代码“{code_text}”与指标名称“{name_text}”不是同一个指标",
                f"Indicator code '{code_text}' and name '{name_text}' disagree",
            )
        if by_code or (not code_text and by_name):
            return by_code or by_name, None, None, None
        given = code_text or name_text
        if not given:
            return None, "missing_indicator", "指标为空", "Indicator is empty"
        close = difflib.get_close_matches(_fold_name(given), list(suggestions), n=3, cutoff=0.3)
        hint = "、".join(suggestions[c] for c in close)
        return (
            None,
            "unknown_indicator",
            f"未知指标“{given}”"
            + (f"，是否为：{hint}？" if hint else "，请使用模板中的指标代码或名称"),
            f"Unknown indicator '{given}'" + (f"; did you mean: {hint}?" if hint else ""),
        )

    shown = codes.where(codes != "", names)
    return _parse_column(codes + "\x1f" + names, resolve, rows, "indicator_name", problems, shown)


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
        value, code, zh, en = parsed[cell]
        if code is not None:
            problems.append(Problem(int(rows[index]), "数值", cell, code, zh, en))
            continue
        number[index], unit = value
        inline_unit[index] = unit
        if unit and unit_given[index] and _fold_unit(unit) != _fold_unit(unit_given[index]):
            rejected[index] = True
            problems.append(
                Problem(
                    int(rows[index]),
                    "单位",
                    unit_given[index],
                    "unit_conflict",
                    f"数值中的单位“{unit}”与单位列“{unit_given[index]}”不一致",
                    "The unit written in the value disagrees with the unit column",
                )
            )
    unit_text = pd.Series(np.where(inline_unit != "", inline_unit, unit_given), index=raw.index)
    factors = _unit_factors(indicator_codes, unit_text, ref, rows, problems).to_numpy(float)
    values = number * factors
    negative = values < 0
    for index in np.flatnonzero(negative):
        problems.append(
            Problem(
                int(rows[index]),
                "数值",
                raw.iat[index],
                "negative_value",
                f"数值“{raw.iat[index]}”为负数，进度数据不能为负",
                f"Value '{raw.iat[index]}' is negative",
            )
        )
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
    if cell == "":
        return None, "missing_value", "数值为空", "Value is empty"
    parsed = parse_number(cell)
    if parsed is None:
        return (
            None,
            "bad_value",
            f"数值“{cell}”不是数字",
            f"Value '{cell}' is not a number",
        )
    return parsed, None, None, None


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
    names = dict(zip(ref.indicators["indicator_code"], ref.indicators["name_zh"], strict=True))
    factor_of = {
        (_fold_unit(f), _fold_unit(t)): float(x)
        for f, t, x in ref.conversions[["from_unit", "to_unit", "factor"]].itertuples(index=False)
    }
    pairs = indicator_codes.fillna("").astype(str) + "\x1f" + unit_text

    def factor(pair: str) -> Parsed:
        code, unit = pair.split("\x1f")
        if not code or not unit:
            return 1.0, None, None, None
        target = canonical[code]
        if _fold_unit(unit) == _fold_unit(target):
            return 1.0, None, None, None
        found = factor_of.get((_fold_unit(unit), _fold_unit(target)))
        if found is None:
            return (
                float("nan"),
                "bad_unit",
                f"单位“{unit}”无法换算为指标“{names[code]}”的单位“{target}”",
                f"Unit '{unit}' cannot be converted to '{target}'",
            )
        return found, None, None, None

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
            problems.append(
                Problem(
                    int(source_row),
                    "指标",
                    None,
                    "duplicate_key",
                    f"与第 {first} 行重复（同一指标、期间、行业、区县只能有一个数值）",
                    f"Duplicates row {first} (same indicator, period, sector and district)",
                )
            )

"""Read an uploaded progress table (CSV or XLSX) into a frame of strings, one column per header.

Staff export from Excel on Chinese Windows, so the reader accepts UTF-8 (with or without BOM),
GBK/GB18030 and UTF-16/32 (Excel's "Unicode text"), and finds the header row below a title line.
No file may cost more memory or time than a table at the size limit: the limits of
kpi.base.config (columns, rows, cell length, a workbook's unpacked size) are checked before or
while parsing, and at most config.CONCURRENT_CHECKS files are parsed at once.
kpi.store.validation checks the cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import zipfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from kpi.base import config, i18n
from kpi.store.validation import HEADER_LOOKUP, Problem, file_problem, normalise_header

if TYPE_CHECKING:
    import openpyxl

# One visitor's large file must not take the memory the others need: further reads wait.
PARSING = threading.BoundedSemaphore(config.CONCURRENT_CHECKS)

# No row within the limits is longer than this; a longer line is refused before it is split.
_MAX_LINE_CHARS = config.MAX_COLUMNS * (config.MAX_CELL_CHARS + 3)
# Rows of different widths are split by the csv module, a Python object per cell (about 70
# bytes each); such tables are hand-made and small.
_MAX_RAGGED_CELLS = config.MAX_CELLS // 4
# Small XML members compress a hundredfold legitimately; only bigger ones are held to the ratio.
_RATIO_CHECKED_FROM_BYTES = 2**20
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_QUOTED = re.compile(r'"[^"]*"')
# Excel never writes a DTD; one in a workbook defines entities (billion laughs, external files).
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Formats people upload by mistake (PDF, images, archives, the old .xls).
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\xd0\xcf\x11\xe0",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
)
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))
_MAX_FORMULA_PROBLEMS = 50


class Refused(Exception):
    """A limit or a fault found while reading: the whole file is refused with these problems."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems[0].code)
        self.problems = list(problems)


def size_problem(size: int, max_bytes: int) -> Problem | None:
    """The file_too_large problem for a file of `size` bytes, or None within the limit."""
    if size <= max_bytes:
        return None
    return file_problem("file_too_large", size_mb=size / 2**20, limit_mb=max_bytes / 2**20)


def read_table(
    content: bytes, file_name: str, *, max_bytes: int
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Decode a CSV or XLSX upload into a frame of strings (one column per header)."""
    too_large = size_problem(len(content), max_bytes)
    if too_large:
        return None, [too_large]
    kind = _file_kind(content, file_name)
    if kind is None:
        return None, [file_problem("unsupported_file")]
    with PARSING:
        try:
            frame = _read_xlsx(content) if kind == "xlsx" else _read_csv(content)
        except Refused as refused:
            return None, refused.problems
        return _trim(frame)


def _file_kind(content: bytes, file_name: str) -> str | None:
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if content[:4] == b"PK\x03\x04":
        return "xlsx" if suffix in ("xlsx", "xlsm", "") else None
    if suffix not in ("csv", "txt", ""):
        return None
    sample = content[:4096]
    if _wide_encoding(content) or not sample:
        return "csv"
    # Binary data (images, old .xls renamed) is full of control bytes; text has at most a stray
    # NUL, which _read_csv reports where it is.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    binary = sample.startswith(_BINARY_MAGIC) or controls > len(sample) // 20
    return None if binary else "csv"


def _wide_encoding(content: bytes) -> str | None:
    """UTF-16 or UTF-32 from the byte-order mark, or from where the NULs of ASCII text fall."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return encoding if encoding != "utf-8-sig" else None
    sample = content[:4096]
    sample = sample[: len(sample) // 4 * 4]
    if sample.count(0) < 4:
        return None
    if not sample[2::4].strip(b"\0") and not sample[3::4].strip(b"\0"):
        return "utf-32-le"
    if not sample[0::4].strip(b"\0") and not sample[1::4].strip(b"\0"):
        return "utf-32-be"
    # Delimiters, digits and line ends are ASCII: in UTF-16 one byte of each is NUL.
    pairs = len(sample) // 2
    if sample[0::2].count(0) == 0 and sample[1::2].count(0) >= pairs * 0.2:
        return "utf-16-le"
    if sample[1::2].count(0) == 0 and sample[0::2].count(0) >= pairs * 0.2:
        return "utf-16-be"
    return None


# ------------------------------------------------------------------ CSV


def _read_csv(content: bytes) -> pd.DataFrame:
    """Cells as strings; the index is the 0-based line number in the file."""
    text, encoding = _decoded(content)
    body = text.lstrip("\r\n")
    skipped = text[: len(text) - len(body)].count("\n")
    if not body or body.isspace():  # as `not body.strip()`, without copying a large file
        return pd.DataFrame()
    try:
        delimiter = csv.Sniffer().sniff(body[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    nul = body.find("\0")
    if nul >= 0:
        raise Refused(_nul_problem(body, nul, skipped, delimiter))
    # A title line above the header makes the rows ragged: start at the header, so the fast
    # reader takes the file and the slow one is left for truly ragged tables.
    header_at = _header_offset(body, delimiter)
    skipped += body.count("\n", 0, header_at)
    body = body[header_at:]
    # Counted on the text before any parser builds a row: a line per data row at most.
    lines = body.count("\n")
    if lines - 1 > config.MAX_ROWS:
        raise Refused(file_problem("too_many_rows", limit=config.MAX_ROWS))
    width = len(_first_row(body, delimiter, skipped))
    _check_cell_count(width * (lines + (not body.endswith("\n"))))
    if encoding == "utf-8-sig":  # the body's bytes are the file's own: not encoded again
        start = (3 if content.startswith(codecs.BOM_UTF8) else 0) + len(
            text[: len(text) - len(body)].encode("utf-8")
        )
        data = pa.py_buffer(content)[start:]
    else:
        data = pa.py_buffer(body.encode("utf-8"))
    try:
        frame = _read_csv_arrow(body, data, delimiter, width, skipped)
    except pa.ArrowInvalid:
        # Ragged rows (a title line above the header, notes beside the table): pad them.
        frame = _read_csv_ragged(body, delimiter, skipped)
    frame.index = frame.index + skipped
    return frame


def _header_offset(body: str, delimiter: str) -> int:
    """Where the header line starts when title lines sit above it (0 when none is found)."""
    start = 0
    for _ in range(10):
        end = body.find("\n", start)
        line = body[start:] if end < 0 else body[start:end]
        if len(line) > _MAX_LINE_CHARS:
            return 0
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        if sum(normalise_header(cell) in HEADER_LOOKUP for cell in cells) >= 2:
            return start
        if end < 0:
            return 0
        start = end + 1
    return 0


def decode(content: bytes) -> str:
    return _decoded(content)[0]


def _decoded(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in."""
    wide = _wide_encoding(content)
    for encoding in (wide,) if wide else ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Refused(file_problem("bad_encoding"))


def _field_count(line: str, delimiter: str) -> int:
    """The fields of one line (quoted delimiters do not count); cheap on a line of any length."""
    return _QUOTED.sub("", line).count(delimiter) + 1 if '"' in line else line.count(delimiter) + 1


def _first_row(body: str, delimiter: str, skipped: int) -> list[str]:
    """The first line's cells, refused before splitting when it is too wide or a cell too long."""
    end = body.find("\n")
    line = body if end < 0 else body[:end]
    _check_line(line, delimiter, skipped + 1)
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error:  # a quoted cell longer than the csv module's own limit (128 KB)
        raise Refused(_cell_problem(skipped + 1, None, None)) from None
    _check_cells(cells, skipped + 1, [cells])
    return cells


def _check_line(line: str, delimiter: str, row: int) -> None:
    fields = _field_count(line, delimiter)
    if fields > config.MAX_COLUMNS:
        raise Refused(columns_problem(row))
    if len(line) > _MAX_LINE_CHARS:
        raise Refused(_cell_problem(row, None, None))


def _check_cells(cells: Sequence, row: int, top_rows: Sequence[Sequence]) -> None:
    """Refuse a row wider than MAX_COLUMNS or a cell longer than MAX_CELL_CHARS.

    `top_rows` (the rows read so far) name the column; only looked at when refusing.
    """
    if len(cells) > config.MAX_COLUMNS:
        raise Refused(columns_problem(row))
    if max(map(_length, cells), default=0) <= config.MAX_CELL_CHARS:
        return
    index = next(i for i, cell in enumerate(cells) if _length(cell) > config.MAX_CELL_CHARS)
    header = _guess_header([[cell_text(v) for v in r] for r in top_rows[:10]])
    raise Refused(_cell_problem(row, _label(header, index), cells[index]))


def _length(cell: object) -> int:
    return len(cell) if isinstance(cell, str) else 0


def _read_csv_arrow(
    body: str, data: pa.Buffer, delimiter: str, width: int, skipped: int
) -> pd.DataFrame:
    """Every cell of `body` (`data`: its UTF-8 bytes) as text, columns numbered; raises
    ArrowInvalid on ragged rows or blank lines.

    Arrow's reader is several times faster than pandas' on large files.
    """
    names = [str(i) for i in range(width)]
    table = pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        # A line break inside a cell needs quotes; without any, Arrow's faster chunking is safe.
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values='"' in body, ignore_empty_lines=False
        ),
        # large_string is what pandas keeps text in: to_pandas then copies no column.
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False
        ),
    )
    _check_cell_lengths(table, skipped)
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _check_cell_lengths(table: pa.Table, skipped: int) -> None:
    """Refuse the first cell longer than MAX_CELL_CHARS (one vector pass per column)."""
    first: tuple[int, int] | None = None
    for index, column in enumerate(table.columns):
        # A cell has at most as many characters as bytes; bytes are known without a pass.
        if len(column) and pc.max(pc.binary_length(column)).as_py() <= config.MAX_CELL_CHARS:
            continue
        lengths = pc.utf8_length(column)
        if len(lengths) and pc.max(lengths).as_py() > config.MAX_CELL_CHARS:
            at = pc.index(pc.greater(lengths, config.MAX_CELL_CHARS), True).as_py()
            if first is None or at < first[0]:
                first = (at, index)
    if first is not None:
        at, index = first
        top = [[str(cell) for cell in row.values()] for row in table.slice(0, 10).to_pylist()]
        header = _guess_header(top)
        cell = table.column(index)[at].as_py()
        raise Refused(_cell_problem(skipped + at + 1, _label(header, index), cell))


def _read_csv_ragged(body: str, delimiter: str, skipped: int) -> pd.DataFrame:
    """Rows of any width padded to the widest; each line checked before the csv module splits it."""
    rows: list[list[str]] = []
    reader = csv.reader(_checked_lines(body, delimiter, skipped), delimiter=delimiter)
    start = 1  # the line a row starts on (a quoted cell may span lines)
    width = 0
    try:
        for cells in reader:
            too_long = max(map(len, cells), default=0) > config.MAX_CELL_CHARS
            if too_long or len(cells) > config.MAX_COLUMNS:
                _check_cells(cells, skipped + start, rows)
            width = max(width, len(cells))
            if width * len(rows) > _MAX_RAGGED_CELLS:  # rows are padded to the widest
                _check_cell_count(width * len(rows), _MAX_RAGGED_CELLS)
            rows.append(cells)
            start = reader.line_num + 1
    except csv.Error:  # a cell longer than the csv module's own limit (128 KB)
        raise Refused(_cell_problem(skipped + start, None, None)) from None
    return pd.DataFrame([cells + [""] * (width - len(cells)) for cells in rows], dtype=str)


def _checked_lines(body: str, delimiter: str, skipped: int) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(body), start=skipped + 1):
        if len(line) > _MAX_LINE_CHARS or line.count(delimiter) >= config.MAX_COLUMNS:
            _check_line(line, delimiter, number)
        yield line


def _nul_problem(body: str, at: int, skipped: int, delimiter: str) -> Problem:
    """Where the first NUL character is: its line and the column it falls in."""
    start = body.rfind("\n", 0, at) + 1
    row = skipped + body.count("\n", 0, at) + 1
    index = _field_count(body[start:at], delimiter) - 1
    top = []
    for line in body[: min(len(body), _MAX_LINE_CHARS)].replace("\0", "").splitlines()[:10]:
        try:
            top.append(next(csv.reader([line], delimiter=delimiter), []))
        except csv.Error:
            top.append([])
    return Problem(row, _label(_guess_header(top), index), None, "nul_character")


# ------------------------------------------------------------------ XLSX


def _read_xlsx(content: bytes) -> pd.DataFrame:
    """The one sheet with data (or the template's figures sheet), read as a stream of rows."""
    # Imported here: 0.12 s that every `etl` command paid, when most read CSV or nothing.
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        check_members(archive)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            title = _data_sheet(book)
            rows = sheet_rows(book[title]) if title else []
        finally:
            book.close()
        if rows and has_formulas(archive):
            check_formulas(content, title, rows)
    except Refused:
        raise
    except Exception as err:  # a damaged workbook is the user's problem to fix, not a crash
        raise Refused(file_problem("unreadable_file", error=type(err).__name__)) from None
    width = max(map(len, rows), default=0)
    cells = [[cell_text(value) for value in row] + [""] * (width - len(row)) for row in rows]
    return pd.DataFrame(cells, dtype=str)


def check_members(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from the sizes the archive declares, before anything is unpacked, and
    XML with a DTD.

    zipfile never inflates a member past its declared size, so the declaration bounds the cost.
    """
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if unpacked > config.XLSX_MAX_UNPACKED_MB * 2**20:
        raise Refused(
            file_problem(
                "xlsx_too_large_unpacked",
                size_mb=unpacked / 2**20,
                limit_mb=config.XLSX_MAX_UNPACKED_MB,
            )
        )
    for member in members:
        with archive.open(member) as stream:  # a DTD comes before the root element
            if _DOCTYPE.search(stream.read(2**16)):
                raise Refused(file_problem("unreadable_file", error="DOCTYPE"))
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_CHECKED_FROM_BYTES and ratio > config.XLSX_MAX_RATIO:
            raise Refused(
                file_problem(
                    "xlsx_compression_ratio",
                    member=member.filename,
                    ratio=ratio,
                    limit=config.XLSX_MAX_RATIO,
                )
            )


def _data_sheet(book: openpyxl.Workbook) -> str | None:
    """The template's figures sheet, else the only sheet with data; refuses data on two sheets.

    The template's instructions sheet is ignored: the template writes it.
    """
    figures = {i18n.t("template.sheet.figures", lang) for lang in i18n.LANGS}
    instructions = {i18n.t("template.sheet.help", lang) for lang in i18n.LANGS}
    titles = [sheet.title for sheet in book.worksheets]
    chosen = next((title for title in titles if title in figures), None)
    others = [t for t in titles if t != chosen and t not in instructions]
    with_data = [title for title in others if has_data(book[title])]
    if chosen and with_data:
        sheets = _sheet_names(with_data)
        raise Refused(file_problem("other_sheets_with_data", sheet=chosen, sheets=sheets))
    if len(with_data) > 1:
        raise Refused(file_problem("sheets_with_data", sheets=_sheet_names(with_data)))
    return chosen or next(iter(with_data), None)


def _sheet_names(titles: list[str]) -> dict[str, str]:
    """Sheet names listed per language (a Problem param); English quotes them, as its list
    separator is the '; ' that also ends the sentence's first half."""
    return {
        "name_zh": i18n.join(titles, "zh"),
        "name_en": ", ".join(f"'{title}'" for title in titles),
    }


def has_data(sheet) -> bool:
    sheet.reset_dimensions()  # a declared dimension can claim a million empty rows
    return any(
        any(value not in (None, "") for value in row) for row in sheet.iter_rows(values_only=True)
    )


def sheet_rows(sheet) -> list[tuple]:
    """Values row by row (Excel row n at index n - 1), stopping at the first limit exceeded."""
    sheet.reset_dimensions()
    rows: list[tuple] = []
    last = widest = 0
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        width = len(row)
        while width and row[width - 1] in (None, ""):
            width -= 1
        row = row[:width]
        if width:
            if number > config.MAX_ROWS + 1:
                raise Refused(file_problem("too_many_rows", limit=config.MAX_ROWS))
            widest = max(widest, width)
            _check_cell_count(widest * number)
            _check_cells(row, number, [*rows[:10], row])
            last = number
        rows.append(row)
    return rows[:last]


def cell_text(value: object) -> str:
    """A cell as pandas' read_excel(dtype=str) writes it (17500.0 -> '17500')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet holds a formula (read as a stream; sizes are already checked)."""
    for member in archive.infolist():
        if not member.filename.startswith("xl/worksheets/"):
            continue
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(2**20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def check_formulas(content: bytes, title: str, rows: list[tuple]) -> None:
    """Refuse formula cells without a computed value (a workbook written by a program).

    Read only when the workbook has formulas: a second pass that sees formulas, not values.
    """
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        sheet = book[title]
        sheet.reset_dimensions()
        header = _guess_header([[cell_text(v) for v in row] for row in rows[:10]])
        problems = []
        for number, (values, formulas) in enumerate(
            zip(rows, sheet.iter_rows(values_only=True), strict=False), start=1
        ):
            for index, formula in enumerate(formulas):
                uncalculated = index >= len(values) or values[index] is None
                if uncalculated and isinstance(formula, str) and formula.startswith("="):
                    label = _label(header, index)
                    problems.append(Problem(number, label, formula, "formula_without_value"))
                if len(problems) >= _MAX_FORMULA_PROBLEMS:
                    raise Refused(*problems)
    finally:
        book.close()
    if problems:
        raise Refused(*problems)


# ------------------------------------------------------------------ both


def _guess_header(rows: Sequence[Sequence[str]]) -> list[str]:
    """The first of the top rows naming two known columns, else the first non-blank row."""
    filled = [list(row) for row in rows[:10] if any(str(cell).strip() for cell in row)]
    for row in filled:
        if sum(normalise_header(cell) in HEADER_LOOKUP for cell in row) >= 2:
            return row
    return filled[0] if filled else []


def _label(header: Sequence[str], index: int | None) -> str | None:
    """A problem's column: the canonical column of its header, else the header, else A, B, C."""
    if index is None:
        return None
    text = str(header[index]).strip() if index < len(header) else ""
    named = HEADER_LOOKUP.get(normalise_header(text)) or text
    if named:
        return named
    from openpyxl.utils import get_column_letter  # see _read_xlsx: imported when needed

    return get_column_letter(index + 1)


def _check_cell_count(cells: int, limit: int = config.MAX_CELLS) -> None:
    if cells > limit:
        raise Refused(file_problem("too_many_cells", cells=cells, limit=limit))


def columns_problem(row: int) -> Problem:
    return Problem(row, None, None, "too_many_columns", {"limit": config.MAX_COLUMNS})


def _cell_problem(row: int, column: str | None, cell: str | None) -> Problem:
    preview = None if cell is None else cell[:20] + "…"
    return Problem(row, column, preview, "cell_too_long", {"limit": config.MAX_CELL_CHARS})


def _header_row(frame: pd.DataFrame, nonblank_rows: pd.Series) -> int:
    """The first of the top rows naming two known columns (a title line may sit above it)."""
    candidates = nonblank_rows[nonblank_rows].index[:10]
    for index in candidates:
        known = sum(normalise_header(cell) in HEADER_LOOKUP for cell in frame.loc[index])
        if known >= 2:
            return int(index)
    return int(candidates[0])


def _trim(frame: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Drop blank trailing rows and blank columns; use the first non-blank row as the header."""
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    filled = frame != ""
    nonblank_rows = filled.any(axis=1)
    if frame.empty or not nonblank_rows.any():
        return None, [file_problem("empty_file")]
    header_at = _header_row(frame, nonblank_rows)
    frame = frame.loc[:, filled.any(axis=0)]
    last_row = int(nonblank_rows[::-1].idxmax())
    header = frame.loc[header_at].tolist()
    body = frame.loc[header_at + 1 : last_row]
    body.columns = header
    # Excel row numbers: position in the sheet, 1-based.
    body.insert(0, "_row", body.index.to_numpy() + 1)
    if body.empty:
        return None, [file_problem("empty_file", "problem.empty_file_header_only")]
    return body.reset_index(drop=True), []

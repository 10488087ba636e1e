"""Hostile workbooks, built in memory: shared by the tests (tests/test_hostile_reading.py) and
the measurement of every hostile case (bench/hostile.py)."""

import io
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    """An XLSX with the given (title, rows) sheets."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(content: bytes, member: str, change) -> bytes:
    """The workbook with one member's bytes passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


def zip_bomb(unpacked_mb: int, header: list[str], row: bytes) -> bytes:
    """A workbook headed `header` whose sheet inflates about 1000:1 to `unpacked_mb` MB of
    `row` (a <row> element), written as a stream: the bomb is never whole in memory."""
    source = zipfile.ZipFile(io.BytesIO(workbook(("Sheet1", [header]))))
    chunk = row * (2**20 // len(row))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename != SHEET:
                out.writestr(info.filename, source.read(info))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/')
            sheet.write(b'main"><sheetData>')
            for _ in range(unpacked_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def billion_laughs() -> bytes:
    """A workbook whose sheet defines nested XML entities and uses the last one in a cell (a
    billion 'lol's once expanded)."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    cell = b"<row r='2'><c r='A2' t='inlineStr'><is><t>&a9;</t></is></c></row></sheetData>"
    return rewrite(
        workbook(("Sheet1", [["指标代码", "期间", "数值"]])),
        SHEET,
        lambda data: (
            f"<!DOCTYPE worksheet [{entities}]>".encode() + data.replace(b"</sheetData>", cell)
        ),
    )

"""What python-docx has no API for, done on the document's XML: the two adapters it needs."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT_TABLE = "word/fontTable.xml"


def xml_element(item: Any) -> Any:
    """The lxml element behind a python-docx Paragraph, Table, table cell (_Cell) or row (_Row).

    Adapter for python-docx 1.2: it has no API for cell shading, repeated header rows, rows kept
    on one page, the table's width and cell margins or page-number fields, nor a public accessor
    for these elements; each proxy keeps its own in
    `_element`. tests/test_render.py checks that it is the live element with the right tag.
    """
    return item._element


def add_font_fallback(docx: bytes, font: str, fallback: str) -> bytes:
    """The .docx with `fallback` named as the font Word uses when `font` is not installed.

    Adapter for python-docx 1.2, which cannot edit the font table: the saved package is
    rewritten with zipfile, adding to word/fontTable.xml (present in python-docx's default
    template; tests/test_render.py checks it) a <w:font> with <w:altName>. Every other entry is
    copied as it is, in order.
    """
    source = zipfile.ZipFile(io.BytesIO(docx))
    fonts = etree.fromstring(source.read(FONT_TABLE))
    entry = etree.SubElement(fonts, f"{{{W}}}font", {f"{{{W}}}name": font})
    etree.SubElement(entry, f"{{{W}}}altName", {f"{{{W}}}val": fallback})
    etree.SubElement(entry, f"{{{W}}}charset", {f"{{{W}}}val": "86"})  # GB2312
    etree.SubElement(entry, f"{{{W}}}family", {f"{{{W}}}val": "swiss"})
    etree.SubElement(entry, f"{{{W}}}pitch", {f"{{{W}}}val": "variable"})
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename == FONT_TABLE:
                data = etree.tostring(
                    fonts, xml_declaration=True, encoding="UTF-8", standalone=True
                )
            else:
                data = source.read(info)
            target.writestr(info, data)
    return out.getvalue()

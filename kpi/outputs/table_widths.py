"""A report table's column widths, fitted to its texts: the same for the PDF and the DOCX.

Both print 9 pt text in cells of 4 pt padding across the same A4 text width. Given these
widths, neither lays a table out by its content: Word and LibreOffice take a fixed layout as it
is, and WeasyPrint skips measuring every cell's shortest and longest line (a third of the
bulletin's layout time).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from kpi.outputs.document import Table

# A4 less the 18 mm margins left and right (bulletin.css's @page, docx_render's section).
TEXT_WIDTH_TWIPS = round(174 / 25.4 * 1440)
# Table text is 9 pt; cells have 4 pt padding left and right (bulletin.css, docx_render).
TABLE_FONT_PT = 9
CELL_PADDING_PT = 4
# Estimated advance widths (em) of Noto Sans CJK SC's Latin glyphs, a little generous so that
# a word measured to fit does fit; every other character (CJK, ✔, —) counts as one em.
NARROW_CHARS = frozenset(" ijlI.,:;'|!")
SEMI_NARROW_CHARS = frozenset('ftr()[]{}-/\\"')
WIDE_CHARS = frozenset("mwMW%@&")
BOLD_FACTOR = 1.08  # header cells are bold
# A body cell up to this wide (em) stays on one line: a figure with its unit (100.0 亿元 is
# 5.4 em), 2025Q4, a sector; a light with its words (✔ Achieved); a number, always.
LIST_SEPARATORS = re.compile(r"[,;] |[、，；]")
KEEP_TEXT_EM, KEEP_LIGHT_EM, KEEP_NUMBER_EM = 6.0, 12.0, float("inf")
# What a line never breaks: one CJK character or a run of other non-space characters, with
# the CJK brackets that may not end a line before it and the punctuation that may not start
# one after it (湛府〔2023〕14号 breaks as 湛|府|〔2023〕|14|号).
CJK = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\uffef"
OPENING = "〔（《「『【“‘"
CLOSING = "〕）》」』】”’，。、；：！？"
BREAK_UNITS = re.compile(rf"[{OPENING}]*(?:[{CJK}]|[^\s{CJK}{OPENING}{CLOSING}]+)[{CLOSING}]*")


def text_em(text: str) -> float:
    """Estimated width of `text` in em of the table font (see NARROW_CHARS)."""
    width = 0.0
    for char in text:
        if char in NARROW_CHARS:
            width += 0.3
        elif char in SEMI_NARROW_CHARS:
            width += 0.42
        elif char in WIDE_CHARS:
            width += 0.95
        else:
            width += 0.6 if char.isascii() else 1.0
    return width


def widest_word_em(text: str) -> float:
    """Width (em) of the widest piece of `text` a line cannot break.

    Word and LibreOffice break at spaces, after a hyphen inside a word (smart-/manufacturing)
    and between CJK characters; a CJK line holds at least two characters, as punctuation may
    neither start nor end one.
    """
    widest = 0.0
    for unit in BREAK_UNITS.findall(text):
        if any(unicodedata.east_asian_width(char) in "WF" for char in unit):
            widest = max(widest, 2.0, text_em(unit))
            continue
        for piece in re.split(r"(?<=-)(?=[^\W\d_])", unit):
            widest = max(widest, text_em(piece))
    return widest


def least_em(text: str, keep: float) -> float:
    """The least width (em) of a body cell: the whole text up to `keep` em unless it is a list
    (1(3), 17(2)), else its widest word."""
    width = text_em(text)
    if width <= keep and not LIST_SEPARATORS.search(text):
        return width
    return widest_word_em(text)


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], keep: Sequence[float], total: int
) -> list[int]:
    """Column widths in twips, summing to `total`, fitted to the content as a browser's
    automatic table layout (CSS 2.1) would.

    A column is at least as wide as its widest word (its whole text where a cell is no wider
    than the column's `keep` em) and wants its longest text on one line; what is left over the
    minimum goes to the columns in proportion to how much more they want, so the longest texts
    get the most room and rows stay low. Headers want one line only when every column can have
    its longest text: otherwise a header wraps rather than take room from the long names.
    """
    pad = 2 * CELL_PADDING_PT + 1.5  # padding, borders and rounding, in pt
    least, body, labels = [], [], []
    for c, label in enumerate(header):
        texts = [row[c] for row in rows]
        longest = max((text_em(t) for t in texts), default=0.0)
        words = [least_em(t, keep[c]) for t in texts]
        # A short Chinese header stays whole (最终状态, not 最终状 / 态); English ones wrap
        # between words, as headers do.
        cjk = any(unicodedata.east_asian_width(char) in "WF" for char in label)
        heading = least_em(label, KEEP_TEXT_EM) if cjk else widest_word_em(label)
        word = max([*words, heading * BOLD_FACTOR])
        least.append(word * TABLE_FONT_PT + pad)
        body.append(max(longest, word) * TABLE_FONT_PT + pad)
        labels.append(text_em(label) * BOLD_FACTOR * TABLE_FONT_PT + pad)
    space = total / 20  # twips -> pt
    most = [max(b, h) for b, h in zip(body, labels, strict=True)]
    if sum(most) <= space:  # everything fits on one line: share the rest by width
        widths = [m * space / sum(most) for m in most]
    elif sum(least) <= space:
        want = [b - lo for b, lo in zip(body, least, strict=True)]
        if sum(want) <= 0:  # only the headers want more (sum(most) > space, so they do)
            want = [m - lo for m, lo in zip(most, least, strict=True)]
        spare = (space - sum(least)) / sum(want)
        widths = [lo + w * spare for lo, w in zip(least, want, strict=True)]
    else:  # words wider than the page: shrink them all alike (a word will break)
        widths = [lo * space / sum(least) for lo in least]
    twips = [int(w * 20) for w in widths]
    twips[twips.index(max(twips))] += total - sum(twips)
    return twips


def table_widths(table: Table, body: Sequence[Sequence[str]], total: int) -> list[int]:
    """column_widths of `table` whose body cells show `body` (the texts as printed): numbers and
    lights stay on one line, other texts up to KEEP_TEXT_EM."""
    numeric = table.numeric_columns()
    shaded = table.light_positions()
    keep = [
        KEEP_NUMBER_EM if numeric[c] else KEEP_LIGHT_EM if c in shaded else KEEP_TEXT_EM
        for c in range(len(numeric))
    ]
    return column_widths([str(label) for label in table.data.columns], body, keep, total)

"""What pages draw as HTML, read in an AppTest run: short tables (kpi.outputs.html_table) as
DataFrames, the final report's headings, and the overview's cards, whose details buttons a test
can press.

The cards are one st.components.v2 element (kpi.web.card_grid) whose HTML AppTest sees as data;
its buttons report through the component's trigger, which AppTest has no method for.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pandas as pd
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest


def _elements(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _elements(child)


def grid(at: AppTest):
    """The overview's card grid element."""
    return next(e for e in _elements(at.main) if e.type == "bidi_component")


class _Cards(HTMLParser):
    """Each card's visible text (its alt texts included), by indicator code, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, list[str]] = {}
        self.badges: dict[str, str] = {}
        self.buttons: dict[str, str] = {}
        self.images: dict[str, tuple[str, str]] = {}
        self._code: str | None = None
        self._depth = 0
        self._in_badge = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "card" in (attrs.get("class") or "").split():
            self._code, self._depth = attrs["data-code"], 0
            self.cards[self._code] = []
        if self._code is None:
            return
        if tag == "div":
            self._depth += 1
        self._in_badge = tag == "span" and attrs.get("class") == "badge"
        if tag == "img":
            self.cards[self._code].append(attrs.get("alt") or "")
            self.images[self._code] = (attrs.get("src") or "", attrs.get("alt") or "")
        if tag == "button":
            self.buttons[self._code] = attrs.get("data-code") or ""

    def handle_endtag(self, tag):
        if self._code is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self._code = None

    def handle_data(self, data):
        if self._code is not None:
            self.cards[self._code].append(data)
            if self._in_badge:
                self.badges[self._code] = data
                self._in_badge = False


def parse(at: AppTest) -> _Cards:
    """The cards of the page's card grid; none when it has no grid."""
    parser = _Cards()
    for element in _elements(at.main):
        if element.type == "bidi_component":
            parser.feed(json.loads(element.proto.json)["html"])
    return parser


def card_texts(at: AppTest) -> dict[str, str]:
    """code → the card's text, its parts joined by newlines."""
    return {code: "\n".join(parts) for code, parts in parse(at).cards.items()}


def card_badges(at: AppTest) -> dict[str, str]:
    """code → the card's light badge text ('✘ 未达标')."""
    return parse(at).badges


def card_images(at: AppTest) -> dict[str, tuple[str, str]]:
    """code → the card's picture: (src, alt text)."""
    return parse(at).images


def open_card(at: AppTest, code: str) -> AppTest:
    """Press the details button of the card of `code`, as the browser reports it, and rerun."""
    assert parse(at).buttons.get(code) == code, f"no details button on card {code}"
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = _make_trigger_id(grid(at).proto.id, "events")
    state.json_trigger_value = json.dumps([{"event": "open", "value": code}])
    return at._tree._runner._run(states)


class _Tables(HTMLParser):
    """Each table's rows of cells, the header row first; a cell is (text, its attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, dict]]]] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append(("", dict(attrs)))
            self._in_cell = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            text, attrs = self.tables[-1][-1][-1]
            self.tables[-1][-1][-1] = (text + data, attrs)


def table_cells(markup: str) -> list[list[list[tuple[str, dict]]]]:
    """The tables in `markup`: rows of (text, attributes) cells, the header row first."""
    parser = _Tables()
    parser.feed(markup)
    return parser.tables


def plain_tables(at: AppTest) -> list[pd.DataFrame]:
    """The short tables drawn as HTML, in page order: cells as the text shown."""
    frames = []
    for element in at.get("html"):
        for rows in table_cells(element.proto.body):
            texts = [[text for text, _ in row] for row in rows]
            frames.append(pd.DataFrame(texts[1:], columns=texts[0]))
    return frames


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table shown: the data grids, then the plain tables."""
    return [grid.value for grid in at.dataframe] + plain_tables(at)


class _Headings(HTMLParser):
    """The text of each <h3>, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag == "h3":
            self.headings.append("")
            self._in_heading = True

    def handle_endtag(self, tag):
        if tag == "h3":
            self._in_heading = False

    def handle_data(self, data):
        if self._in_heading:
            self.headings[-1] += data


def headings(at: AppTest) -> list[str]:
    """The headings drawn as HTML (the final report's sections), in page order, as shown."""
    parser = _Headings()
    for element in at.get("html"):
        parser.feed(element.proto.body)
    return parser.headings

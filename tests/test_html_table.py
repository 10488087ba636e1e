"""Short tables drawn as HTML (kpi.outputs.html_table) and the overview's cards
(kpi.web.card_grid): every text escaped, nothing dropped, colours and order kept."""

import page_html
import pandas as pd
import pytest

from kpi.outputs import html_table, palette
from kpi.web import card_grid


def cells(markup: str) -> list[list[tuple[str, dict]]]:
    [rows] = page_html.table_cells(markup)
    return rows


def test_table_keeps_every_cell_in_order_with_the_header_first() -> None:
    frame = pd.DataFrame({"责任单位": ["市工业和信息化局", "市科技局"], "逾期": [10, 2]})
    rows = cells(html_table.html_table(frame))
    assert [[text for text, _ in row] for row in rows] == [
        ["责任单位", "逾期"],
        ["市工业和信息化局", "10"],
        ["市科技局", "2"],
    ]


def test_table_escapes_markup_from_the_store() -> None:
    hostile = '<img src=x onerror="alert(1)">&<script>'
    frame = pd.DataFrame({"<b>列</b>": [hostile]})
    markup = html_table.html_table(frame)
    assert "<img" not in markup and "<script" not in markup and "<b>" not in markup
    assert cells(markup)[1][0][0] == hostile  # shown as text, whole


def test_table_right_aligns_numbers_only() -> None:
    frame = pd.DataFrame({"name": ["a"], "n": [1.5], "flag": [True]})
    body = cells(html_table.html_table(frame))[1]
    assert [attrs.get("class") == "num" for _, attrs in body] == [False, True, False]


def test_a_short_cell_stays_on_one_line_and_a_long_one_wraps() -> None:
    """A date or a document number is not broken after a hyphen or before its 号."""
    title = "湛江市人民政府关于印发湛江市制造业数字化转型行动计划的通知"
    frame = pd.DataFrame({"no": ["湛府办〔2022〕32号"], "date": ["2023-05-08"], "title": [title]})
    body = cells(html_table.html_table(frame))[1]
    assert [attrs.get("class") for _, attrs in body] == ["keep", "keep", None]
    assert "@media (min-width:640px){.kpi-table .keep{white-space:nowrap}}" in html_table.CSS


def test_table_shows_missing_values_as_empty_cells() -> None:
    frame = pd.DataFrame({"a": [None, float("nan")], "b": pd.array([pd.NA, 1], dtype="Int64")})
    body = [[text for text, _ in row] for row in cells(html_table.html_table(frame))[1:]]
    assert body == [["", ""], ["", "1"]]


def test_table_paints_only_the_styled_cells() -> None:
    frame = pd.DataFrame({"light": ["✔ 达标", "○ 无数据"], "x": [1, 2]})
    styles = {"light": ["background-color: #CCE3F0; color: #003A5C", ""]}
    rows = cells(html_table.html_table(frame, styles))
    assert rows[1][0][1]["style"] == styles["light"][0]
    assert "style" not in rows[2][0][1] and "style" not in rows[1][1][1]


CARD = {
    "indicator_code": "idc_racks",
    "category": "数字基础设施",
    "name": "数据中心机架",
    "light": "missed",
    "trend": "",
    "actual_vs_target": "3.78 / 5 万架",
    "progress_text": "完成 75.6%",
    "margin": "差 1.22 万架",
    "change": "较上季 +0.1 万架",
    "source": "数据期 2025Q4 · 演示数据",
    "target_note": "",
    "svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 50"></svg>',
    "alt": "完成 75.6% · 2023Q1–2025Q4 各季度走势",
}


def test_card_shows_every_text_and_a_button_naming_its_indicator() -> None:
    markup = card_grid.card_html(CARD, "详情", "zh")
    for key in ("name", "actual_vs_target", "progress_text", "margin", "change", "source"):
        assert CARD[key] in markup
    assert palette.light_label("missed", "zh") in markup
    assert 'data-code="idc_racks"' in markup and 'aria-label="详情: 数据中心机架"' in markup
    assert f'alt="{CARD["alt"]}"' in markup


@pytest.mark.parametrize("key", ["name", "source", "change", "category"])
def test_card_texts_from_the_store_are_escaped(key: str) -> None:
    card = CARD | {key: "<script>alert(1)</script>"}
    markup = card_grid.grid_html([card], "详情", "zh")
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup


def test_cards_are_grouped_under_their_category_in_the_order_given() -> None:
    second = CARD | {"indicator_code": "cloud_firms", "category": "数字化转型"}
    third = CARD | {"indicator_code": "base_stations_5g"}
    markup = card_grid.grid_html([CARD, second, third], "详情", "zh")
    assert markup.count("<h3>") == 2  # one heading per category, in first-seen order
    assert markup.index("数字基础设施") < markup.index("数字化转型")
    codes = [part.split('"')[0] for part in markup.split('class="card" data-code="')[1:]]
    assert codes == ["idc_racks", "base_stations_5g", "cloud_firms"]

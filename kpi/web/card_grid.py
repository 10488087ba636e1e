"""The overview's indicator cards as one element: a grid of HTML cards, each with a details button.

26 cards of Streamlit elements (a bordered container, markdown, image and button each, in rows
of columns) were about 110 elements, and the browser's time to draw a rerun grows with the number
of elements: a switch to the overview or a change of quarter cost 2.5-3x a bare page's rerun. One
st.components.v2 element draws the same cards as plain HTML in the page (no iframe) and reports
which card's button was pressed, as the buttons did.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import streamlit as st

from kpi.outputs import palette

# Wide screens get four cards a row, as the columns did; a phone one. The grid is a layer of its
# own (will-change): Streamlit's rerun repaints the page around it, up to 80 times, and the cards
# and their sparklines were repainted each time (a third of the overview's paint time).
CSS = """
.grid { font-family: inherit; color: #1f2328; will-change: transform; }
h3 { font-size: 1.5rem; font-weight: 700; margin: 1.25rem 0 0.75rem; line-height: 1.2; }
h3:first-child { margin-top: 0; }
.cards { display: grid; gap: 1rem; grid-template-columns: repeat(4, minmax(0, 1fr)); }
@media (max-width: 1100px) { .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
@media (max-width: 640px) { .cards { grid-template-columns: minmax(0, 1fr); } }
.card { border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 1rem;
        display: flex; flex-direction: column; gap: 0.6rem; line-height: 1.5; }
.trend, .notes { color: rgba(49, 51, 63, 0.6); }
.notes { font-size: 0.875rem; }
.name { font-weight: 600; font-size: 1rem; }
.figure { font-weight: 600; font-size: 1.5rem; line-height: 1.3; }
.spark { width: 100%; display: block; }
button { align-self: flex-start; background: none; border: none; padding: 0; cursor: pointer;
         font: inherit; color: inherit; }
button:hover, button:focus-visible { color: #0b4f9c; text-decoration: underline; }
.grid > p, .card > p { margin: 0; }
"""

# Called again whenever `data` changes: the cards are replaced, the one listener stays.
JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  let root = parentElement.querySelector(".grid");
  if (!root) {
    root = document.createElement("div");
    root.className = "grid";
    parentElement.appendChild(root);
  }
  if (root.dataset.html !== data.html) {
    root.innerHTML = data.html;
    root.dataset.html = data.html;
  }
  const open = event => {
    const button = event.target.closest("button[data-code]");
    if (button) setTriggerValue("open", button.dataset.code);
  };
  root.addEventListener("click", open);
  return () => root.removeEventListener("click", open);
}
"""

_GRID = st.components.v2.component("kpi_card_grid", css=CSS, js=JS)


def _text(value: object) -> str:
    return html.escape(str(value or ""))


def card_html(card: Mapping, details: str, lang: str) -> str:
    """One card: badge and trend, name, actual / target, completion, notes, sparkline, button.
    Every text is escaped: names and notes come from the store."""
    badge = palette.light_badge_html(card["light"], lang)
    trend = f' <span class="trend">{_text(card["trend"])}</span>' if card["trend"] else ""
    notes = [f"<b>{_text(card['margin'])}</b>"] if card["margin"] else []
    notes += [_text(card[k]) for k in ("change", "source", "target_note") if card[k]]
    image = quote(card["svg"])
    code = _text(card["indicator_code"])
    return (
        f'<div class="card" data-code="{code}"><p>{badge}{trend}</p>'
        f'<p class="name">{_text(card["name"])}</p>'
        f'<p class="figure">{_text(card["actual_vs_target"])}</p>'
        f"<p>{_text(card['progress_text'])}</p>"
        + (f'<p class="notes">{" · ".join(notes)}</p>' if notes else "")
        + f'<img class="spark" src="data:image/svg+xml,{image}" alt="{_text(card["alt"])}">'
        f'<button type="button" data-code="{code}"'
        f' aria-label="{_text(details)}: {_text(card["name"])}">{_text(details)}</button></div>'
    )


def grid_html(cards: Iterable[Mapping], details: str, lang: str) -> str:
    """The cards under a heading per category, in the order given."""
    by_category: dict[str, list[Mapping]] = {}
    for card in cards:
        by_category.setdefault(card["category"], []).append(card)
    return "".join(
        f"<h3>{_text(category)}</h3><div class='cards'>"
        + "".join(card_html(card, details, lang) for card in records)
        + "</div>"
        for category, records in by_category.items()
    )


def card_grid(html: str, key: str) -> str | None:
    """Draws the cards (grid_html); the indicator code whose details button was pressed in this
    run, if any."""
    return _GRID(key=key, data={"html": html}, on_open_change=lambda: None).get("open")

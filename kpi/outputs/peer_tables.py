"""The 同类比较 (peers) table of the indicator page: other plans' rows and other cities' figures."""

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpi.base import i18n
from kpi.base.values import is_missing
from kpi.measure.peers import OTHER_CITY
from kpi.outputs import formatting

SEPARATOR = " · "


def citation(row: Mapping[str, Any], lang: str) -> str:
    """Where another city's figure comes from: city · date · document number · clause."""
    parts = [i18n.name(row, lang), str(row["as_of"]), formatting.doc_label(row, lang)]
    return SEPARATOR.join(p for p in [*parts, row.get("source_ref")] if p)


def peers_table(peers: pd.DataFrame, indicator: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """One line per peer: who (another plan or another city), value, date, target, window or source.

    `peers` is kpi.measure.peers.peers; `indicator` gives the units (a status or indicators row).
    """
    cells: dict[str, list] = {
        key: []
        for key in (
            "peers.col.who",
            "peers.col.value",
            "peers.col.when",
            "col.target",
            "peers.col.source",
        )
    }
    for row in peers.to_dict("records"):
        city = row["kind"] == OTHER_CITY
        kind = "peers.kind.other_city" if city else "peers.kind.other_plan"
        cells["peers.col.who"].append(i18n.t(kind, lang, name=i18n.name(row, lang)))
        value = formatting.format_value(row["value"], indicator, lang)
        if city:  # as the other city's document writes it, e.g. 6546 座 beside 0.65 万座
            written = f"{row['value_as_written']} {row['unit_as_written']}"
            value = i18n.t("peers.as_written", lang, value=value, written=written)
        cells["peers.col.value"].append(value)
        when = row["as_of"] if city else row["period"]
        cells["peers.col.when"].append("—" if is_missing(when) else str(when))
        target = None if city else row["target"]
        cells["col.target"].append(formatting.format_value(target, indicator, lang))
        source = (
            citation(row, lang)
            if city
            else i18n.t("peers.window", lang, start=row["start_period"], end=row["end_period"])
        )
        cells["peers.col.source"].append(source)
    return formatting.translated_frame(cells, lang)

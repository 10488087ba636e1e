"""One figure, one value on every surface (issue 11, item 3).

For every indicator at an in-plan quarter (2024Q2) and at the plan's final quarter (2025Q4) the
figures are read from each surface - the overview cards and tiles, the indicator page, the
分行业 / 方法与来源 / 预警督办清单 pages and their CSV downloads (AppTest), the bulletin's PDF
(pdftotext) and DOCX (python-docx), `etl status --format json`, `etl export warnings` and `etl
export targets` - and compared: actual, target, completion, light, gap; counts by light; sector
differences; warning and unit counts. Values are compared as the shared formatting functions
write them and lights as codes (a label is mapped back to its light code), never as wording, so
the test holds while the wording changes. The reference is what the command line prints.
"""

import datetime as dt
import functools
import io
import json
import re
import subprocess
from pathlib import Path

import page_html
import pandas as pd
import pytest
from docx import Document
from etl_run import run_etl
from PIL import Image
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.measure import alerts, progress, series
from kpi.outputs import alert_tables, bulletin, docx_render, formatting, palette, pdf_render
from kpi.store import db, queries

PLAN = "zhanjiang-dt-2023"
IN_PLAN, FINAL = "2024Q2", "2025Q4"  # one in the plan, and the plan's last quarter
QUARTERS = (IN_PLAN, FINAL)
LANG = "zh"
PAGES = Path(__file__).resolve().parent.parent / "pages"


# ------------------------------------------------------------------ reading the surfaces


def _etl(*args: str) -> str:
    done = run_etl(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _number(value: float, ind: dict) -> str:
    """A value as the pages write it, without its unit ('1.74' of '1.74 万座')."""
    text = formatting.format_value(value, ind, LANG)
    unit = i18n.unit(ind, LANG)
    return text.removesuffix(unit).strip() if unit else text


def _has_number(text: str, number: str) -> bool:
    """`number` in `text` on its own ('1' is not found in '10' nor in '1.5')."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|\.\d)", text) is not None


def _light_of_badge(markdown: str) -> str:
    """The light code of a badge the pages draw (palette.light_badge)."""
    found = [
        light for light in progress.LIGHTS if markdown.startswith(palette.light_badge(light, LANG))
    ]
    assert len(found) == 1, markdown
    return found[0]


def _light_of_name(text: str) -> str:
    """The light code of a light's name in a table cell (after its symbol, if any: '■ 红灯')."""
    words = text.split()
    found = [
        light for light in progress.LIGHTS if words and i18n.light_name(light, LANG) == words[-1]
    ]
    assert len(found) == 1, text
    return found[0]


def _run(page: str, as_of: str, **state) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=60)
    at.session_state["lang"] = LANG
    at.session_state["as_of"] = as_of
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, header_key: str) -> pd.DataFrame:
    """The page's table with that header: a data grid, or a plain table (a short one)."""
    header = i18n.t(header_key, LANG)
    return next(t for t in page_html.tables(at) if header in t.columns)


def _csv(downloads: dict, name: str) -> pd.DataFrame:
    data, _ = downloads[f"download_csv_{name}"]
    content = data() if callable(data) else data
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def store(store_copy) -> Path:
    return store_copy(True, "consistency")


@pytest.fixture
def env(store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(store))
    return store


@pytest.fixture(scope="module")
def meta(store: Path) -> dict[str, dict]:
    with db.read(store) as con:
        indicators = queries.indicators(con, PLAN)
    return {r["indicator_code"]: r for r in indicators.to_dict("records")}


@pytest.fixture(scope="module")
def etl_status(store: Path) -> dict[str, pd.DataFrame]:
    """`etl status --format json` at each quarter, by indicator code."""
    return {
        q: pd.DataFrame(
            json.loads(_etl("status", "--db", str(store), "--as-of", q, "--format", "json"))
        ).set_index("indicator_code")
        for q in QUARTERS
    }


@pytest.fixture(scope="module")
def etl_warnings(store: Path) -> dict[str, pd.DataFrame]:
    """`etl export warnings --format json` at each quarter."""
    return {
        q: pd.DataFrame(
            json.loads(
                _etl("export", "warnings", "--db", str(store), "--as-of", q, "--format", "json")
            )
        )
        for q in QUARTERS
    }


@pytest.fixture(scope="module")
def sector_differences(store: Path) -> dict[str, float]:
    """City-wide default target minus the sum of the sector defaults, from `etl export targets`."""
    targets = pd.DataFrame(
        json.loads(_etl("export", "targets", "--db", str(store), "--format", "json"))
    )
    defaults = targets[targets["is_default"].astype(bool)]
    sectors = defaults[defaults["sector"].notna()].groupby("indicator_code")["value"].sum()
    city = defaults[defaults["sector"].isna()].set_index("indicator_code")["value"]
    return {code: float(city[code]) - float(total) for code, total in sectors.items()}


@pytest.fixture(scope="module")
def bulletins(store: Path):
    """The Chinese bulletin at a quarter, built once: PDF text (squashed) and DOCX.

    Charts are 1x1 PNGs: the numbers are in the text and the tables, and no chromium is needed.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")

    @functools.cache
    def build(as_of: str) -> dict:
        b = bulletin.build_bulletin(store, PLAN, as_of, LANG, today=dt.date(2026, 1, 15))
        pngs = [buffer.getvalue()] * len(b.figures())
        pdf = pdf_render.render_pdf(b, images=pngs)
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        docx = Document(io.BytesIO(docx_render.render_docx(b, images=pngs)))
        return {"pdf": _squash(text), "docx": docx}

    return build


def _docx_table(doc, header_key: str) -> pd.DataFrame:
    """The first DOCX table whose header row has `header_key`'s text."""
    header = i18n.t(header_key, LANG)
    for table in doc.tables:
        cells = [[c.text for c in row.cells] for row in table.rows]
        if header in cells[0]:
            return pd.DataFrame(cells[1:], columns=cells[0])
    raise AssertionError(f"no table with {header}")


# ------------------------------------------------------------------ per indicator


@pytest.mark.page
@pytest.mark.parametrize("as_of", QUARTERS)
def test_overview_tiles_and_cards_agree_with_etl_status(env, etl_status, meta, as_of) -> None:
    status = etl_status[as_of]
    at = _run("cockpit", as_of)
    counts = series.light_counts(status.reset_index())
    shown = progress.lights_of(as_of == FINAL)
    tiles = {light: counts[light] for light in shown}
    assert palette.light_counts_markdown(tiles, LANG) in [m.value for m in at.markdown]
    assert sum(tiles.values()) == len(status)  # every indicator is counted under some light
    cards, badges = page_html.card_texts(at), page_html.card_badges(at)
    for code, row in status.iterrows():
        assert badges[code] == palette.light_label(row["light"], LANG), code
        joined = cards[code]
        assert _has_number(joined, _number(row["target"], meta[code])), (code, joined)
        if pd.notna(row["actual"]):
            assert _has_number(joined, _number(row["actual"], meta[code])), (code, joined)
            assert formatting.format_pct(row["completion"]).rstrip("%") in joined, code


@pytest.mark.page
@pytest.mark.parametrize("as_of", QUARTERS)
def test_indicator_page_agrees_with_etl_status(env, etl_status, meta, as_of) -> None:
    status = etl_status[as_of]
    at = _run("indicator", as_of, indicator=status.index[0])
    for code, row in status.iterrows():
        if at.selectbox(key="indicator").value != code:
            at.selectbox(key="indicator").set_value(code).run()
            assert not at.exception
        badge = next(m.value for m in at.markdown if "-badge[" in m.value)
        assert _light_of_badge(badge) == row["light"], code
        why = " ".join(i.value for i in at.info)
        if pd.notna(row["actual"]):
            for value in (row["actual"], row["target"]):
                assert _has_number(why, _number(value, meta[code])), (code, why)
            assert formatting.format_pct(row["completion"]).rstrip("%") in why, (code, why)


@pytest.mark.slow
@pytest.mark.parametrize("as_of", QUARTERS)
def test_bulletin_pdf_and_docx_agree_with_etl_status(bulletins, etl_status, meta, as_of) -> None:
    status = etl_status[as_of]
    doc, pdf = bulletins(as_of)["docx"], bulletins(as_of)["pdf"]
    table = _docx_table(doc, "col.completion").set_index(i18n.t("col.indicator", LANG))
    assert len(table) == len(status)
    for code, row in status.iterrows():
        ind = meta[code]
        cells = table.loc[i18n.name(ind, LANG)]
        assert _light_of_name(cells[i18n.t("col.light", LANG)]) == row["light"], code
        assert _has_number(cells[i18n.t("col.target", LANG)], _number(row["target"], ind))
        completion = formatting.format_pct(row["completion"])
        assert completion.rstrip("%") in cells[i18n.t("col.completion", LANG)], code
        if pd.notna(row["actual"]):
            assert _has_number(cells[i18n.t("col.actual", LANG)], _number(row["actual"], ind))
        # the PDF is drawn from the same document: each cell of the row is in its text
        for cell in cells.tolist():
            assert _squash(cell) in pdf, (code, cell)


@pytest.mark.page
@pytest.mark.parametrize("as_of", QUARTERS)
def test_warning_list_agrees_with_etl_status_on_page_download_and_export(
    env, downloads, etl_status, etl_warnings, meta, as_of
) -> None:
    status, exported = etl_status[as_of], etl_warnings[as_of]
    # the export: every warned indicator with the status numbers, one row per unit
    rows = exported[exported["kind"] == alerts.INDICATOR]
    for r in rows.to_dict("records"):
        expected = status.loc[r["ref"]]
        assert r["state"] == expected["light"], r["ref"]
        assert r["actual"] == pytest.approx(expected["actual"]), r["ref"]
        assert r["completion"] == pytest.approx(expected["completion"]), r["ref"]
    behind = status[status["light"].isin(alerts.WARNING_LIGHTS)]
    assert set(rows["ref"]) == set(behind.index)
    # the page and its CSV: the same rows, each indicator row with the status numbers
    at = _run("warnings", as_of, warnings_section="warnings.list")  # its tab
    shown = _table(at, "col.escalation")
    csv = _csv(downloads, "warnings_list")
    assert len(shown) == len(csv) == len(exported)
    for table in (shown, csv):
        item, kind = i18n.t("col.item", LANG), i18n.t("col.kind", LANG)
        on_list = table[table[kind] == i18n.t("warnings.kind.indicator", LANG)]
        by_name = {i18n.name(meta[c], LANG): c for c in behind.index}
        assert set(on_list[item]) == set(by_name)
        for r in on_list.to_dict("records"):
            expected, ind = status.loc[by_name[r[item]]], meta[by_name[r[item]]]
            assert _light_of_name(r[i18n.t("col.state", LANG)]) == expected["light"]
            assert str(r[i18n.t("col.actual", LANG)]) == formatting.format_value(
                expected["actual"], ind, LANG
            )
            assert str(r[i18n.t("col.completion", LANG)]) == formatting.format_pct(
                expected["completion"]
            )
            assert str(r[i18n.t("col.gap", LANG)]) == formatting.format_points(
                expected["gap_points"]
            )


# ------------------------------------------------------------------ counts


@pytest.mark.page
@pytest.mark.parametrize("as_of", QUARTERS)
def test_counts_agree_on_warning_page_bulletin_and_etl(
    env, downloads, bulletins, etl_status, etl_warnings, as_of
) -> None:
    exported = etl_warnings[as_of]
    notices = alerts.notice_counts(exported)
    at = _run("warnings", as_of)
    metrics = {m.label: int(m.value) for m in at.metric}
    late = exported[exported["kind"] == alerts.LATE_REPORT]
    assert metrics == {
        i18n.t("warnings.metric.units", LANG): notices["warning_units"],
        alert_tables.notices_badge(alerts.RED_NOTICE, LANG): notices[alerts.RED_NOTICE],
        alert_tables.notices_badge(alerts.YELLOW_NOTICE, LANG): notices[alerts.YELLOW_NOTICE],
        i18n.t("calendar.late.metric", LANG): late["unit_zh"].nunique() if len(late) else 0,
    }
    units = _csv(downloads, "warnings_units")
    red = i18n.t("col.red_notices", LANG)
    assert units[red].astype(int).sum() == notices[alerts.RED_NOTICE]
    assert len(units) == notices["warning_units"]  # the demo links every indicator to a unit
    # the summary sentence of the page and of the bulletin: the same numbers
    sentence = alert_tables.warning_summary(notices, as_of == FINAL, LANG)
    assert sentence in [m.value for m in at.markdown]
    assert _squash(sentence) in bulletins(as_of)["pdf"]
    docx = _squash("".join(p.text for p in bulletins(as_of)["docx"].paragraphs))
    assert _squash(sentence) in docx
    # the red and yellow indicators on the list are the red and yellow lights of etl status
    lights = series.light_counts(etl_status[as_of].reset_index())
    assert notices["warned_indicators"] == sum(lights[w] for w in alerts.WARNING_LIGHTS)
    # the bulletin's task sentence names the units with an overdue sub-task, as the list does
    with db.read(env) as con:
        inputs = bulletin.read_inputs(con, PLAN, as_of)
    counts = bulletin.inputs_counts(inputs)
    assert {k: counts[k] for k in notices} == notices
    assert _squash(bulletin.tasks_sentence(counts, LANG)) in bulletins(as_of)["pdf"]


@pytest.mark.page
@pytest.mark.parametrize("as_of", QUARTERS)
def test_sector_differences_agree_on_sectors_method_and_bulletin(
    env, downloads, bulletins, sector_differences, meta, as_of
) -> None:
    assert sector_differences["smart_equipment"] == 220  # 1600 city-wide, 1380 over 专栏1
    expected = {
        i18n.name(meta[code], LANG): formatting.format_value(diff, meta[code], LANG)
        for code, diff in sector_differences.items()
    }
    indicator, difference = i18n.t("col.indicator", LANG), i18n.t("col.difference", LANG)
    sectors = _run("sectors", as_of, sectors_sum_tables=True)  # the check tables, opened
    method = _run("method", as_of)
    tables = {
        "sectors page": _table(sectors, "col.difference"),
        "sectors CSV": _csv(downloads, "sectors_target_check"),
        "method page": _table(method, "col.difference"),
        "method CSV": _csv(downloads, "method_sector_sum"),
        "bulletin DOCX": _docx_table(bulletins(as_of)["docx"], "col.difference"),
    }
    for surface, table in tables.items():
        shown = dict(zip(table[indicator], table[difference].astype(str), strict=True))
        assert shown == expected, surface
    for text in expected.values():
        assert _squash(text) in bulletins(as_of)["pdf"]

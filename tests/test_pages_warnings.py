"""AppTest runs of the warning list page (预警督办清单) against the demo and empty databases."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.base import i18n
from kpi.measure import alerts
from kpi.outputs import alert_tables
from kpi.store import db, queries

pytestmark = pytest.mark.page

PAGE = "../pages/warnings.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _run(lang: str = "zh", as_of: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    if as_of:
        at.session_state["as_of"] = as_of
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _direct(path: Path, as_of: str):
    with db.read(path) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        return alerts.warning_list_from_store(con, plan_id, as_of)


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


# The section each table is in: one section is drawn at a time (widgets.tab_sections).
TAB_OF_COLUMN = {"col.escalation": "warnings.list", "col.red_notices": "warnings.units"}


def _table(at: AppTest, lang: str, key: str = "col.escalation"):
    at.session_state["warnings_section"] = TAB_OF_COLUMN[key]
    at.run()
    return next(d.value for d in at.dataframe if i18n.t(key, lang) in d.value.columns)


def _download_keys(at: AppTest) -> set[str]:
    return {b.key for b in at.download_button}


@pytest.fixture
def demo_env(module_demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(module_demo_store))
    return module_demo_store


@pytest.mark.parametrize("as_of", ["2025Q4", "2024Q2"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warning_page_counts_notices_like_the_core_when_run(
    demo_env: Path, lang: str, as_of: str
) -> None:
    at = _run(lang, as_of)
    expected = _direct(demo_env, as_of)
    counts = alerts.notice_counts(expected)
    assert _metrics(at) == {
        i18n.t("warnings.metric.units", lang): counts["warning_units"],
        alert_tables.notices_badge(alerts.RED_NOTICE, lang): counts[alerts.RED_NOTICE],
        alert_tables.notices_badge(alerts.YELLOW_NOTICE, lang): counts[alerts.YELLOW_NOTICE],
        i18n.t("calendar.late.metric", lang): 0,  # demo figures are neither on time nor late
    }
    table = _table(at, lang)
    assert _download_keys(at) == {f"download_{f}_warnings_list" for f in ("csv", "xlsx")}
    assert len(table) == len(expected) > 0
    shown = table[i18n.t("col.escalation", lang)].value_counts().to_dict()
    assert (
        shown.get(alert_tables.escalation_text(alerts.RED_NOTICE, lang), 0)
        == counts[alerts.RED_NOTICE]
    )
    assert table[i18n.t("col.quarters", lang)].tolist() == expected["quarters"].tolist()
    units = _table(at, lang, "col.red_notices")
    assert len(units) == counts["warning_units"]  # the demo links every indicator to a unit
    assert units[i18n.t("col.red_notices", lang)].sum() == counts[alerts.RED_NOTICE]
    assert _download_keys(at) == {f"download_{f}_warnings_units" for f in ("csv", "xlsx")}
    assert any("演示" in w.value or "Demo" in w.value for w in at.warning)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warning_page_labels_are_in_the_chosen_language(demo_env: Path, lang: str) -> None:
    at = _run(lang, "2024Q2")  # in the plan: lights (the final quarter says 达标 / 未达标)
    table = _table(at, lang)
    texts = [at.title[0].value, *(s.value for s in at.subheader), *(m.label for m in at.metric)]
    texts += at.button_group(key="warnings_section").options
    texts += list(table.columns) + list(table[i18n.t("col.state", lang)].unique())
    texts += list(table[i18n.t("col.kind", lang)].unique())
    if lang == "en":
        assert not any(CJK.search(t) for t in texts), texts
        assert table[i18n.t("col.unit", lang)].str.contains("Municipal Bureau").any()
    else:
        assert "预警督办清单" in texts and "红灯" in texts and "子任务" in texts


def test_warning_page_filters_by_unit_and_escalation(demo_env: Path) -> None:
    expected = _direct(demo_env, "2025Q4")
    at = _run()
    unit = alerts.unit_options(expected)[1]
    at.multiselect(key="warnings_units").set_value([unit]).run()
    table = _table(at, "zh")
    assert set(table["责任单位"]) == {unit}
    assert len(table) == (expected["unit_zh"] == unit).sum()
    at.multiselect(key="warnings_levels").set_value([alerts.YELLOW_NOTICE]).run()
    table = _table(at, "zh")
    assert set(table["督办等级"]) == {alert_tables.escalation_text(alerts.YELLOW_NOTICE, "zh")}
    assert len(table) == len(
        alerts.filter_list(expected, units=[unit], escalations=["yellow_notice"])
    )
    assert not at.exception


def test_warning_page_without_data_lists_only_unreported_tasks(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_DB", str(empty_db))
    at = _run()
    assert not any("演示" in w.value for w in at.warning)
    table = _table(at, "zh")
    assert set(table["类型"]) == {"子任务"}
    assert set(table["督办等级"]) == {alert_tables.escalation_text(alerts.YELLOW_NOTICE, "zh")}

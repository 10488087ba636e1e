"""The view lives in the address: plan, as_of, lang and (on the detail page) indicator.

A link or a reload opens exactly the view its query names; a value the plan does not know falls
back to the default, and the address is corrected; choices made on the page are written back.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.page

APP, COCKPIT, INDICATOR = "../app.py", "../pages/cockpit.py", "../pages/indicator.py"
PLAN = "zhanjiang-dt-2023"
VIEW = {"plan": PLAN, "as_of": "2024Q2", "lang": "en", "indicator": "base_stations_5g"}
DEFAULT_AS_OF = "2025Q4"  # the demo data's latest quarter


@pytest.fixture(scope="module")
def demo_path(store_copy) -> Path:
    return store_copy(True, "query")


@pytest.fixture(autouse=True)
def kpi_db(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(demo_path))
    monkeypatch.delenv("KPI_VIEW_REQUIRES_LOGIN", raising=False)
    return demo_path


def open_url(page: str, query: dict[str, str]) -> AppTest:
    """A new session on `page` whose address carries `query` (a link, a reload)."""
    at = AppTest.from_file(page, default_timeout=90)
    at.query_params.update(query)
    return rerun(at)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def view(at: AppTest) -> dict[str, str]:
    """The view the page drew: its language, as-of quarter and (detail page) indicator.

    Read from the session, as the pages do: AppTest drops app.py's sidebar after a page switch.
    """
    shown = {k: at.session_state[k] for k in ("plan", "lang", "as_of")}
    picked = [s for s in at.selectbox if s.key == "indicator"]
    if picked:
        shown["indicator"] = picked[0].value
    title = {"zh": "指标详情", "en": "Indicator detail"} if picked else {}
    assert at.title[0].value == title.get(shown["lang"], at.title[0].value)
    assert any(shown["as_of"] in c.value for c in at.caption)  # the page header's quarter
    return shown


def test_the_address_opens_exactly_that_view_when_it_names_one() -> None:
    at = open_url(INDICATOR, VIEW)
    assert view(at) == VIEW
    assert dict(at.query_params) == VIEW


def test_the_address_opens_that_view_through_the_navigation_when_it_names_one() -> None:
    # /indicator?... in the browser: app.py runs first and reads the address.
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(VIEW)
    at.switch_page("pages/indicator.py")
    rerun(at)
    assert view(at) == VIEW
    assert dict(at.query_params) == VIEW


def test_a_reload_keeps_the_view_when_the_address_is_opened_again() -> None:
    first = open_url(INDICATOR, VIEW)
    first.selectbox(key="indicator").set_value("idc_racks")
    rerun(first)
    again = open_url(INDICATOR, dict(first.query_params))
    assert view(again) == VIEW | {"indicator": "idc_racks"}


@pytest.mark.parametrize(
    ("query", "fallback"),
    [
        ({"lang": "xx"}, {"lang": "zh"}),
        ({"plan": "no_such_plan"}, {"plan": PLAN}),
        ({"as_of": "2031Q1"}, {"as_of": DEFAULT_AS_OF}),  # after the plan and the data
        ({"as_of": "2019Q4"}, {"as_of": DEFAULT_AS_OF}),  # before the plan
        ({"as_of": "<script>"}, {"as_of": DEFAULT_AS_OF}),
        ({"indicator": "no_such_indicator"}, {}),
    ],
)
def test_an_unknown_value_falls_back_to_the_default_when_the_address_names_one(query, fallback):
    at = open_url(INDICATOR, VIEW | query)
    shown = view(at)
    assert shown | fallback == shown  # the fallback is shown ...
    assert dict(at.query_params) == shown  # ... and the address says so
    assert shown["indicator"] != "no_such_indicator"


def test_a_choice_on_the_page_is_written_to_the_address_when_made() -> None:
    at = open_url(COCKPIT, {})
    assert at.query_params == {"plan": PLAN, "as_of": DEFAULT_AS_OF, "lang": "zh"}
    at.selectbox(key="as_of").set_value("2024Q2")
    rerun(at)
    at.radio(key="lang").set_value("en")
    rerun(at)
    assert at.query_params == {"plan": PLAN, "as_of": "2024Q2", "lang": "en"}
    assert view(at) == {"plan": PLAN, "as_of": "2024Q2", "lang": "en"}


def test_the_unchanged_address_does_not_undo_a_choice_when_the_page_reruns() -> None:
    at = open_url(INDICATOR, VIEW)
    at.selectbox(key="indicator").set_value("idc_racks")
    rerun(at)
    at.selectbox(key="as_of").set_value("2024Q4")
    rerun(at)
    assert view(at) == VIEW | {"as_of": "2024Q4", "indicator": "idc_racks"}
    assert at.query_params["indicator"] == "idc_racks"


def test_a_switch_without_query_keeps_the_view_when_it_lands() -> None:
    # st.switch_page without query_params (a card's arrow) empties the address in the browser;
    # the session still holds the view and the page writes it back.
    at = open_url(INDICATOR, VIEW)
    at.session_state["indicator"] = "idc_racks"  # what a card's arrow sets
    at.query_params.clear()
    rerun(at)
    assert view(at) == VIEW | {"indicator": "idc_racks"}
    assert at.query_params == VIEW | {"indicator": "idc_racks"}


def test_a_new_address_in_the_same_session_wins_when_it_changed() -> None:
    # Back / forward, or a link followed in the same tab.
    at = open_url(INDICATOR, VIEW)
    at.query_params.update({"as_of": "2023Q4", "indicator": "idc_racks"})
    rerun(at)
    assert view(at) == VIEW | {"as_of": "2023Q4", "indicator": "idc_racks"}

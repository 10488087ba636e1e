"""Every leader page draws Guangzhou's plan, shipped beside Zhanjiang's (issue 13, item 4): no
sectors, no districts, targets due in 2023 as well as 2025."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PLAN = "guangzhou-dt-draft"
LEADER_PAGES = [
    "cockpit",
    "indicator",
    "sectors",
    "tasks",
    "warnings",
    "reports",
    "final",
    "method",
]


@pytest.fixture(autouse=True)
def kpi_db(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPI_DB", str(demo_db))
    monkeypatch.delenv("KPI_VIEW_REQUIRES_LOGIN", raising=False)
    return demo_db


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", LEADER_PAGES)
def test_a_leader_page_draws_the_second_plan(page: str, lang: str) -> None:
    at = AppTest.from_file(f"../pages/{page}.py", default_timeout=120)
    at.query_params.update({"plan": PLAN, "lang": lang})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["plan"] == PLAN
    plan_name = {"zh": "广州市推进制造业数字化转型若干政策措施", "en": "Guangzhou"}[lang]
    assert any(plan_name in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_target_due_before_the_plan_ends_is_judged_at_its_own_quarter(demo_db: Path) -> None:
    from kpi.measure import assessment
    from kpi.store import db

    with db.read(demo_db) as con:
        data = assessment.read_plan_data(con, PLAN, "2023Q4")
        status = assessment.status_table(data, "2023Q4").set_index("indicator_code")
    assert data.due_period("gz_id_nodes") == "2023Q4"
    assert data.due_period("gz_cloud_firms") == "2025Q4"
    assert status.loc["gz_id_nodes", "is_final"]  # 达标 / 未达标 from 2023Q4
    assert not status.loc["gz_cloud_firms", "is_final"]

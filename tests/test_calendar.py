"""The reporting calendar: due dates, the due quarter, 按时 / 逾期 / 未报 / 待报 / 演示数据 per
unit and indicator, the late reports of the warning list (page and export)."""

from datetime import date, datetime
from pathlib import Path

import pytest
from calendar_helpers import (
    LATE_INDICATOR,
    LATE_QUARTER,
    LATE_UNIT,
    PLAN,
    add_batch,
    late_unit_store,
)
from intake_helpers import run_page, use_accounts
from streamlit.testing.v1 import AppTest

from kpi.base import config, i18n
from kpi.measure import alerts, tracking
from kpi.store import db, intake, queries

PLAN_ROW = {"start_period": "2023Q1", "end_period": "2025Q4", "base_period": "2022Q4"}
DUE = date(2026, 1, 15)  # 2025Q4 with the default 15 days
UNIT = "市工业和信息化局"
ONLY_UNITS = ["市教育局", "市人力资源和社会保障局"]  # digital_talent is their only indicator


# ------------------------------------------------------------------ due dates and quarters


@pytest.mark.parametrize(
    "period, due",
    [
        ("2025Q1", date(2025, 4, 15)),
        ("2025Q2", date(2025, 7, 15)),
        ("2025Q3", date(2025, 10, 15)),
        ("2025Q4", date(2026, 1, 15)),  # the year turns
        ("2024Q4", date(2025, 1, 15)),
    ],
)
def test_due_date_is_the_15th_of_the_next_month_by_default(period: str, due: date) -> None:
    assert tracking.due_date(period) == due


@pytest.mark.parametrize(
    "days, period, due",
    [
        (30, "2025Q4", date(2026, 1, 30)),
        (45, "2025Q3", date(2025, 11, 14)),
        (0, "2025Q2", date(2025, 6, 30)),
    ],
)
def test_due_date_follows_report_due_days_when_configured(
    monkeypatch: pytest.MonkeyPatch, days: int, period: str, due: date
) -> None:
    monkeypatch.setattr(config, "REPORT_DUE_DAYS", days)
    assert tracking.due_date(period) == due


@pytest.mark.parametrize(
    "today, quarter",
    [
        (date(2021, 6, 1), "2023Q1"),  # before the plan: its first quarter
        (date(2023, 2, 10), "2023Q1"),  # in its first quarter: nothing has ended yet
        (date(2024, 1, 1), "2023Q4"),
        (date(2024, 5, 10), "2024Q1"),
        (date(2025, 12, 31), "2025Q3"),
        (date(2026, 1, 1), "2025Q4"),
        (date(2026, 11, 29), "2025Q4"),  # after the plan: its last quarter
    ],
)
def test_due_quarter_is_the_last_ended_quarter_clamped_into_the_plan(
    today: date, quarter: str
) -> None:
    assert tracking.due_quarter(PLAN_ROW, today) == quarter
    assert tracking.reporting_period(PLAN_ROW, today) == quarter


def test_due_quarter_starts_after_the_base_period_when_the_plan_names_no_start() -> None:
    plan = {"base_period": "2022Q4", "end_period": "2025Q4"}
    assert tracking.due_quarter(plan, date(2020, 1, 1)) == "2023Q1"


@pytest.mark.parametrize(
    "today", [date(2021, 6, 1), date(2023, 2, 10), date(2024, 5, 10), date(2026, 11, 29)]
)
def test_period_choices_stay_in_the_plan_and_start_at_the_due_quarter(today: date) -> None:
    choices = tracking.period_choices(PLAN_ROW, today)
    assert choices[0] == tracking.due_quarter(PLAN_ROW, today)
    assert all("2023Q1" <= q <= "2025Q4" for q in choices)
    assert choices == sorted(choices, reverse=True)


def test_demo_store_is_due_for_the_plans_last_quarter_on_2026_11_29(demo_db: Path) -> None:
    with db.read(demo_db) as con:
        plan = queries.plan(con, PLAN)
    assert tracking.due_quarter(plan, date(2026, 11, 29)) == "2025Q4"


# ------------------------------------------------------------------ statuses


def _status(path: Path, today: date, period: str = "2025Q4"):
    frame = tracking.read_reporting_status(path, PLAN, period, today)
    return frame.set_index(["unit_zh", "indicator_code"])


def test_first_submission_on_the_due_date_is_on_time(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 15, 23, 59))
    row = _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks")]
    assert row["state"] == tracking.ON_TIME
    assert row["submitted_by"] == "alice" and row["submitted_unit"] == UNIT
    assert row["review_state"] == tracking.APPROVED and row["days_overdue"] == 0


def test_first_submission_after_the_due_date_is_late(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 16, 0, 0))
    assert _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks"), "state"] == tracking.LATE


def test_a_later_correction_keeps_the_first_submission_on_time(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 10))
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 2, 20), user="bob")
    row = _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks")]
    assert row["state"] == tracking.ON_TIME and row["submitted_by"] == "alice"


def test_nothing_submitted_after_the_due_date_is_missing_with_days_overdue(empty_db: Path) -> None:
    row = _status(empty_db, date(2026, 1, 25)).loc[(UNIT, "idc_racks")]
    assert row["state"] == tracking.MISSING and row["days_overdue"] == 10


def test_nothing_submitted_up_to_the_due_date_is_not_yet_due(empty_db: Path) -> None:
    status = _status(empty_db, DUE)
    assert set(status["state"]) == {tracking.NOT_DUE}
    assert (status["days_overdue"] == 0).all()


def test_demo_figures_are_neither_on_time_nor_late(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 11, 29), is_demo=True)
    add_batch(empty_db, [("cloud_firms", "2025Q4")], datetime(2025, 12, 1), is_demo=True)
    status = _status(empty_db, date(2026, 11, 29))
    assert status.loc[(UNIT, "idc_racks"), "state"] == tracking.DEMO
    assert status.loc[(UNIT, "cloud_firms"), "state"] == tracking.DEMO


def test_a_real_submission_beside_demo_figures_is_timed(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2025, 12, 1), is_demo=True)
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 2, 1))
    row = _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks")]
    assert row["state"] == tracking.LATE and row["submitted_by"] == "alice"


@pytest.mark.parametrize("review_state", ["pending", "returned"])
def test_a_submission_waiting_for_review_counts_and_says_so(
    empty_db: Path, review_state: str
) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 5), review_state=review_state)
    row = _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks")]
    assert row["state"] == tracking.ON_TIME and row["review_state"] == review_state


def test_status_of_several_quarters_is_each_quarters_status_in_turn(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q2")], datetime(2025, 8, 1))  # late
    add_batch(
        empty_db, [("idc_racks", "2025Q3"), ("dcmm_trainees", "2025Q3")], datetime(2025, 10, 2)
    )
    add_batch(empty_db, [("idc_racks", "2025Q3")], datetime(2025, 12, 1), review_state="pending")
    add_batch(empty_db, [("dcmm_trainees", "2025Q2")], datetime(2025, 7, 1), is_demo=True)
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 5), unit=ONLY_UNITS[0])
    today, quarters = date(2026, 1, 10), ["2025Q2", "2025Q3", "2025Q4"]  # 2025Q4 not yet due
    with db.read(empty_db) as con:
        args = (
            tracking.responsible_pairs(con, PLAN),
            queries.indicators(con, PLAN),
            queries.figure_submissions(con, PLAN),
        )
    together = tracking.reporting_status(*args, quarters, today)
    for quarter in quarters:
        alone = tracking.reporting_status(*args, quarter, today)
        assert set(alone["state"]) > {tracking.MISSING} or quarter == "2025Q4"
        assert together[together["period"] == quarter].reset_index(drop=True).equals(alone)
    states = together.set_index(["period", "unit_zh", "indicator_code"])["state"]
    assert states[("2025Q2", UNIT, "idc_racks")] == tracking.LATE
    assert states[("2025Q3", UNIT, "idc_racks")] == tracking.ON_TIME
    assert states[("2025Q2", UNIT, "dcmm_trainees")] == tracking.DEMO
    assert states[("2025Q4", UNIT, "idc_racks")] == tracking.ON_TIME
    assert tracking.reporting_status(*args, [], today).empty


def test_a_rolled_back_batch_is_no_submission(empty_db: Path) -> None:
    batch = add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 5))
    with db.connect(empty_db) as con:
        con.execute("update batches set rolled_back_by = ? where batch_id = ?", [batch + 1, batch])
    assert _status(empty_db, date(2026, 3, 1)).loc[(UNIT, "idc_racks"), "state"] == tracking.MISSING


def test_a_submission_by_one_unit_reports_the_indicator_for_all_its_units(empty_db: Path) -> None:
    add_batch(empty_db, [(LATE_INDICATOR, "2025Q4")], datetime(2026, 1, 5), user="it", unit=None)
    status = _status(empty_db, date(2026, 3, 1)).xs(LATE_INDICATOR, level="indicator_code")
    assert len(status) > 1 and set(status["state"]) == {tracking.ON_TIME}
    assert set(status["submitted_by"]) == {"it"}


def test_responsible_units_expand_the_collective_county_unit(empty_db: Path) -> None:
    with db.read(empty_db) as con:
        owners = intake.indicator_units(con, PLAN)
        counties = intake.county_units(con, PLAN)
        pairs = tracking.responsible_pairs(con, PLAN)
    code = next(c for c, units in owners.items() if intake.COLLECTIVE_COUNTY_UNIT in units)
    listed = set(pairs.loc[pairs["indicator_code"] == code, "unit_zh"])
    assert set(counties) <= listed and intake.COLLECTIVE_COUNTY_UNIT not in listed


def test_unit_summary_counts_states_and_names_the_worst(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 5))
    add_batch(empty_db, [("cloud_firms", "2025Q4")], datetime(2026, 2, 5))
    status = tracking.read_reporting_status(empty_db, PLAN, "2025Q4", date(2026, 3, 1))
    summary = tracking.unit_summary(status).set_index("unit_zh")
    mine = status[status["unit_zh"] == UNIT]
    row = summary.loc[UNIT]
    assert row[tracking.ON_TIME] >= 1 and row[tracking.LATE] >= 1
    assert row[tracking.MISSING] == len(mine) - row[tracking.ON_TIME] - row[tracking.LATE]
    assert row["worst"] == tracking.MISSING and row["reported"] == 2
    assert "互联网数据中心标准机架" not in row["unreported_zh"]
    assert list(summary["worst"].map(tracking.STATES.index)) == sorted(
        summary["worst"].map(tracking.STATES.index)
    )


def test_unit_summary_worst_is_not_yet_due_before_the_due_date(empty_db: Path) -> None:
    add_batch(empty_db, [("idc_racks", "2025Q4")], datetime(2026, 1, 5))
    status = tracking.read_reporting_status(empty_db, PLAN, "2025Q4", date(2026, 1, 10))
    assert tracking.unit_summary(status).set_index("unit_zh").loc[UNIT, "worst"] == (
        tracking.NOT_DUE
    )


# ------------------------------------------------------------------ late reports


def test_late_reports_list_only_the_unit_that_has_not_reported(demo_db: Path) -> None:
    late_unit_store(demo_db)
    today = date(2026, 11, 29)
    late, demo = tracking.read_calendar(demo_db, PLAN, today)
    assert set(late["period"]) == {LATE_QUARTER}
    rows = late.set_index("unit_zh")
    assert set(ONLY_UNITS) <= set(rows.index)
    assert rows.loc[LATE_UNIT, "indicator_codes"] == (LATE_INDICATOR,)
    assert rows.loc[LATE_UNIT, "days_overdue"] == (today - DUE).days
    assert LATE_QUARTER not in demo and "2025Q3" in demo  # earlier quarters are demo data


def test_demo_store_has_no_late_reports_only_demo_quarters(demo_db: Path) -> None:
    late, demo = tracking.read_calendar(demo_db, PLAN, date(2026, 11, 29))
    assert late.empty
    assert demo[0] == "2023Q1" and demo[-1] == "2025Q4" and len(demo) == 12


def test_warnings_export_appends_the_late_reports(demo_db: Path) -> None:
    late_unit_store(demo_db)
    with db.read(demo_db) as con:
        frame = alerts.export_from_store(con, PLAN, "2025Q4", date(2026, 11, 29))
        notices = alerts.warning_list_from_store(con, PLAN, "2025Q4")
    reports = frame[frame["kind"] == alerts.LATE_REPORT]
    assert len(frame) == len(notices) + len(reports)
    row = reports.set_index("unit_zh").loc[LATE_UNIT]
    assert row["ref"] == LATE_QUARTER and row["indicator_codes"] == LATE_INDICATOR
    assert (
        row["due_date"] == "2026-01-15" and row["days_overdue"] == (date(2026, 11, 29) - DUE).days
    )


# ------------------------------------------------------------------ the warnings page


@pytest.mark.page
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_warning_page_lists_the_late_unit(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    late_unit_store(demo_db)
    monkeypatch.setenv("KPI_DB", str(demo_db))
    at = AppTest.from_file("../pages/warnings.py", default_timeout=90)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert i18n.t("calendar.late.title", lang) in [s.value for s in at.subheader]
    table = next(
        d.value for d in at.dataframe if i18n.t("calendar.col.days_overdue", lang) in d.value
    )
    units = table[i18n.t("col.unit", lang)].tolist()
    name = LATE_UNIT if lang == "zh" else "Municipal Education Bureau"
    assert name in units
    row = table[table[i18n.t("col.unit", lang)] == name].iloc[0]
    assert row[i18n.t("col.period", lang)] == LATE_QUARTER
    assert row[i18n.t("calendar.col.days_overdue", lang)] == (date.today() - DUE).days
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics[i18n.t("calendar.late.metric", lang)] == len(set(table.iloc[:, 0]))
    keys = {b.key for b in at.download_button}
    assert "download_csv_warnings_late_reports" in keys


# ------------------------------------------------------------------ the tracking on the upload page


def _upload_page(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    use_accounts(monkeypatch, tmp_path, path, {"admin": ("admin", None)})
    return run_page("../pages/upload.py", "admin")


@pytest.mark.page
def test_upload_page_tracks_the_due_quarter_and_calls_demo_figures_demo(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = _upload_page(demo_db, monkeypatch, tmp_path)
    with db.read(demo_db) as con:
        due = tracking.due_quarter(queries.plan(con, PLAN))
    assert at.selectbox(key="upload_tracking_period").value == due
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["已报送指标"] == 0 and metrics["未报送指标"] == 0 and metrics["演示数据"] == 26
    assert not any("所有指标均已报送" in s.value for s in at.success)
    detail = next(d.value for d in at.dataframe if "报送状态" in d.value.columns)
    assert set(detail["报送状态"]) == {"演示数据"}


@pytest.mark.page
def test_upload_page_shows_late_and_missing_units_of_the_chosen_quarter(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    late_unit_store(demo_db)
    at = _upload_page(demo_db, monkeypatch, tmp_path)
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["已报送指标"] == 25 and metrics["未报送指标"] == 1
    summary = next(d.value for d in at.dataframe if "最差状态" in d.value.columns)
    row = summary[summary["责任单位"] == LATE_UNIT].iloc[0]
    assert row["最差状态"] == "未报" and row["未报"] == 1 and row["按时"] == 0
    detail = next(d.value for d in at.dataframe if "报送状态" in d.value.columns)
    on_time = detail[detail["报送状态"] == "按时"]
    assert len(on_time) > 0 and set(on_time["填报人"]) == {"staff"}

"""The audit trail of loads and rollbacks (before/after figures, capped) and the overview's
card source for real uploads (batch and file)."""

import io
import json

import pandas as pd
import pytest
from intake_helpers import fixture_bytes

from etl.cli import main as etl_main
from kpi.auth.accounts import User
from kpi.measure import assessment
from kpi.outputs import status_tables
from kpi.store import db, ingest, intake, queries

PLAN = "zhanjiang-dt-2023"
ADMIN = User("root", "admin", None, "管理员")


def commit(path, name: str, content: bytes | None = None) -> int:
    """An admin's upload: in force at once (a staff member's waits for review, whose approval
    is audited in tests/test_review.py)."""
    check = intake.check_file(path, PLAN, content or fixture_bytes(name), name)
    return intake.commit_upload(path, ADMIN, check, accept_warnings=True)


def entry_of(path, action: str, batch_id: int) -> dict:
    with db.connect(path) as con:
        log = queries.audit_log(con)
    row = log[(log["action"] == action) & (log["batch_id"] == batch_id)].iloc[0]
    return {
        "role": row.role,
        "before": json.loads(row.before_json),
        "after": json.loads(row.after_json),
    }


def figures(listed: list[dict]) -> dict[tuple, float]:
    return {
        (f["indicator_code"], f["period"], f["sector_code"], f["district_code"]): f["value"]
        for f in listed
    }


def test_upload_audit_keeps_superseded_figures_before_and_new_ones_after(demo_db):
    with db.connect(demo_db) as con:
        old = queries.current_figures(con, PLAN, "2024Q3")
    old_racks = old[
        (old.indicator_code == "idc_racks") & (old.period == "2024Q3") & old.sector_code.isna()
    ].value.iloc[0]
    batch_id = commit(demo_db, "utf8-bom.csv")
    entry = entry_of(demo_db, "load", batch_id)
    assert entry["role"] == "admin"
    before, after = entry["before"], entry["after"]
    assert before["figures_superseded"] == 2 and not before["figures_truncated"]
    assert figures(before["figures"])[("idc_racks", "2024Q3", None, None)] == old_racks
    assert after["figures_written"] == 2 and not after["figures_truncated"]
    assert figures(after["figures"]) == {
        ("idc_racks", "2024Q3", None, None): 28500,
        ("dcmm_trainees", "2024Q3", None, None): 25,
    }
    assert after["file"] == "utf8-bom.csv" and after["changed"] == 2


def test_upload_audit_list_is_capped_but_counts_are_complete(demo_db, monkeypatch):
    monkeypatch.setattr(ingest, "AUDIT_FIGURES_LIMIT", 1)
    batch_id = commit(demo_db, "gbk-chinese-headers.csv")
    entry = entry_of(demo_db, "load", batch_id)
    assert entry["after"]["figures_written"] == 3  # 3 changed, 1 unchanged
    assert len(entry["after"]["figures"]) == 1 and entry["after"]["figures_truncated"]
    assert entry["before"]["figures_superseded"] == 3
    assert len(entry["before"]["figures"]) == 1 and entry["before"]["figures_truncated"]


def test_rollback_audit_is_the_reverse_of_the_upload(demo_db):
    batch_id = commit(demo_db, "utf8-bom.csv")
    load = entry_of(demo_db, "load", batch_id)
    result = intake.rollback_batch(demo_db, ADMIN, batch_id)
    entry = entry_of(demo_db, "rollback", result.rollback_batch_id)
    assert entry["role"] == "admin"
    assert entry["before"]["batch_id"] == batch_id
    assert figures(entry["before"]["figures"]) == figures(load["after"]["figures"])
    assert figures(entry["after"]["figures"]) == figures(load["before"]["figures"])
    assert (entry["after"]["restored"], entry["after"]["retired"]) == (2, 2)


def test_rollback_of_new_keys_lists_them_before_and_restores_nothing(empty_db):
    batch_id = commit(empty_db, "utf8-bom.csv")
    result = intake.rollback_batch(empty_db, ADMIN, batch_id)
    entry = entry_of(empty_db, "rollback", result.rollback_batch_id)
    assert len(entry["before"]["figures"]) == 2
    assert entry["after"]["figures"] == [] and entry["after"]["restored"] == 0


def cli_json(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert etl_main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_etl_export_history_and_audit_carry_before_and_after(demo_db, capsys):
    batch_id = commit(demo_db, "utf8-bom.csv")
    rollback = intake.rollback_batch(demo_db, ADMIN, batch_id).rollback_batch_id
    history = cli_json(capsys, "export", "history", "--db", str(demo_db), "--format", "json")
    rows = {r["batch_id"]: r for r in history}
    assert json.loads(rows[batch_id]["before_json"])["figures_superseded"] == 2
    assert json.loads(rows[batch_id]["after_json"])["figures_written"] == 2
    assert rows[batch_id]["audit_user"] == "root" and rows[batch_id]["audit_role"] == "admin"
    assert json.loads(rows[rollback]["after_json"])["restored"] == 2
    assert len(history) == len(rows)  # one row per batch
    capsys.readouterr()
    assert etl_main(["export", "history", "--db", str(demo_db)]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"before_json", "after_json"} <= set(frame.columns)
    audit = cli_json(capsys, "export", "audit", "--db", str(demo_db), "--format", "json")
    load = next(r for r in audit if r["action"] == "load" and r["batch_id"] == batch_id)
    assert json.loads(load["before_json"])["figures"]


# ------------------------------------------------------------------ card source


def test_card_source_names_the_batch_and_file_for_real_data(empty_db):
    batch_id = commit(empty_db, "utf8-bom.csv")
    with db.connect(empty_db) as con:
        data = assessment.read_plan_data(con, PLAN, "2024Q3")
    status = assessment.status_table(data, "2024Q3")
    cards = status_tables.cockpit_cards(status, data, "zh").set_index("indicator_code")
    assert cards.loc["idc_racks", "source"] == f"数据期 2024Q3 · 批次 {batch_id} utf8-bom.csv"
    en = status_tables.cockpit_cards(status, data, "en").set_index("indicator_code")
    assert en.loc["idc_racks", "source"] == f"Data 2024Q3 · batch {batch_id} utf8-bom.csv"
    assert cards.loc["base_stations_5g", "source"] == "暂无数据"


@pytest.mark.parametrize(
    ("name", "shown"),
    [("../../etc/q3.csv", "q3.csv"), ("a" * 40 + ".csv", "a" * 27 + "…")],
)
def test_card_source_shows_only_a_short_file_name(name, shown):
    row = {"indicator_code": "x", "data_period": "2024Q3"}
    text = status_tables._source_text(row, {("x", "2024Q3"): (False, 7, name)}, "zh")
    assert text == f"数据期 2024Q3 · 批次 7 {shown}"

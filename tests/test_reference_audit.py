"""`etl init` after data/ changed: one audit entry per changed plan, with the rows removed, added
and changed (old and new values), in the refresh's own transaction; none when nothing changed."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from etl import cli
from kpi.base import config
from kpi.outputs import intake_tables
from kpi.store import db, ingest, queries, reference

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
ACTION = reference.REFRESH_ACTION


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of data/plans and the unit conversions that the refresh reads instead of data/."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "plans", data / "plans")
    shutil.copy(REPO / "data" / "unit_conversions.csv", data / "unit_conversions.csv")
    monkeypatch.setattr(config, "PLANS_DIR", data / "plans")
    monkeypatch.setattr(config, "UNIT_CONVERSIONS_CSV", data / "unit_conversions.csv")
    return data


def edit_csv(path: Path, change) -> None:
    """Rewrite a reference CSV: change(rows) edits the list of dict rows in place."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        fields, rows = reader.fieldnames, list(reader)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def refresh_entries(path: Path) -> list[dict]:
    with db.connect(path) as con:
        log = queries.audit_log(con)
    return [
        {**row, "before": json.loads(row["before_json"]), "after": json.loads(row["after_json"])}
        for row in log[log["action"] == ACTION].to_dict("records")
    ]


def refresh(path: Path) -> None:
    with db.connect(path) as con:
        reference.load_all_plans(con, user_name="王", role="cli")


def targets_file(data: Path) -> Path:
    return data / "plans" / PLAN / "targets.csv"


def set_public_platform_target(value: str):
    def change(rows):
        row = next(
            r for r in rows if r["indicator_code"] == "public_platform" and not r["sector_code"]
        )
        row["value"] = row["value_as_written"] = value

    return change


def test_refresh_without_changes_writes_no_entry(empty_db, data_copy):
    refresh(empty_db)
    assert refresh_entries(empty_db) == []


def test_first_build_writes_no_entry(tmp_path):
    path = tmp_path / "new.duckdb"
    db.ensure_database(path, with_demo=False)
    assert refresh_entries(path) == []


def test_changed_target_is_audited_with_old_and_new_value(empty_db, data_copy):
    edit_csv(targets_file(data_copy), set_public_platform_target("99"))
    refresh(empty_db)
    (entry,) = refresh_entries(empty_db)
    assert (entry["plan_id"], entry["user_name"], entry["role"]) == (PLAN, "王", "cli")
    assert entry["object_id"] == "targets"
    assert entry["after"]["tables"] == {"targets": {"removed": 0, "added": 0, "changed": 1}}
    (old,), (new,) = entry["before"]["rows"], entry["after"]["rows"]
    assert old["key"] == new["key"]
    assert old["key"]["indicator_code"] == "public_platform" and old["key"]["sector_code"] is None
    assert old["values"] == {"value": 1.0, "value_as_written": "1"}
    assert new["values"] == {"value": 99.0, "value_as_written": "99"}
    with db.connect(empty_db) as con:
        in_force = queries.targets(con, PLAN)
    assert 99 in in_force[in_force["indicator_code"] == "public_platform"]["value"].tolist()


def test_removed_and_added_rows_are_listed_whole(empty_db, data_copy):
    milestones = data_copy / "plans" / PLAN / "milestones.csv"
    removed = {}

    def drop_first(rows):
        removed.update(rows.pop(0))

    edit_csv(milestones, drop_first)
    edit_csv(
        data_copy / "plans" / PLAN / "districts.csv",
        lambda rows: rows.append({**rows[0], "district_code": "new_zone", "name_zh": "新区"}),
    )
    refresh(empty_db)
    (entry,) = refresh_entries(empty_db)
    assert entry["after"]["tables"] == {
        "milestones": {"removed": 1, "added": 0, "changed": 0},
        "districts": {"removed": 0, "added": 1, "changed": 0},
    }
    (gone,) = entry["before"]["rows"]
    assert gone["change"] == "removed" and gone["table"] == "milestones"
    assert gone["values"]["indicator_code"] == removed["indicator_code"]
    assert gone["values"]["value"] == float(removed["value"])
    (added,) = entry["after"]["rows"]
    assert added["change"] == "added" and added["values"]["name_zh"] == "新区"


def test_listed_rows_are_capped_but_counts_are_complete(empty_db, data_copy, monkeypatch):
    monkeypatch.setattr(ingest, "AUDIT_FIGURES_LIMIT", 2)

    def renote(rows):
        for row in rows[:5]:
            row["note"] = "changed note"

    edit_csv(targets_file(data_copy), renote)
    refresh(empty_db)
    (entry,) = refresh_entries(empty_db)
    for side in ("before", "after"):
        assert entry[side]["count"] == 5
        assert len(entry[side]["rows"]) == 2 and entry[side]["rows_truncated"] is True


def test_unit_conversion_change_gets_a_plan_less_entry(empty_db, data_copy):
    def double_first(rows):
        rows[0]["factor"] = str(float(rows[0]["factor"]) * 2)

    edit_csv(data_copy / "unit_conversions.csv", double_first)
    refresh(empty_db)
    (entry,) = refresh_entries(empty_db)
    assert entry["plan_id"] is None and entry["object_id"] == "unit_conversions"


def test_refresh_and_its_audit_are_one_transaction(empty_db, data_copy, monkeypatch):
    edit_csv(targets_file(data_copy), set_public_platform_target("99"))

    def broken(*args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(queries, "write_audit", broken)
    with pytest.raises(RuntimeError):
        refresh(empty_db)
    monkeypatch.undo()
    with db.connect(empty_db) as con:
        targets = queries.targets(con, PLAN)
    assert 99 not in targets["value"].tolist()


def test_etl_init_records_the_user_and_prints_as_before(empty_db, data_copy, capsys):
    edit_csv(targets_file(data_copy), set_public_platform_target("99"))
    assert cli.main(["init", "--db", str(empty_db), "--user", "李"]) == 0
    assert "refreshed" in capsys.readouterr().out
    (entry,) = refresh_entries(empty_db)
    assert entry["user_name"] == "李"


def test_several_rows_under_one_key_are_compared_whole():
    old = [{"indicator_code": "a", "group_no": 1, "subtask_no": None, "note": "x"}] * 2
    new = [old[0], {**old[0], "note": "y"}]
    changes = reference.table_changes("indicator_tasks", old, new)
    assert len(changes["removed"]) == 2 and len(changes["added"]) == 2
    assert reference.table_changes("indicator_tasks", old, list(old)) == {
        "removed": [],
        "added": [],
        "changed": [],
    }


def test_every_reference_table_has_a_natural_key():
    tables = {table for table, _ in reference.REFERENCE_FILES.values()}
    assert tables | {"task_group_units", "unit_conversions"} == set(reference.NATURAL_KEYS)


@pytest.mark.parametrize(
    ("lang", "name"), [("zh", "刷新参考数据"), ("en", "Refresh reference data")]
)
def test_audit_page_names_the_action(lang, name):
    assert intake_tables.action_name(ACTION, lang) == name

"""A plan set up without a developer: the workbook template, the checks (one error per rule, the
same for a CSV folder and a workbook), `etl plan template / import / list`, and an import that
writes one plan's reference rows in one audited transaction or nothing at all."""

import functools
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pandas as pd
import pytest
from etl_run import run_etl

from kpi.outputs import plan_template
from kpi.store import db, plan_import, queries, reference

REPO = Path(__file__).resolve().parent.parent
PLAN_DIR = REPO / "data" / "plans" / "zhanjiang-dt-2023"
NEW_PLAN = "zhanjiang-dt-2026"


@functools.cache
def _shipped() -> dict[str, pd.DataFrame]:
    raw = plan_import.read_folder(PLAN_DIR)
    assert not raw.problems
    return {stem: frame.drop(columns="_row") for stem, frame in raw.sheets.items()}


def zhanjiang() -> dict[str, pd.DataFrame]:
    """The shipped Zhanjiang plan as text frames (sheet stem -> frame), without row numbers: a
    fresh copy of the folder read once per module, for each test to change as it likes."""
    return {stem: frame.copy() for stem, frame in _shipped().items()}


def write_folder(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, frame in tables.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8")
    return folder


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plan_template.template_workbook(tables))
    return path


FORMATS = {
    "folder": lambda t, tmp: write_folder(t, tmp / "plan"),
    "workbook": lambda t, tmp: write_workbook(t, tmp / "plan.xlsx"),
}


def conversions() -> pd.DataFrame:
    return pd.read_csv(REPO / "data" / "unit_conversions.csv")


def problems_of(tables: dict[str, pd.DataFrame], fmt: str, tmp_path: Path) -> list:
    raw = plan_import.read_source(FORMATS[fmt](tables, tmp_path))
    return reference.check_plan(raw, conversions())


def set_cell(tables, stem: str, index: int, column, value) -> None:
    tables[stem].loc[index, column] = value


def append_copy(tables, stem: str, index: int = 0) -> None:
    frame = tables[stem]
    tables[stem] = pd.concat([frame, frame.iloc[[index]]], ignore_index=True)


def first_row(tables, stem: str, **match) -> int:
    frame = tables[stem]
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    return int(mask.idxmax())


def new_plan_copy(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The Zhanjiang plan as the next one: new id and window, targets moved to 2030, one changed."""
    plan = tables["plan"]
    plan.loc[0, ["plan_id", "start_period", "end_period", "base_period"]] = [
        NEW_PLAN,
        "2026Q1",
        "2030Q4",
        "2025Q4",
    ]
    plan.loc[0, "name_zh"] = plan.loc[0, "name_zh"].replace("2023—2025", "2026—2030")
    tables["targets"]["period"] = "2030Q4"
    tables["targets"]["year"] = "2030"
    tables["milestones"]["period"] = "2028Q4"
    cloud = first_row(tables, "targets", indicator_code="cloud_firms", sector_code="")
    tables["targets"].loc[cloud, ["value", "value_as_written"]] = ["1500", "1500"]
    return tables


# ------------------------------------------------------------------ one error per rule

# (what is wrong, how to make it, (sheet, row, column, code) expected). Rows are numbered as in
# the file: the header is row 1, so the frame's index i is row i + 2.
CASES = [
    ("missing sheet", lambda t: t.pop("targets"), ("targets", None, None, "missing_sheet")),
    (
        "missing column",
        lambda t: t.__setitem__("targets", t["targets"].drop(columns="comparator")),
        ("targets", 1, "comparator", "missing_column"),
    ),
    (
        "duplicate indicator",
        lambda t: append_copy(t, "indicators"),
        ("indicators", 28, "indicator_code", "duplicate"),
    ),
    (
        "duplicate sector",
        lambda t: append_copy(t, "sectors"),
        ("sectors", 13, "sector_code", "duplicate"),
    ),
    (
        "duplicate district",
        lambda t: append_copy(t, "districts"),
        ("districts", 12, "district_code", "duplicate"),
    ),
    (
        "duplicate group_no",
        lambda t: append_copy(t, "task_groups"),
        ("task_groups", 25, "group_no", "duplicate"),
    ),
    (
        "duplicate sub-task",
        lambda t: append_copy(t, "subtasks"),
        ("subtasks", 73, "subtask_no", "duplicate"),
    ),
    (
        "duplicate unit",
        lambda t: append_copy(t, "responsible_units"),
        ("responsible_units", 34, "unit_zh", "duplicate"),
    ),
    (
        "duplicate source",
        lambda t: append_copy(t, "sources"),
        ("sources", 7, "source_id", "duplicate"),
    ),
    (
        "target of an unknown indicator",
        lambda t: set_cell(t, "targets", 0, "indicator_code", "no_such_indicator"),
        ("targets", 2, "indicator_code", "unknown_indicator"),
    ),
    (
        "target of an unknown sector",
        lambda t: set_cell(t, "targets", 30, "sector_code", "no_such_sector"),
        ("targets", 32, "sector_code", "unknown_sector"),
    ),
    (
        "target citing an unknown source",
        lambda t: set_cell(t, "targets", 3, "source_id", "no-such-doc"),
        ("targets", 5, "source_id", "unknown_source"),
    ),
    (
        "milestone of an unknown indicator",
        lambda t: set_cell(t, "milestones", 1, "indicator_code", "no_such_indicator"),
        ("milestones", 3, "indicator_code", "unknown_indicator"),
    ),
    (
        "sub-task of a missing group",
        lambda t: set_cell(t, "subtasks", 0, "group_no", "99"),
        ("subtasks", 2, "group_no", "unknown_group"),
    ),
    (
        "task-group unit not among the responsible units",
        lambda t: set_cell(t, "task_groups", 0, "units_as_written", "市工业和信息化局、市不存在局"),
        ("task_groups", 2, "units_as_written", "unknown_responsible_unit"),
    ),
    (
        "link to a missing sub-task",
        lambda t: set_cell(t, "indicator_tasks", 0, "subtask_no", "99"),
        ("indicator_tasks", 2, "subtask_no", "unknown_task"),
    ),
    (
        "link to a missing indicator",
        lambda t: set_cell(t, "indicator_tasks", 0, "indicator_code", "no_such_indicator"),
        ("indicator_tasks", 2, "indicator_code", "unknown_indicator"),
    ),
    (
        "sector naming a missing task group",
        lambda t: set_cell(t, "sectors", 0, "task_group_no", "99"),
        ("sectors", 2, "task_group_no", "unknown_group"),
    ),
    (
        "bad comparator",
        lambda t: set_cell(t, "targets", 0, "comparator", "≈"),
        ("targets", 2, "comparator", "bad_comparator"),
    ),
    (
        "bad semantics",
        lambda t: set_cell(t, "indicators", 0, "semantics", "stock"),
        ("indicators", 2, "semantics", "bad_semantics"),
    ),
    (
        "unknown unit",
        lambda t: set_cell(t, "targets", 0, "unit_as_written", "吨"),
        ("targets", 2, "unit_as_written", "unknown_unit"),
    ),
    (
        "bad period",
        lambda t: set_cell(t, "targets", 0, "period", "2025Q5"),
        ("targets", 2, "period", "bad_period"),
    ),
    (
        "window ends before it starts",
        lambda t: set_cell(t, "plan", 0, "end_period", "2022Q4"),
        ("plan", 2, "end_period", "window_order"),
    ),
    (
        "baseline not before the start",
        lambda t: set_cell(t, "plan", 0, "base_period", "2023Q1"),
        ("plan", 2, "base_period", "base_not_before_start"),
    ),
    (
        "target after the window",
        lambda t: set_cell(t, "targets", 0, ["period", "year"], ["2026Q4", "2026"]),
        ("targets", 2, "period", "period_outside_window"),
    ),
    (
        "milestone before the baseline",
        lambda t: set_cell(t, "milestones", 0, "period", "2021Q4"),
        ("milestones", 2, "period", "period_outside_window"),
    ),
    (
        "target without a clause",
        lambda t: set_cell(t, "targets", 0, "source_ref", ""),
        ("targets", 2, "source_ref", "missing_source"),
    ),
    (
        "target without a source",
        lambda t: set_cell(t, "targets", 0, "source_id", ""),
        ("targets", 2, "source_id", "missing_source"),
    ),
    (
        "no default city-wide target",
        lambda t: set_cell(t, "targets", 0, "is_default", "false"),
        ("targets", 2, "is_default", "default_missing"),
    ),
    (
        "two default city-wide targets",
        lambda t: set_cell(
            t,
            "targets",
            first_row(t, "targets", indicator_code="smart_equipment", is_default="false"),
            "is_default",
            "true",
        ),
        ("targets", 20, "is_default", "default_repeated"),
    ),
    (
        "non-numeric value",
        lambda t: set_cell(t, "targets", 0, "value", "about ten"),
        ("targets", 2, "value", "not_number"),
    ),
    (
        "bad date",
        lambda t: set_cell(t, "sources", 0, "issued_on", "2023-13-45"),
        ("sources", 2, "issued_on", "bad_date"),
    ),
    (
        "year not the target quarter's",
        lambda t: set_cell(t, "targets", 0, "year", "2024"),
        ("targets", 2, "year", "year_mismatch"),
    ),
    (
        "default neither true nor false",
        lambda t: set_cell(t, "targets", 0, "is_default", "maybe"),
        ("targets", 2, "is_default", "bad_bool"),
    ),
    (
        "plan id unfit for a URL",
        lambda t: set_cell(t, "plan", 0, "plan_id", "Zhanjiang 2026"),
        ("plan", 2, "plan_id", "bad_plan_id"),
    ),
    ("two plan rows", lambda t: append_copy(t, "plan"), ("plan", 3, None, "plan_rows")),
    (
        "bad unit kind",
        lambda t: set_cell(t, "responsible_units", 0, "kind", "city"),
        ("responsible_units", 2, "kind", "bad_kind"),
    ),
    (
        "bad breakdowns",
        lambda t: set_cell(t, "indicators", 0, "breakdowns", "sector|county"),
        ("indicators", 2, "breakdowns", "bad_breakdowns"),
    ),
    (
        "fractional sort order",
        lambda t: set_cell(t, "indicators", 0, "sort_order", "1.5"),
        ("indicators", 2, "sort_order", "not_integer"),
    ),
    (
        "display factor zero",
        lambda t: set_cell(t, "indicators", 0, "display_factor", "0"),
        ("indicators", 2, "display_factor", "bad_factor"),
    ),
    (
        "blank required cell",
        lambda t: set_cell(t, "indicators", 0, "name_zh", ""),
        ("indicators", 2, "name_zh", "blank"),
    ),
]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize(("rule", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_one_error_is_reported_with_its_sheet_row_and_column(tmp_path, fmt, rule, make, expected):
    tables = zhanjiang()
    make(tables)
    problems = problems_of(tables, fmt, tmp_path)
    found = [(p.sheet, p.row, p.column, p.code) for p in problems if p.severity == "error"]
    assert expected in found, (rule, found)
    problem = next(p for p in problems if (p.sheet, p.row, p.column, p.code) == expected)
    for lang in ("zh", "en"):  # a message from the catalog, not its key
        assert not problem.message(lang).startswith("plan_problem."), problem.message(lang)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_shipped_plan_passes_in_both_formats(tmp_path, fmt):
    assert problems_of(zhanjiang(), fmt, tmp_path) == []


def test_folder_and_workbook_report_the_same_problems(tmp_path):
    tables = zhanjiang()
    set_cell(tables, "targets", 0, "comparator", "≈")
    set_cell(tables, "subtasks", 3, "group_no", "77")
    append_copy(tables, "sources")
    folder = problems_of(tables, "folder", tmp_path / "a")
    workbook = problems_of(tables, "workbook", tmp_path / "b")
    assert len(folder) >= 3
    assert [p.as_dict() for p in folder] == [p.as_dict() for p in workbook]


def test_plain_machine_headers_and_sheet_names_are_read(tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for stem, frame in zhanjiang().items():
        sheet = book.create_sheet(stem)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    path = tmp_path / "plain.xlsx"
    book.save(path)
    raw = plan_import.read_source(path)
    assert reference.check_plan(raw, conversions()) == []


def test_a_plan_without_sectors_or_districts_and_with_peers_passes(tmp_path):
    tables = zhanjiang()
    for stem in ("sectors", "districts"):
        del tables[stem]
    tables["targets"] = tables["targets"][tables["targets"]["sector_code"] == ""]
    tables["milestones"] = tables["milestones"][tables["milestones"]["sector_code"] == ""]
    tables["task_groups"]["sector_code"] = ""
    tables["peers"] = pd.DataFrame(
        [
            {
                "indicator_code": "base_stations_5g",
                "city_zh": "中山",
                "city_en": "Zhongshan",
                "value": "6546",
                "value_as_written": "6546",
                "unit_as_written": "座",
                "as_of": "2023-06-30",
                "source_id": "zj-dt-plan",
                "source_ref": "L1",
                "note": "",
            }
        ]
    )
    assert problems_of(tables, "folder", tmp_path) == []


def test_a_hostile_workbook_is_refused_before_it_is_parsed(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
        )
        archive.writestr("xl/workbook.xml", "<x/>")
    raw = plan_import.read_upload(buffer.getvalue(), "bomb.xlsx")
    assert [(p.code, p.params) for p in raw.problems] == [("unreadable_file", {"error": "DOCTYPE"})]


def test_a_zip_of_the_csv_folder_is_read_like_the_folder(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in PLAN_DIR.glob("*.csv"):
            archive.write(path, f"zhanjiang/{path.name}")
    raw = plan_import.read_upload(buffer.getvalue(), "plan.zip")
    assert reference.check_plan(raw, conversions()) == []


def test_csv_rows_are_numbered_as_in_the_file_when_it_has_blank_lines_or_ragged_rows(tmp_path):
    tables = zhanjiang()
    set_cell(tables, "targets", 2, "comparator", "≈")
    folder = write_folder(tables, tmp_path / "plan")
    lines = (folder / "targets.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # a blank line: the bad comparator moves from row 4 to row 5
    (folder / "targets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = (folder / "sources.csv").read_text(encoding="utf-8").splitlines()
    sources[1] += ",a note beside the table"
    (folder / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (folder / "peers.csv").write_bytes(b"")  # an optional sheet left empty
    problems = reference.check_plan(plan_import.read_source(folder), conversions())
    assert [(p.sheet, p.row, p.code) for p in problems] == [("targets", 5, "bad_comparator")]


def test_a_whole_number_beyond_the_store_is_refused_not_a_crash(tmp_path):
    tables = zhanjiang()
    set_cell(tables, "indicators", 0, "sort_order", "3000000000")
    found = [(p.sheet, p.row, p.column, p.code) for p in problems_of(tables, "folder", tmp_path)]
    assert found == [("indicators", 2, "sort_order", "not_integer")]


def test_a_unit_named_twice_in_one_task_group_is_stored_once(empty_db, tmp_path):
    tables = zhanjiang()
    units = tables["task_groups"].loc[0, "units_as_written"]
    first = reference.split_units(units)[0]
    set_cell(tables, "task_groups", 0, "units_as_written", f"{first}、{first}、{units}")
    with db.read(empty_db) as con:
        result = reference.import_plan(
            con, plan_import.read_source(write_folder(tables, tmp_path / "p")), dry_run=True
        )
    assert result.ok and set(result.counts()) == {"task_groups"}


def test_a_downloaded_plan_imported_again_changes_nothing(empty_db, tmp_path):
    with db.read(empty_db) as con:
        tables = plan_import.stored_tables(con, "zhanjiang-dt-2023")
    tables["targets"].loc[0, "value_as_written"] = "2.50"  # text as the document writes it
    source = write_workbook(tables, tmp_path / "plan.xlsx")
    with db.connect(empty_db) as con:
        reference.import_plan(con, plan_import.read_source(source))
    with db.read(empty_db) as con:
        again = plan_import.stored_tables(con, "zhanjiang-dt-2023")
        workbook = write_workbook(again, tmp_path / "again.xlsx")
        result = reference.import_plan(con, plan_import.read_source(workbook), dry_run=True)
    assert again["targets"].loc[0, "value_as_written"] == "2.50"
    assert result.ok and result.counts() == {}


def test_shipped_folders_go_through_the_checks(tmp_path, monkeypatch):
    data = tmp_path / "plans"
    tables = zhanjiang()
    set_cell(tables, "targets", 0, "comparator", "≈")
    write_folder(tables, data / "zhanjiang-dt-2023")
    monkeypatch.setattr(reference.config, "PLANS_DIR", data)
    with pytest.raises(plan_import.PlanRejected) as refused:
        reference.load_all_plans(duckdb.connect())
    assert [(p.sheet, p.row, p.code) for p in refused.value.problems] == [
        ("targets", 2, "bad_comparator")
    ]
    assert "第 2 行" in refused.value.message("zh") and "row 2" in refused.value.message("en")


# ------------------------------------------------------------------ writing


def store_dump(path: Path) -> dict[str, list]:
    """Every row of every table, sorted: two dumps are equal iff the store is unchanged."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def test_dry_run_writes_nothing(empty_db, tmp_path):
    source = write_workbook(new_plan_copy(zhanjiang()), tmp_path / "next.xlsx")
    before = store_dump(empty_db)
    with db.read(empty_db) as con:
        result = reference.import_plan(con, plan_import.read_source(source), dry_run=True)
    assert result.ok and not result.written
    assert result.counts()["targets"] == {"removed": 0, "added": 63, "changed": 0}
    assert store_dump(empty_db) == before


def test_a_failed_import_leaves_the_store_as_it_was(empty_db, tmp_path):
    tables = new_plan_copy(zhanjiang())
    set_cell(tables, "indicator_tasks", 0, "subtask_no", "99")
    source = write_folder(tables, tmp_path / "next")
    before = store_dump(empty_db)
    with db.connect(empty_db) as con:
        result = reference.import_plan(con, plan_import.read_source(source))
    assert not result.ok and not result.written
    assert [(p.sheet, p.row, p.code) for p in result.errors] == [
        ("indicator_tasks", 2, "unknown_task")
    ]
    assert store_dump(empty_db) == before


def test_a_copy_under_a_new_id_is_a_second_plan_with_its_own_targets(demo_db, tmp_path):
    source = write_workbook(new_plan_copy(zhanjiang()), tmp_path / "next.xlsx")
    with db.read(demo_db) as con:
        figures_before = con.execute("select count(*) from figures").fetchone()
    with db.connect(demo_db) as con:
        result = reference.import_plan(
            con, plan_import.read_source(source), user_name="王", role="admin"
        )
    assert result.ok and result.written
    with db.read(demo_db) as con:  # the published snapshot has it
        assert set(queries.plans(con)["plan_id"]) >= {"zhanjiang-dt-2023", NEW_PLAN}
        old, new = (
            queries.targets(con, plan).set_index(["indicator_code", "sector_code"], drop=False)
            for plan in ("zhanjiang-dt-2023", NEW_PLAN)
        )
        assert con.execute("select count(*) from figures").fetchone() == figures_before
        listed = plan_import.plan_list(con).set_index("plan_id")
        log = queries.audit_log(con)
    cloud = ("cloud_firms", None)
    assert (old.loc[[cloud], "value"].tolist(), new.loc[[cloud], "value"].tolist()) == (
        [1000.0],
        [1500.0],
    )
    assert set(new["period"]) == {"2030Q4"}
    assert listed.loc[NEW_PLAN, ["start_period", "end_period", "base_period"]].tolist() == [
        "2026Q1",
        "2030Q4",
        "2025Q4",
    ]
    assert listed.loc[NEW_PLAN, "source"] == str(source)
    assert listed.loc[NEW_PLAN, "targets"] == 63
    entry = log[(log["action"] == reference.REFRESH_ACTION) & (log["plan_id"] == NEW_PLAN)]
    after = json.loads(entry["after_json"].iloc[0])
    assert (entry["user_name"].iloc[0], after["imported_from"]) == ("王", str(source))
    assert after["tables"]["targets"]["added"] == 63


def test_importing_the_same_plan_again_changes_nothing(empty_db, tmp_path):
    source = write_folder(zhanjiang(), tmp_path / "same")
    with db.connect(empty_db) as con:
        result = reference.import_plan(con, plan_import.read_source(source))
    assert result.written and result.counts() == {}


# ------------------------------------------------------------------ etl plan


@pytest.fixture
def etl(monkeypatch):
    """`python -m etl ARGS` in this process (etl_run) with $KPI_DB set to `db_path`."""

    def run(*argv, db_path: Path) -> SimpleNamespace:
        monkeypatch.setenv("KPI_DB", str(db_path))
        return run_etl(*argv)

    return run


def test_cli_template_writes_a_workbook_with_every_sheet(tmp_path, empty_db, etl):
    out = tmp_path / "规划模板.xlsx"
    done = etl("plan", "template", "--out", out, db_path=empty_db)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    titles = book.sheetnames
    assert titles[0] == "填写说明" and "目标值 targets" in titles and "外市对标 peers" in titles
    assert book["指标 indicators"]["A1"].value == "指标代码\nindicator_code"
    assert book["指标 indicators"].freeze_panes == "A2"


def test_cli_import_dry_run_then_import_then_list(tmp_path, empty_db, etl):
    bad = new_plan_copy(zhanjiang())
    set_cell(bad, "targets", 0, "comparator", "≈")
    bad_file = write_workbook(bad, tmp_path / "bad.xlsx")
    good_file = write_workbook(new_plan_copy(zhanjiang()), tmp_path / "good.xlsx")
    before = store_dump(empty_db)

    refused = etl("plan", "import", bad_file, db_path=empty_db)
    assert refused.returncode == 1
    assert (
        "目标值 第 2 行 比较方式" in refused.stdout and "Targets row 2 Comparator" in refused.stdout
    )
    dry = etl("plan", "import", good_file, "--dry-run", db_path=empty_db)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "未写入" in dry.stdout
    assert store_dump(empty_db) == before

    done = etl("plan", "import", good_file, "--user", "王", db_path=empty_db)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = etl("plan", "list", "--json", db_path=empty_db)
    plans = {p["plan_id"]: p for p in json.loads(listed.stdout)}
    assert plans[NEW_PLAN]["targets"] == 63 and plans[NEW_PLAN]["end_period"] == "2030Q4"


def test_cli_import_of_a_missing_path_is_a_usage_error(tmp_path, empty_db, etl):
    done = etl("plan", "import", tmp_path / "nothing.xlsx", db_path=empty_db)
    assert done.returncode == 2 and "找不到文件或文件夹" in done.stderr


def test_an_unknown_column_is_a_warning_and_a_repeated_one_an_error(tmp_path):
    tables = zhanjiang()
    tables["targets"]["remark"] = ""
    tables["sectors"]["sector_code_2"] = tables["sectors"]["sector_code"]
    folder = write_folder(tables, tmp_path / "folder")
    (folder / "sectors.csv").write_text(
        (folder / "sectors.csv").read_text().replace("sector_code_2", "行业代码"), encoding="utf-8"
    )
    problems = reference.check_plan(plan_import.read_source(folder), conversions())
    assert [(p.sheet, p.row, p.column, p.code, p.severity) for p in problems] == [
        ("sectors", 1, "sector_code", "duplicate_column", "error"),
        ("targets", 1, "remark", "unknown_column", "warning"),
    ]
    assert "“行业代码”" in problems[0].message("zh")

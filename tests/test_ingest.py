"""The store: loads are one transaction, replaced figures stay in history, rollback, the CLI."""

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from etl_run import run_etl

from kpi.base import config
from kpi.store import demo, ingest, loads, queries, reference
from kpi.store.db import connect

REPO = Path(__file__).resolve().parent.parent
PLAN = "zhanjiang-dt-2023"
TABLES = ("figures", "batches", "uploaded_files", "task_updates", "audit_log")


def snapshot(path: Path) -> dict[str, list]:
    """Every row of every history table, to prove a failed load changed nothing."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}
    finally:
        con.close()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def current_value(path: Path, code: str, period: str) -> float | None:
    with connect(path) as con:
        figures = queries.current_figures(con, PLAN, "9999Q4")
    match = figures[
        (figures["indicator_code"] == code)
        & (figures["period"] == period)
        & figures["sector_code"].isna()
        & figures["district_code"].isna()
    ]
    return None if match.empty else float(match["value"].iloc[0])


def test_a_file_with_one_bad_row_changes_nothing(tmp_path: Path, demo_db: Path) -> None:
    before = snapshot(demo_db)
    bad = write(
        tmp_path, "q3.csv", "指标代码,期间,数值\nidc_racks,2025Q3,40000\nidc_racks,2025Q4,x\n"
    )
    result = loads.load_files([bad], db=demo_db, plan_id=None, user_name="t")
    assert not result.ok and result.batch_ids == []
    assert snapshot(demo_db) == before


def test_several_files_load_all_or_nothing(tmp_path: Path, demo_db: Path) -> None:
    good = write(tmp_path, "good.csv", "指标代码,期间,数值\nidc_racks,2025Q3,40000\n")
    bad = write(tmp_path, "bad.csv", "指标代码,期间,数值\nnope,2025Q3,1\n")
    before = snapshot(demo_db)
    assert not loads.load_files([good, bad], db=demo_db, plan_id=None, user_name="t").ok
    assert snapshot(demo_db) == before
    result = loads.load_files([good, good], db=demo_db, plan_id=None, user_name="t")
    assert result.ok and len(result.batch_ids) == 2


def test_each_file_of_a_load_is_read_and_reported_in_order(tmp_path: Path, demo_db: Path) -> None:
    """The first file is read on a worker thread while the store opens; the others after it."""
    files = [
        write(tmp_path, "a.csv", "指标代码,期间,数值\nidc_racks,2025Q3,40000\n"),
        write(tmp_path, "b.csv", "指标代码,期间,数值\nnope,2025Q3,1\n"),
        write(tmp_path, "c.csv", "指标代码,期间,数值\nidc_racks,2025Q4,x\n"),
    ]
    result = loads.load_files(files, db=demo_db, plan_id=None, user_name="t", dry_run=True)
    reported = [(c.file_name, [p.code for p in c.checked.errors]) for c in result.checks]
    assert reported == [
        ("a.csv", []),
        ("b.csv", ["unknown_indicator"]),
        ("c.csv", ["bad_value"]),
    ]


def test_staged_rows_read_alike_from_arrow_and_from_a_frame_arrow_refuses(empty_db) -> None:
    rows = pd.DataFrame(
        {
            "source_row": [2, 3],
            "indicator_code": ["idc_racks", "cloud_firms"],
            "period": ["2024Q1", "2024Q2"],
            "sector_code": [None, "steel"],
            "district_code": [None, None],
            "value": [1.0, 2.5],
        }
    )
    mixed = rows.assign(note=pd.Series([1, "one"], dtype=object))  # no Arrow type holds both
    expected = [
        (2, "idc_racks", "2024Q1", None, None, 1.0, 1),
        (3, "cloud_firms", "2024Q2", "steel", None, 2.5, 2),
    ]
    with connect(empty_db) as con:
        for frame in (rows, mixed):
            with queries.staged(con, frame):
                got = con.execute(
                    "select source_row, indicator_code, period, sector_code, district_code, value,"
                    " ordinal from staged order by ordinal"
                ).fetchall()
            assert got == expected


def test_a_replaced_figure_stays_in_history_with_who_and_which_file(tmp_path, demo_db) -> None:
    old = current_value(demo_db, "idc_racks", "2025Q3")
    path = write(tmp_path, "racks.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\n")
    result = loads.load_files([path], db=demo_db, plan_id=None, user_name="王科员")
    assert result.ok
    assert current_value(demo_db, "idc_racks", "2025Q3") == 41000
    with connect(demo_db) as con:
        history = queries.figure_history(con, PLAN, "idc_racks")
    versions = history[(history["period"] == "2025Q3") & history["sector_code"].isna()]
    assert versions["value"].tolist() == [41000, old]
    assert versions["is_current"].tolist() == [True, False]
    assert (
        versions.iloc[0]["user_name"] == "王科员" and versions.iloc[0]["file_name"] == "racks.csv"
    )


def test_reloading_the_same_file_writes_no_new_versions(tmp_path: Path, demo_db: Path) -> None:
    path = write(tmp_path, "racks.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\n")
    loads.load_files([path], db=demo_db, plan_id=None, user_name="t")
    again = loads.load_files([path], db=demo_db, plan_id=None, user_name="t")
    assert again.checks[0].summary()["unchanged"] == 1
    with connect(demo_db) as con:
        batches = queries.batches(con, PLAN)
    assert batches.iloc[0]["figures_written"] == 0


def test_rollback_restores_the_replaced_values_and_is_recorded(tmp_path, demo_db) -> None:
    old = current_value(demo_db, "idc_racks", "2025Q3")
    path = write(
        tmp_path, "r.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\ncluster_network,2022Q4,1\n"
    )
    batch_id = loads.load_files([path], db=demo_db, plan_id=None, user_name="t").batch_ids[0]
    with connect(demo_db) as con:
        result = ingest.rollback(con, batch_id, user_name="admin")
        batches = queries.batches(con, PLAN).set_index("batch_id")
        versions = queries.figure_versions(con, PLAN)
    assert (result.restored, result.retired) == (1, 2)
    assert current_value(demo_db, "idc_racks", "2025Q3") == old
    assert current_value(demo_db, "cluster_network", "2022Q4") is None  # new key: none restored
    assert batches.at[batch_id, "rolled_back_by"] == result.rollback_batch_id
    assert batches.at[result.rollback_batch_id, "kind"] == "rollback"
    assert 41000 in versions["value"].tolist()  # the undone figure is kept, not deleted


def test_figure_ids_are_unique_and_in_the_order_figures_were_written(tmp_path, demo_db) -> None:
    """Ids count on from the largest (not a sequence): two files in one load, then a rollback."""
    first = write(
        tmp_path, "a.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\nidc_racks,2025Q2,1\n"
    )
    second = write(tmp_path, "b.csv", "指标代码,期间,数值\nidc_racks,2025Q3,43000\n")
    batches = loads.load_files([first, second], db=demo_db, plan_id=None, user_name="t").batch_ids
    with connect(demo_db) as con:
        rollback = ingest.rollback(con, batches[1], user_name="admin").rollback_batch_id
        ids = con.execute("select figure_id, batch_id from figures order by figure_id").fetchall()
    assert len({figure_id for figure_id, _ in ids}) == len(ids)
    written = [batch for _, batch in ids]
    assert written == sorted(written)  # every batch's ids above the batches before it
    assert written[-4:] == [batches[0], batches[0], batches[1], rollback]


def test_rollback_leaves_keys_that_a_later_batch_replaced(tmp_path: Path, demo_db: Path) -> None:
    first = write(tmp_path, "a.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\n")
    second = write(tmp_path, "b.csv", "指标代码,期间,数值\nidc_racks,2025Q3,43000\n")
    batch_a = loads.load_files([first], db=demo_db, plan_id=None, user_name="t").batch_ids[0]
    loads.load_files([second], db=demo_db, plan_id=None, user_name="t")
    with connect(demo_db) as con:
        result = ingest.rollback(con, batch_a, user_name="admin")
    assert (result.restored, result.retired) == (0, 0)
    assert current_value(demo_db, "idc_racks", "2025Q3") == 43000


def test_rolling_back_twice_is_refused(tmp_path: Path, demo_db: Path) -> None:
    path = write(tmp_path, "a.csv", "指标代码,期间,数值\nidc_racks,2025Q3,41000\n")
    batch_id = loads.load_files([path], db=demo_db, plan_id=None, user_name="t").batch_ids[0]
    with connect(demo_db) as con:
        ingest.rollback(con, batch_id, user_name="admin")
        with pytest.raises(ValueError, match="already rolled back"):
            ingest.rollback(con, batch_id, user_name="admin")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("指标代码,期间,数值\nidc_racks,2025Q3,30000\n", "level_decrease"),
        ("指标代码,期间,数值\nbase_stations_5g,2025Q3,180000\n", "above_target"),
        ("指标代码,期间,数值\nservice_revenue,2025Q3,1\n", "big_change"),
    ],
)
def test_suspicious_values_warn_and_load_unless_strict(tmp_path, demo_db, text, code) -> None:
    path = write(tmp_path, f"{code}.csv", text)
    strict = loads.load_files([path], db=demo_db, plan_id=None, user_name="t", strict=True)
    assert not strict.ok and strict.batch_ids == []
    assert code in [p.code for p in strict.checks[0].checked.warnings]
    loose = loads.load_files([path], db=demo_db, plan_id=None, user_name="t")
    assert loose.ok and loose.batch_ids


def test_cli_exit_codes_are_0_loaded_1_bad_file_2_usage(tmp_path: Path, demo_db: Path) -> None:
    good = write(tmp_path, "good.csv", "指标,期间,数值\n5G 基站,2025年第三季度,1.75万\n", "gbk")
    bad = write(tmp_path, "bad.csv", "指标,期间,数值\n5G 基站,2025年第三季度,很多\n")
    assert run_etl("load", str(good), "--db", str(demo_db), "--dry-run").returncode == 0
    failed = run_etl("load", str(bad), "--db", str(demo_db))
    assert failed.returncode == 1
    assert "第 2 行" in failed.stdout and "不是数字" in failed.stdout
    assert run_etl("load", "--db", str(demo_db)).returncode == 2
    assert run_etl("load", str(tmp_path / "missing.csv"), "--db", str(demo_db)).returncode == 2
    assert run_etl("load", str(good), "--db", str(demo_db), "--user", "李").returncode == 0


def test_cli_json_report_lists_every_problem(tmp_path: Path, demo_db: Path) -> None:
    bad = write(tmp_path, "bad.csv", "指标,期间,数值\n5G 基站,2025Q3,x\n云,2025Q3,1\n")
    report = json.loads(run_etl("load", str(bad), "--db", str(demo_db), "--json").stdout)
    problems = report["files"][0]["problems"]
    assert [(p["row"], p["code"]) for p in problems] == [(2, "bad_value"), (3, "unknown_indicator")]
    assert all(p["message_zh"] and p["message_en"] and p["column"] for p in problems)


def test_export_json_has_the_documented_keys(demo_db: Path) -> None:
    targets = json.loads(
        run_etl("export", "targets", "--db", str(demo_db), "--format", "json").stdout
    )
    keys = {
        "indicator_code",
        "indicator_name_zh",
        "unit",
        "sector",
        "year",
        "value",
        "source_doc",
        "source_ref",
        "is_default",
    }
    assert keys <= set(targets[0])
    five_g = {
        t["value"]: t
        for t in targets
        if t["indicator_code"] == "base_stations_5g" and t["sector"] is None
    }
    assert five_g[18000.0]["is_default"] and not five_g[18600.0]["is_default"]

    tasks = json.loads(run_etl("export", "tasks", "--db", str(demo_db), "--format", "json").stdout)
    assert len(tasks) == 71 and len({t["group_no"] for t in tasks}) == 23
    assert {"group_no", "group_name_zh", "subtask_no", "text_zh", "units"} <= set(tasks[0])
    assert isinstance(tasks[0]["units"], list) and "市工业和信息化局" in tasks[0]["units"]

    progress = json.loads(
        run_etl(
            "export", "progress", "--db", str(demo_db), "--format", "json", "--as-of", "2024Q2"
        ).stdout
    )
    assert {
        "indicator_code",
        "period",
        "sector",
        "district",
        "value",
        "unit",
        "batch_id",
        "is_demo",
    } <= set(progress[0])
    assert max(p["period"] for p in progress) == "2024Q2"
    assert all(p["is_demo"] for p in progress)


def test_init_refreshes_reference_data_and_keeps_progress(demo_db: Path) -> None:
    before = snapshot(demo_db)
    assert run_etl("init", "--db", str(demo_db)).returncode == 0
    assert run_etl("init", "--db", str(demo_db)).returncode == 0
    after = snapshot(demo_db)
    assert after["figures"] == before["figures"] and after["batches"] == before["batches"]


def test_template_lists_every_indicator_and_loads_back_once_filled(tmp_path, demo_db) -> None:
    out = tmp_path / "template.csv"
    assert run_etl("template", "--db", str(demo_db), "--out", str(out)).returncode == 0
    template = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    with connect(demo_db) as con:
        codes = queries.indicators(con, PLAN)["indicator_code"].tolist()
    assert template["指标代码"].tolist() == codes
    template.loc[template["指标代码"] == "idc_racks", "数值"] = "4.2"  # in 万架 as the unit says
    template.to_csv(out, index=False, encoding="utf-8-sig")
    result = loads.load_files([out], db=demo_db, plan_id=None, user_name="t", today=None)
    assert result.ok
    checked = result.checks[0].checked
    assert not checked.warnings
    assert [(p.code, p.params) for p in checked.notices] == [
        ("unfilled_rows_skipped", {"n": len(codes) - 1})
    ]
    period = template["期间"].iloc[0]
    assert current_value(demo_db, "idc_racks", period) == 42000


def test_xlsx_template_is_written(tmp_path: Path, demo_db: Path) -> None:
    out = tmp_path / "template.xlsx"
    assert (
        run_etl("template", "--db", str(demo_db), "--format", "xlsx", "--out", str(out)).returncode
        == 0
    )
    sheets = pd.read_excel(out, sheet_name=None)
    assert "上报数据" in sheets and len(sheets) == 2


def test_demo_data_is_flagged_and_removable_with_one_command(demo_db: Path) -> None:
    with connect(demo_db) as con:
        assert queries.demo_figures_in_force(con, PLAN, "9999Q4") > 0
    assert run_etl("demo", "remove", "--db", str(demo_db)).returncode == 0
    with connect(demo_db) as con:
        assert queries.current_figures(con, PLAN, "9999Q4").empty
        assert queries.latest_task_status(con, PLAN, "9999Q4").empty
        assert "remove_demo" in queries.audit_log(con)["action"].tolist()


def test_demo_files_are_deterministic_and_cover_every_indicator(tmp_path: Path) -> None:
    folder = config.PLANS_DIR / PLAN  # Guangzhou's are checked in tests/test_guangzhou_plan.py
    frames = reference.read_plan_folder(folder)
    first = demo.demo_figures(
        frames["indicators"], frames["targets"], frames["sectors"], frames["districts"]
    )
    second = demo.demo_figures(
        frames["indicators"], frames["targets"], frames["sectors"], frames["districts"]
    )
    pd.testing.assert_frame_equal(first, second)
    shipped = pd.read_csv(folder / "demo_figures.csv", keep_default_na=False)
    expected = first.fillna("")
    pd.testing.assert_frame_equal(shipped, expected, check_dtype=False)
    assert set(first["indicator_code"]) == set(frames["indicators"]["indicator_code"])
    assert first["sector"].notna().any() and first["district"].notna().any()


def test_demo_story_has_every_light_and_a_regressing_indicator(demo_db: Path) -> None:
    # The quarter before the plan's last: the 序时进度 lights (the last has only 达标/未达标).
    status = json.loads(
        run_etl("status", "--db", str(demo_db), "--as-of", "2025Q3", "--format", "json").stdout
    )
    lights = {s["light"] for s in status}
    assert {"achieved", "green", "yellow", "red"} <= lights
    assert "regressing" in {s["trend_label"] for s in status}

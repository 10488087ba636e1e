"""Hostile cells are refused with a message about what is wrong: periods, numbers, breakdowns."""

import dataclasses
import json
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from intake_helpers import dump_tables

from etl import cli
from kpi.store import validation
from kpi.store.reading import read_table
from kpi.store.validation import check_table

PLAN = "zhanjiang-dt-2023"
TODAY = date(2026, 11, 23)  # current quarter 2026Q4, after the plan's last quarter 2025Q4
HEADER = ("指标代码", "期间", "行业", "区县", "数值", "单位")


def check(reference, *rows: tuple[str, ...]):
    """Rows (code, period, sector, district, value, unit) as the reader hands them over."""
    table = pd.DataFrame(list(rows), columns=list(HEADER))
    table.insert(0, "_row", range(2, 2 + len(table)))
    return check_table(table, reference)


def errors(problems) -> list[tuple[str, int, str]]:
    return [(p.code, p.row, p.column) for p in problems if p.severity == "error"]


def only_error(problems):
    found = [p for p in problems if p.severity == "error"]
    assert len(found) == 1, [(p.code, p.message_en) for p in problems]
    assert found[0].message_zh and found[0].message_en
    return found[0]


# ------------------------------------------------------------------ periods


def test_year_of_fewer_than_four_digits_is_refused_not_shortened(reference) -> None:
    rows, problems = check(reference, ("base_stations_5g", "0001Q1", "", "", "5", ""))
    assert errors(problems) == [("bad_period", 2, "period")]
    assert "1Q1" not in rows["period"].dropna().tolist()


def test_period_before_the_baseline_is_refused_naming_the_window(reference) -> None:
    _, problems = check(reference, ("base_stations_5g", "1999Q1", "", "", "5", ""))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("period_outside_plan", 2, "period")
    assert "1999Q1" in error.message_zh and "2022Q4–2025Q4" in error.message_zh
    assert "2022Q4–2025Q4" in error.message_en


def test_period_after_the_plan_ended_is_refused_even_when_not_in_the_future(reference) -> None:
    _, problems = check(reference, ("base_stations_5g", "2026Q4", "", "", "5", ""))
    assert errors(problems) == [("period_outside_plan", 2, "period")]


def test_future_period_is_still_reported_as_future(reference) -> None:
    _, problems = check(reference, ("base_stations_5g", "2099Q1", "", "", "5", ""))
    assert errors(problems) == [("future_period", 2, "period")]


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        ("1e309", ""),  # overflows to inf when read
        ("9" * 400, ""),
        ("-1e309", ""),
        ("1e308", "万座"),  # finite as written, inf once converted to 座
        ("1e308万", ""),
    ],
)
def test_number_too_large_to_compute_with_is_refused(reference, value, unit) -> None:
    rows, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, unit))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("value_too_large", 2, "value")
    assert rows["value"].isna().all()


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
def test_words_for_infinity_and_nan_are_not_numbers(reference, value) -> None:
    _, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, ""))
    assert errors(problems) == [("bad_value", 2, "value")]


def test_value_above_the_ceiling_is_refused_naming_the_ceiling(reference) -> None:
    # 5G's largest target is 18600 座; the ceiling is 1000 times that.
    _, problems = check(
        reference,
        ("base_stations_5g", "2025Q2", "", "", "18600000", "座"),
        ("base_stations_5g", "2025Q3", "", "", "1860.0001", "万座"),
    )
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("above_ceiling", 3, "value")
    assert "18,600,000" in error.message_zh and "18,600,000" in error.message_en
    assert "5G 基站" in error.message_zh


def test_indicator_without_a_target_has_no_ceiling_beyond_finiteness(reference) -> None:
    no_targets = dataclasses.replace(reference, largest_targets={})
    rows, problems = check(no_targets, ("base_stations_5g", "2025Q3", "", "", "1e300", ""))
    assert errors(problems) == []
    assert rows["value"].tolist() == [1e300]


# ------------------------------------------------------------------ digit grouping


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("1，234", 1234.0),
        ("１，２３４", 1234.0),
        ("12 345", 12345.0),
        ("1,234万", 12340000.0),
    ],
)
def test_thousands_separators_in_groups_of_three_are_read(reference, value, expected) -> None:
    rows, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, ""))
    assert errors(problems) == []
    assert rows["value"].tolist() == [expected]


@pytest.mark.parametrize("value", ["1,2,3", "12,34", "1,23,456", "1，2，3", "１２，３４", "1 2 3"])
def test_separators_not_in_groups_of_three_are_refused_as_ambiguous(reference, value) -> None:
    _, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, ""))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("ambiguous_grouping", 2, "value")
    assert "1,234,567" in error.message_zh and "1234567" in error.message_en


def test_quoted_one_comma_two_comma_three_in_a_csv_is_not_read_as_123(reference) -> None:
    content = '指标代码,期间,数值\nbase_stations_5g,2025Q3,"1,2,3"\n'.encode()
    table, problems = read_table(content, "grouping.csv", max_bytes=2**20)
    assert problems == []
    rows, problems = check_table(table, reference)
    assert errors(problems) == [("ambiguous_grouping", 2, "value")]
    assert rows["value"].isna().all()


# ------------------------------------------------------------------ the message names the number


@pytest.mark.parametrize("value", ["1.2.3", "0x10", "1e5e5", "1,234.5.6"])
def test_malformed_number_gets_a_message_about_the_number_not_the_unit(reference, value) -> None:
    _, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, "座"))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("bad_value", 2, "value")
    assert "不是有效的数字" in error.message_zh and "1,234.5" in error.message_zh
    assert "not a valid number" in error.message_en


@pytest.mark.parametrize(
    ("value", "shown", "named"),
    [
        ("1\x002", "1\\x002", "U+0000"),
        ("12\x07", "12\\x07", "U+0007"),
        ("1\u200b5", "1\\u200b5", "U+200B"),
    ],
)
def test_control_character_in_a_number_is_named_and_shown_escaped(
    reference, value, shown, named
) -> None:
    _, problems = check(reference, ("base_stations_5g", "2025Q3", "", "", value, ""))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("control_character", 2, "value")
    assert error.value == shown and value not in error.message_zh + error.message_en
    assert named in error.message_zh and named in error.message_en


# ------------------------------------------------------------------ breakdowns


def test_sector_on_a_city_wide_indicator_is_refused(reference) -> None:
    _, problems = check(reference, ("public_platform", "2025Q3", "钢铁", "", "1", ""))
    error = only_error(problems)
    assert (error.code, error.row, error.column) == ("unsupported_breakdown", 2, "sector")
    assert "湛江市工业互联网公共服务平台" in error.message_zh and "全市" in error.message_zh
    assert "city-wide only" in error.message_en


def test_district_on_a_city_wide_indicator_is_refused(reference) -> None:
    _, problems = check(reference, ("public_platform", "2025Q3", "", "赤坎区", "1", ""))
    assert errors(problems) == [("unsupported_breakdown", 2, "district")]


def test_sector_on_a_district_only_indicator_names_the_breakdown_it_has(reference) -> None:
    _, problems = check(reference, ("cloud_firms", "2025Q3", "钢铁", "赤坎区", "1", ""))
    error = only_error(problems)
    assert (error.code, error.column) == ("unsupported_breakdown", "sector")
    assert "只能按区县填报" in error.message_zh and "only by district" in error.message_en


def test_breakdowns_the_indicator_has_are_accepted(reference) -> None:
    rows, problems = check(
        reference,
        ("smart_factories", "2025Q3", "钢铁", "", "1", ""),
        ("smart_factories", "2025Q3", "钢铁", "赤坎区", "1", ""),
        ("cloud_firms", "2025Q3", "", "赤坎区", "1", ""),
    )
    assert errors(problems) == []
    assert rows["sector_code"].fillna("").tolist() == ["steel", "steel", ""]


# ------------------------------------------------------------------ through the command line


def test_cli_refuses_a_hostile_file_in_both_languages_and_changes_nothing(
    tmp_path: Path, empty_db: Path, capsys
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "指标代码,期间,行业,区县,数值,单位\n"
        "base_stations_5g,2025Q3,,,12500,座\n"
        "base_stations_5g,1999Q1,,,12500,座\n"
        "base_stations_5g,2025Q2,,,1e309,座\n"
        'cloud_firms,2025Q3,,,"1,2,3",个\n'
        "idc_racks,2025Q3,,,1.2.3,架\n"
        "public_platform,2025Q3,钢铁,,1,个\n",
        encoding="utf-8",
    )
    before = dump_tables(empty_db)
    code = cli.main(["load", str(path), "--db", str(empty_db)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    for zh, en in [
        ("不在任何含该指标的规划期内（zhanjiang-dt-2023 2022Q4–2025Q4）", "outside the window"),
        ("超出可计算的范围", "too large to compute with"),
        ("千位分隔符位置不对", "thousands separators must separate groups of three"),
        ("不是有效的数字", "not a valid number"),
        ("只填全市数据", "city-wide only"),
    ]:
        assert zh in out and en in out, (zh, en, out)
    assert dump_tables(empty_db) == before


def test_values_within_range_still_load(tmp_path: Path, empty_db: Path, capsys) -> None:
    path = tmp_path / "edges.csv"
    path.write_text(
        "指标代码,期间,行业,区县,数值,单位\n"
        'base_stations_5g,2022Q4,,,"9,000",座\n'  # the baseline quarter
        "base_stations_5g,2025Q4,,,18600000,座\n"  # the last quarter, at the ceiling
        "smart_factories,2025Q3,钢铁,赤坎区,1,个\n"
        'cloud_firms,2025Q3,,霞山区,"1,234",个\n',
        encoding="utf-8",
    )
    code = cli.main(["load", str(path), "--db", str(empty_db)])
    out, _ = capsys.readouterr()
    assert code == 0, out
    figures = dump_tables(empty_db, ("figures",))["figures"]
    assert sorted(row[6] for row in figures) == [1.0, 1234.0, 9000.0, 18600000.0]


# ------------------------------------------------------------------ a problem on every row


def test_a_file_wrong_on_every_row_lists_a_thousand_problems_and_counts_the_rest(reference):
    """1.25M rows with five bad cells each: refused quickly, listing at most MAX_LISTED_PROBLEMS."""
    rows = 1_250_000
    table = pd.DataFrame(
        {
            "指标代码": ["no_such_indicator"] * rows,
            "期间": ["soon"] * rows,
            "行业": ["nowhere"] * rows,
            "区县": ["nowhere"] * rows,
            "数值": ["lots"] * rows,
            "单位": [""] * rows,
        }
    )
    table.insert(0, "_row", range(2, 2 + rows))
    started = time.perf_counter()
    _, problems = check_table(table, reference)
    assert time.perf_counter() - started < 30
    listed = [p for p in problems if p.row is not None]
    assert len(listed) == validation.MAX_LISTED_PROBLEMS
    (more,) = [p for p in problems if p.code == "more_errors"]
    assert more.params["n"] + len(listed) == 5 * rows
    assert "未逐条列出" in more.message("zh") and "not listed" in more.message("en")


def test_the_cli_report_of_such_a_file_is_short_and_has_no_traceback(tmp_path, capsys, empty_db):
    store = empty_db
    upload = tmp_path / "all-wrong.csv"
    upload.write_text(
        "指标代码,期间,数值\n" + "no_such_indicator,2024Q1,lots\n" * 200_000, encoding="utf-8"
    )
    assert cli.main(["load", str(upload), "--db", str(store), "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out)
    problems = report["files"][0]["problems"]
    assert len(problems) <= validation.MAX_LISTED_PROBLEMS + 2
    assert problems[-1]["code"] == "more_errors" or problems[0]["code"] == "more_errors"

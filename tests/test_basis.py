"""Reporting basis: 本期数 ↔ 累计数 per indicator semantics, checked against the stored history."""

import numpy as np
import pandas as pd
import pytest

from kpi.store import basis, db, ingest, queries

BASE = "2022Q4"
INDICATORS = pd.DataFrame(
    {
        "indicator_code": ["factories", "stations", "revenue"],
        "semantics": ["new_since_base", "level", "yearly_flow"],
        "name_zh": ["示范工厂", "基站", "营收"],
        "name_en": ["Factories", "Stations", "Revenue"],
        "unit": ["个", "座", "元"],
        "unit_en": ["factories", "stations", "CNY"],
    }
)


def figures(*rows) -> pd.DataFrame:
    """(code, period, value[, sector[, district]]) tuples as a figures frame."""
    records = [
        {
            "indicator_code": r[0],
            "period": r[1],
            "value": float(r[2]),
            "sector_code": r[3] if len(r) > 3 else None,
            "district_code": r[4] if len(r) > 4 else None,
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=[*basis.KEY, "period", "value"])


def entered(*rows) -> pd.DataFrame:
    """(code, period, value, this_quarter, cumulative[, sector[, district]]) as checked rows."""
    records = []
    for number, r in enumerate(rows, start=2):
        records.append(
            {
                "source_row": number,
                "indicator_code": r[0],
                "period": r[1],
                "sector_code": r[5] if len(r) > 5 else None,
                "district_code": r[6] if len(r) > 6 else None,
                "value": np.nan if r[2] is None else float(r[2]),
                "quarter_value": np.nan if r[3] is None else float(r[3]),
                "cumulative_value": np.nan if r[4] is None else float(r[4]),
            }
        )
    return pd.DataFrame(records)


def resolve(rows, stored, targets=None, choices=None):
    return basis.resolve(
        rows,
        INDICATORS,
        stored,
        base_period=BASE,
        targets=targets or {},
        choices=choices,
    )


FACTORY_HISTORY = figures(
    ("factories", "2023Q1", 2), ("factories", "2023Q2", 3), ("factories", "2023Q3", 4)
)


def test_cumulative_of_new_items_becomes_the_quarters_new_items():
    rows, problems = resolve(entered(("factories", "2023Q4", None, None, 12)), FACTORY_HISTORY)
    assert problems == []
    row = rows.iloc[0]
    assert row["value"] == 12 - (2 + 3 + 4)
    assert (row["cumulative_before"], row["cumulative_value"]) == (9, 12)
    assert row["entered_basis"] == "cumulative"


def test_this_quarter_of_new_items_is_stored_as_given_with_its_cumulative():
    rows, problems = resolve(entered(("factories", "2023Q4", None, 3, None)), FACTORY_HISTORY)
    assert problems == []
    assert rows.iloc[0][["value", "cumulative_value"]].tolist() == [3, 12]


def test_both_columns_must_agree_with_the_history():
    agreeing, problems = resolve(entered(("factories", "2023Q4", None, 3, 12)), FACTORY_HISTORY)
    assert problems == [] and agreeing.iloc[0]["value"] == 3
    _, problems = resolve(entered(("factories", "2023Q4", None, 3, 13)), FACTORY_HISTORY)
    assert [p.code for p in problems] == ["basis_mismatch"]
    assert problems[0].params["expected"] == 4
    assert "不一致" in problems[0].message("zh")


def test_level_from_this_quarter_adds_to_the_previous_level():
    stored = figures(("stations", "2023Q1", 1000), ("stations", "2023Q2", 1200))
    rows, problems = resolve(entered(("stations", "2023Q3", None, 150, None)), stored)
    assert problems == []
    assert rows.iloc[0][["value", "quarter_value", "cumulative_before"]].tolist() == [
        1350,
        150,
        1200,
    ]


def test_level_value_column_is_the_level_and_its_quarter_is_derived():
    stored = figures(("stations", "2023Q1", 1000))
    rows, problems = resolve(entered(("stations", "2023Q2", 1100, None, None)), stored)
    assert problems == []
    assert rows.iloc[0][["value", "quarter_value"]].tolist() == [1100, 100]
    assert rows.iloc[0]["entered_basis"] == "declared"


def test_level_this_quarter_without_an_earlier_level_is_refused():
    _, problems = resolve(entered(("stations", "2023Q1", None, 150, None)), figures())
    assert [p.code for p in problems] == ["no_previous_cumulative"]
    assert problems[0].column == "this_quarter"


def test_yearly_flow_cumulative_is_the_year_to_date():
    stored = figures(
        ("revenue", "2023Q3", 50), ("revenue", "2023Q4", 60), ("revenue", "2024Q1", 10)
    )
    rows, problems = resolve(entered(("revenue", "2024Q2", None, None, 25)), stored)
    assert problems == []
    # 2023's quarters are another year: only 2024Q1 counts before 2024Q2.
    assert rows.iloc[0][["value", "cumulative_before"]].tolist() == [15, 10]


def test_cumulative_below_the_previous_cumulative_is_refused():
    _, problems = resolve(entered(("factories", "2023Q4", None, None, 8)), FACTORY_HISTORY)
    assert [p.code for p in problems] == ["negative_derived"]


def test_several_quarters_of_cumulatives_in_one_file_chain_on_each_other():
    rows, problems = resolve(
        entered(
            ("factories", "2023Q1", None, None, 2),
            ("factories", "2023Q2", None, None, 5),
            ("factories", "2023Q3", None, 4, None),
            ("factories", "2023Q4", None, None, 12),
        ),
        figures(),
    )
    assert problems == []
    assert rows["value"].tolist() == [2, 3, 4, 3]
    assert rows["cumulative_value"].tolist() == [2, 5, 9, 12]


def test_sector_and_district_rows_count_their_own_history():
    stored = figures(
        ("factories", "2023Q1", 5),
        ("factories", "2023Q1", 2, "steel"),
        ("factories", "2023Q1", 1, None, "chikan"),
    )
    rows, problems = resolve(
        entered(
            ("factories", "2023Q2", None, None, 8),
            ("factories", "2023Q2", None, None, 3, "steel"),
            ("factories", "2023Q2", None, None, 4, None, "chikan"),
        ),
        stored,
    )
    assert problems == []
    assert rows["value"].tolist() == [3, 1, 3]


def test_correcting_a_past_quarter_keeps_later_quarters_as_stored():
    """A corrected 2023Q2 cumulative changes 2023Q2's new items only; later stored quarters keep
    their figures, so their cumulatives move with the correction."""
    stored = figures(
        ("factories", "2023Q1", 2), ("factories", "2023Q2", 3), ("factories", "2023Q3", 4)
    )
    rows, problems = resolve(entered(("factories", "2023Q2", None, None, 6)), stored)
    assert problems == []
    assert rows.iloc[0][["value", "cumulative_before"]].tolist() == [4, 2]
    later = basis.with_cumulative(
        pd.concat([stored[stored["period"] != "2023Q2"], figures(("factories", "2023Q2", 4))]),
        INDICATORS,
        BASE,
    ).sort_values("period")
    assert later["cumulative_value"].tolist() == [2, 6, 10]


def test_a_running_total_entered_as_new_items_is_flagged_by_name():
    stored = figures(
        ("factories", "2023Q1", 10), ("factories", "2023Q2", 5), ("factories", "2023Q3", 4)
    )
    _, problems = resolve(entered(("factories", "2023Q4", 19, None, None)), stored)
    assert [p.code for p in problems] == ["basis_suspect"]
    assert problems[0].message("zh").startswith("这看起来是累计数")
    assert problems[0].params["previous"] == 19 and problems[0].params["after"] == 38


def test_a_second_quarter_above_the_first_is_not_flagged():
    _, problems = resolve(
        entered(("factories", "2023Q2", 5, None, None)), figures(("factories", "2023Q1", 2))
    )
    assert problems == []


def test_passing_the_target_in_one_quarter_is_flagged():
    targets = {("factories", None): 12.0}
    _, problems = resolve(entered(("factories", "2023Q4", 5, None, None)), FACTORY_HISTORY, targets)
    assert [p.key for p in problems] == ["problem.basis_suspect_target"]
    _, problems = resolve(entered(("factories", "2023Q4", 2, None, None)), FACTORY_HISTORY, targets)
    assert problems == []


def test_a_flagged_row_passes_with_an_explicit_choice_and_a_reason():
    row = entered(("factories", "2023Q4", 12, None, None))
    _, problems = resolve(row, FACTORY_HISTORY, choices={2: ("quarter", "")})
    assert [p.code for p in problems] == ["basis_reason_missing"]
    kept, problems = resolve(row, FACTORY_HISTORY, choices={2: ("quarter", "新认定 12 个")})
    assert problems == [] and kept.iloc[0]["value"] == 12
    moved, problems = resolve(row, FACTORY_HISTORY, choices={2: ("cumulative", "台账累计")})
    assert problems == []
    assert moved.iloc[0][["value", "entered_basis"]].tolist() == [3, "cumulative"]


def test_value_column_disagreeing_with_the_basis_column_is_refused():
    _, problems = resolve(entered(("factories", "2023Q4", 4, 3, None)), FACTORY_HISTORY)
    assert [p.code for p in problems] == ["value_basis_conflict"]


@pytest.mark.parametrize("header", ["本期数", "累计数"])
def test_a_file_with_either_column_loads_consistently(demo_db, header):
    """Through the real check: smart factories' 2025Q4 entered either way, stored the same."""
    with db.connect(demo_db) as con:
        plan_id = queries.plans(con)["plan_id"].iloc[0]
        figures_now = queries.current_figures(con, plan_id, "2025Q4")
        inds = queries.indicators(con, plan_id)
        base = queries.plan(con, plan_id)["base_period"]
        city = basis.with_cumulative(figures_now, inds, base)
        city = city[
            (city["indicator_code"] == "smart_factories")
            & city["sector_code"].isna()
            & city["district_code"].isna()
        ].set_index("period")
        before = float(city.loc["2025Q3", "cumulative_value"])
        number = 1 if header == "本期数" else before + 1
        content = f"指标代码,期间,{header}\nsmart_factories,2025Q4,{number:g}\n".encode()
        check = ingest.check_upload(con, content, "t.csv", plan_id)
    assert check.checked.errors == []
    row = check.checked.rows.iloc[0]
    assert (row["value"], row["cumulative_value"]) == (1, before + 1)

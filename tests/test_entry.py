"""在线填报 and its pieces: the per-unit template, drafts, grid -> CSV -> check, and the
consequence preview (numbers computed from the status table, never typed in)."""

import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi.auth.accounts import User
from kpi.base import periods
from kpi.base.errors import InputRejected, PermissionDenied
from kpi.measure import assessment, consequences
from kpi.measure.tracking import reporting_period
from kpi.outputs import entry_tables, formatting, palette, upload_template
from kpi.store import basis, db, drafts, ingest, intake, queries
from kpi.store.validation import INFORMATION_HEADERS, template_header

PLAN = "zhanjiang-dt-2023"
TODAY = date(2026, 11, 23)  # after the plan's end: the due quarter is its last, 2025Q4
STAFF = User("staff", "staff", "市工业和信息化局", "staff")
STAFF2 = User("staff2", "staff", "市通信建设管理办公室", "staff2")
ADMIN = User("admin", "admin", None, "admin")
VIEWER = User("viewer", "viewer", None, "viewer")


def unit_rows(path: Path, user: User) -> pd.DataFrame:
    with db.read(path) as con:
        return upload_template.unit_rows(con, PLAN, user, today=TODAY)


def code_or_blank(value) -> str:
    return value if isinstance(value, str) else ""


def csv_frame(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def check(path: Path, content: bytes, user: User | None = None, choices=None):
    with db.read(path) as con:
        result = ingest.check_upload(
            con, content, "grid.csv", PLAN, today=TODAY, basis_choices=choices
        )
    if user is not None:  # the authority rows as the pages add them
        result = intake.check_for(path, user, content, "grid.csv", PLAN, basis_choices=choices)
    return result


# ------------------------------------------------------------------ the per-unit template


@pytest.mark.parametrize("user", [STAFF, STAFF2, ADMIN], ids=lambda u: u.username)
def test_unit_template_has_a_row_per_writable_indicator_and_stored_breakdown(demo_db, user):
    rows = unit_rows(demo_db, user)
    with db.read(demo_db) as con:
        mine = intake.writable_indicators(con, PLAN, user)
        previous = periods.add_quarters(reporting_period(queries.plan(con, PLAN), TODAY), -1)
        stored = queries.current_figures(con, PLAN, previous)
    stored = stored[stored["indicator_code"].isin(mine)]
    expected = {
        (c, s if isinstance(s, str) else None, d if isinstance(d, str) else None)
        for c, s, d in zip(
            stored["indicator_code"], stored["sector_code"], stored["district_code"], strict=True
        )
    } | {(c, None, None) for c in mine}
    got = {
        (c, s if isinstance(s, str) else None, d if isinstance(d, str) else None)
        for c, s, d in zip(
            rows["indicator_code"], rows["sector_code"], rows["district_code"], strict=True
        )
    }
    assert got == expected
    assert len(rows) == len(got)  # no key twice
    assert list(dict.fromkeys(rows["indicator_code"])) == mine  # the plan's order
    assert set(rows["period"]) == {"2025Q4"}


def test_unit_templates_of_two_units_do_not_overlap_where_the_units_do_not(demo_db):
    with db.read(demo_db) as con:
        own = set(intake.writable_indicators(con, PLAN, STAFF))
        other = set(intake.writable_indicators(con, PLAN, STAFF2))
    assert set(unit_rows(demo_db, STAFF)["indicator_code"]) == own
    assert set(unit_rows(demo_db, STAFF2)["indicator_code"]) == other
    assert own != other


def test_unit_template_previous_values_are_the_last_quarter_in_display_units(demo_db):
    rows = unit_rows(demo_db, ADMIN)
    with db.read(demo_db) as con:
        indicators = queries.indicators(con, PLAN)
        figures = queries.current_figures(con, PLAN, "2025Q3")
        base = queries.plan(con, PLAN)["base_period"]
    known = basis.with_cumulative(figures, indicators, base)
    known = known[known["period"] == "2025Q3"]
    factors = indicators.set_index("indicator_code")["display_factor"].astype(float)
    checked = 0
    for r in known.to_dict("records"):
        match = rows[
            (rows["indicator_code"] == r["indicator_code"])
            & (rows["sector_code"].fillna("") == code_or_blank(r["sector_code"]))
            & (rows["district_code"].fillna("") == code_or_blank(r["district_code"]))
        ]
        factor = factors[r["indicator_code"]]
        for ours, theirs in (
            ("previous_cumulative", "cumulative_value"),
            ("previous_quarter", "quarter_value"),
        ):
            if pd.isna(r[theirs]):
                assert pd.isna(match[ours].iloc[0])
            else:
                assert match[ours].iloc[0] == pytest.approx(r[theirs] / factor)
        checked += 1
    assert checked == len(known) > 50
    scaled = rows[rows["indicator_code"] == "base_stations_5g"].iloc[0]
    level = known[(known["indicator_code"] == "base_stations_5g") & known["district_code"].isna()]
    assert scaled["previous_cumulative"] == pytest.approx(level["value"].iloc[0] / 10000)


def test_unit_template_csv_has_basis_previous_values_and_empty_entry_cells(demo_db):
    with db.read(demo_db) as con:
        content = upload_template.unit_template(con, PLAN, STAFF, "csv", today=TODAY)
    frame = csv_frame(content)
    rows = unit_rows(demo_db, STAFF)
    assert list(frame.columns[:5]) == [
        template_header(c)
        for c in ("indicator_code", "indicator_name", "sector", "district", "period")
    ]
    assert len(frame) == len(rows)
    assert (frame[template_header("this_quarter")] == "").all()
    assert (frame[template_header("cumulative")] == "").all()
    basis_column = INFORMATION_HEADERS["basis"][0]
    assert frame[basis_column].tolist() == [basis.basis_text(s, "zh") for s in rows["semantics"]]
    factory = frame[
        (frame[template_header("indicator_code")] == "smart_factories")
        & (frame[template_header("sector")] == "")
    ]
    assert factory[INFORMATION_HEADERS["previous_cumulative"][0]].iloc[0] == str(
        int(
            rows[(rows["indicator_code"] == "smart_factories") & rows["sector_code"].isna()][
                "previous_cumulative"
            ].iloc[0]
        )
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_template_help_names_each_basis_group(demo_db, lang):
    with db.read(demo_db) as con:
        content = upload_template.unit_template(con, PLAN, STAFF, "xlsx", today=TODAY, lang=lang)
    help_sheet = pd.read_excel(io.BytesIO(content), sheet_name=1, header=None, usecols="A:B")
    # Long drop-down lists sit in hidden columns further right: their rows are not instructions.
    help_sheet = help_sheet.dropna(how="all").astype(str)
    text = "\n".join(help_sheet.iloc[:, 0] + " " + help_sheet.iloc[:, 1])
    rows = unit_rows(demo_db, STAFF).drop_duplicates("indicator_code")
    for semantics, group in rows.groupby("semantics"):
        line = help_sheet[help_sheet.iloc[:, 0].str.startswith(basis.basis_text(semantics, lang))]
        assert len(line) == 1
        for name in group["name_en" if lang == "en" else "name_zh"]:
            assert name in line.iloc[0, 1]
    assert template_header("this_quarter") in text and template_header("cumulative") in text


def test_filled_unit_template_reads_back_and_ignores_the_information_columns(demo_db):
    with db.read(demo_db) as con:
        frame = csv_frame(upload_template.unit_template(con, PLAN, STAFF, "csv", today=TODAY))
    city = (frame[template_header("sector")] == "") & (frame[template_header("district")] == "")
    target = frame.index[city & (frame[template_header("indicator_code")] == "smart_factories")][0]
    previous = float(frame.loc[target, INFORMATION_HEADERS["previous_cumulative"][0]])
    frame.loc[target, template_header("cumulative")] = str(int(previous + 3))
    content = frame.to_csv(index=False).encode("utf-8")
    result = check(demo_db, content, STAFF)
    assert not result.checked.errors, [p.message("zh") for p in result.checked.errors]
    rows = result.checked.rows
    assert len(rows) == 1
    assert rows["value"].iloc[0] == pytest.approx(3)  # 本季度新增 derived from 累计数
    assert not result.checked.warnings
    assert [p.params["n"] for p in result.checked.notices] == [len(frame) - 1]


# ------------------------------------------------------------------ drafts


def test_draft_is_saved_loaded_and_overwritten(demo_db):
    first = [{"row_key": "smart_factories||", "this_quarter": 2.0, "cumulative": None, "note": "a"}]
    second = [
        {"row_key": "cloud_firms||chikan", "this_quarter": np.nan, "cumulative": 140.0, "note": ""}
    ]
    assert drafts.load_draft(demo_db, STAFF, PLAN, "2025Q4") is None
    saved = drafts.save_draft(demo_db, STAFF, PLAN, "2025Q4", first)
    assert drafts.load_draft(demo_db, STAFF, PLAN, "2025Q4").rows == first == saved.rows
    drafts.save_draft(demo_db, STAFF, PLAN, "2025Q4", second)
    again = drafts.load_draft(demo_db, STAFF, PLAN, "2025Q4")
    assert again.rows == [{**second[0], "this_quarter": None}]  # NaN is kept as empty
    assert drafts.load_draft(demo_db, STAFF2, PLAN, "2025Q4") is None  # one per person
    assert drafts.load_draft(demo_db, STAFF, PLAN, "2025Q3") is None  # and quarter
    drafts.delete_draft(demo_db, STAFF, PLAN, "2025Q4")
    assert drafts.load_draft(demo_db, STAFF, PLAN, "2025Q4") is None


def test_draft_is_refused_to_a_viewer_and_when_too_large(demo_db):
    with pytest.raises(PermissionDenied):
        drafts.save_draft(demo_db, VIEWER, PLAN, "2025Q4", [])
    rows = [{"row_key": f"k{i}", "this_quarter": 1.0} for i in range(drafts.MAX_DRAFT_ROWS + 1)]
    with pytest.raises(InputRejected):
        drafts.save_draft(demo_db, STAFF, PLAN, "2025Q4", rows)
    assert drafts.load_draft(demo_db, STAFF, PLAN, "2025Q4") is None


# ------------------------------------------------------------------ grid -> CSV -> check


def grid_with(rows: pd.DataFrame, entries: dict[tuple, dict]) -> pd.DataFrame:
    """The grid of `rows` with (indicator, sector, district) -> {column: value} typed in."""
    grid = entry_tables.entry_grid(rows, "zh")
    for (code, sector, district), values in entries.items():
        index = grid.index[
            grid[entry_tables.ROW_KEY] == entry_tables.row_key(code, sector, district)
        ][0]
        for column, value in values.items():
            grid.loc[index, column] = value
    return grid


def test_grid_becomes_a_file_that_checks_like_an_upload(demo_db):
    rows = unit_rows(demo_db, STAFF)
    factories = rows[
        (rows["indicator_code"] == "smart_factories") & rows["sector_code"].isna()
    ].iloc[0]
    chikan = rows[
        (rows["indicator_code"] == "cloud_firms") & (rows["district_code"] == "chikan")
    ].iloc[0]
    grid = grid_with(
        rows,
        {
            ("smart_factories", None, None): {"cumulative": factories["previous_cumulative"] + 4},
            ("cloud_firms", None, "chikan"): {"this_quarter": 7.0, "note": "=1+1"},
        },
    )
    content = entry_tables.grid_csv(grid, rows, "2025Q4")
    frame = csv_frame(content)
    assert list(frame.columns) == [
        template_header(c)
        for c in (
            "indicator_code",
            "period",
            "sector",
            "district",
            "this_quarter",
            "cumulative",
            "unit",
            "note",
        )
    ]
    assert len(frame) == 2  # empty rows are skipped
    result = check(demo_db, content, STAFF)
    assert not result.checked.errors, [p.message("zh") for p in result.checked.errors]
    got = result.checked.rows.set_index("indicator_code")
    assert got.loc["smart_factories", "value"] == pytest.approx(4)
    assert got.loc["smart_factories", "entered_basis"] == "cumulative"
    assert got.loc["cloud_firms", "value"] == pytest.approx(7)
    assert got.loc["cloud_firms", "cumulative_value"] == pytest.approx(
        chikan["previous_cumulative"] + 7
    )
    assert got.loc["cloud_firms", "district_code"] == "chikan"


def test_grid_cumulative_typed_as_this_quarter_is_stopped_then_passes_as_cumulative(demo_db):
    rows = unit_rows(demo_db, STAFF)
    factories = rows[
        (rows["indicator_code"] == "smart_factories") & rows["sector_code"].isna()
    ].iloc[0]
    total = factories["previous_cumulative"] + 2
    wrong = grid_with(rows, {("smart_factories", None, None): {"this_quarter": total}})
    result = check(demo_db, entry_tables.grid_csv(wrong, rows, "2025Q4"), STAFF)
    assert [p.code for p in result.checked.errors] == ["basis_suspect"]
    assert "这看起来是累计数" in result.checked.errors[0].message("zh")
    right = grid_with(rows, {("smart_factories", None, None): {"cumulative": total}})
    result = check(demo_db, entry_tables.grid_csv(right, rows, "2025Q4"), STAFF)
    assert not result.checked.errors
    assert result.checked.rows["value"].iloc[0] == pytest.approx(2)


def test_grid_number_is_written_as_typed_without_float_noise(demo_db):
    rows = unit_rows(demo_db, STAFF2)
    code = "base_stations_5g"
    grid = grid_with(rows, {(code, None, None): {"cumulative": 0.1 + 0.2 + 1.6}})
    frame = csv_frame(entry_tables.grid_csv(grid, rows, "2025Q4"))
    assert frame[template_header("cumulative")].iloc[0] == "1.9"
    assert frame[template_header("unit")].iloc[0] == "万座"


def test_draft_rows_keep_typed_rows_and_refill_the_grid(demo_db):
    rows = unit_rows(demo_db, STAFF)
    grid = grid_with(
        rows,
        {
            ("smart_factories", None, None): {"this_quarter": 1.0},
            ("cloud_firms", None, "chikan"): {"note": "待核实"},
        },
    )
    kept = entry_tables.draft_rows(grid)
    assert sorted(k[entry_tables.ROW_KEY] for k in kept) == [
        "cloud_firms||chikan",
        "smart_factories||",
    ]
    again = entry_tables.entry_grid(rows, "zh", kept)
    for column in entry_tables.EDITABLE:
        pd.testing.assert_series_equal(again[column], grid[column], check_names=False)


def test_prefill_of_a_returned_submission_restores_the_stored_figures(demo_db):
    rows = unit_rows(demo_db, STAFF)
    submitted = pd.DataFrame(
        {
            "indicator_code": ["smart_factories", "public_platform"],
            "period": ["2025Q4", "2025Q4"],
            "sector_code": [None, None],
            "district_code": [None, None],
            "value": [3.0, 1.0],
            "entered_basis": ["cumulative", "declared"],
        }
    )
    grid = entry_tables.entry_grid(rows, "zh", entry_tables.prefill(submitted, rows))
    content = entry_tables.grid_csv(grid, rows, "2025Q4")
    result = check(demo_db, content, STAFF)
    assert not result.checked.errors, [p.message("zh") for p in result.checked.errors]
    stored = result.checked.rows.set_index("indicator_code")["value"]
    assert stored.to_dict() == {"smart_factories": 3.0, "public_platform": 1.0}


# ------------------------------------------------------------------ consequences


def status_rows(path: Path, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with db.read(path) as con:
        data = assessment.read_plan_data(con, PLAN, as_of)
    return (
        assessment.status_table(data, as_of).set_index("indicator_code"),
        assessment.sector_status_table(data, as_of).set_index(["indicator_code", "sector_code"]),
    )


def previous(rows: pd.DataFrame, code: str, sector=None, district=None) -> float:
    """The template's 上期累计数 of one key."""
    match = rows[
        (rows["indicator_code"] == code)
        & (rows["sector_code"].fillna("") == (sector or ""))
        & (rows["district_code"].fillna("") == (district or ""))
    ]
    return float(match["previous_cumulative"].iloc[0])


def stored_cumulative(path: Path, code: str, district: str, period: str) -> float:
    """The cumulative in force of a district's figure (kpi.store.basis over the store)."""
    with db.read(path) as con:
        figures = queries.current_figures(con, PLAN, period)
        base = queries.plan(con, PLAN)["base_period"]
        known = basis.with_cumulative(figures, queries.indicators(con, PLAN), base)
    match = known[
        (known["indicator_code"] == code)
        & (known["district_code"] == district)
        & (known["period"] == period)
    ]
    return float(match["cumulative_value"].iloc[0])


def test_consequences_before_and_after_match_the_status_table_once_written(demo_db):
    rows = unit_rows(demo_db, ADMIN)
    entries = {
        ("smart_factories", None, None): {"cumulative": previous(rows, "smart_factories") + 20},
        ("smart_factories", "steel", None): {
            "cumulative": previous(rows, "smart_factories", "steel") + 1
        },
        ("cloud_firms", None, "chikan"): {"this_quarter": 5.0},
    }
    result = check(demo_db, entry_tables.grid_csv(grid_with(rows, entries), rows, "2025Q4"), ADMIN)
    assert not result.checked.errors, [p.message("zh") for p in result.checked.errors]
    with db.read(demo_db) as con:
        effects = consequences.consequences(con, PLAN, result.checked.rows)
    city_before, sector_before = status_rows(demo_db, "2025Q4")
    chikan_before = stored_cumulative(demo_db, "cloud_firms", "chikan", "2025Q4")
    intake.commit_upload(demo_db, ADMIN, result, accept_warnings=True, entry="form")
    city_after, sector_after = status_rows(demo_db, "2025Q4")

    by_place = {
        (
            r["sector_code"] if isinstance(r["sector_code"], str) else None,
            r["district_code"] if isinstance(r["district_code"], str) else None,
        ): r
        for r in effects.to_dict("records")
    }
    city, sector, district = (
        by_place[(None, None)],
        by_place[("steel", None)],
        by_place[(None, "chikan")],
    )
    assert (city["scope"], sector["scope"], district["scope"]) == (
        "indicator",
        "sector",
        "breakdown",
    )
    for column in ("actual", "completion", "light"):
        assert city[f"{column}_before"] == city_before.loc["smart_factories", column]
        assert city[f"{column}_after"] == city_after.loc["smart_factories", column]
        key = ("smart_factories", "steel")
        assert sector[f"{column}_before"] == sector_before.loc[key, column]
        assert sector[f"{column}_after"] == sector_after.loc[key, column]
    assert city["light_after"] != city["light_before"]  # 20 more factories reach the target
    assert pd.isna(district["light_after"]) and pd.isna(district["completion_after"])
    assert district["actual_before"] == pytest.approx(chikan_before)
    assert district["actual_after"] == pytest.approx(
        stored_cumulative(demo_db, "cloud_firms", "chikan", "2025Q4")
    )


def test_consequence_table_shows_the_numbers_with_the_shared_formatting(demo_db):
    rows = unit_rows(demo_db, ADMIN)
    factories = rows[
        (rows["indicator_code"] == "smart_factories") & rows["sector_code"].isna()
    ].iloc[0]
    content = entry_tables.grid_csv(
        grid_with(
            rows,
            {
                ("smart_factories", None, None): {
                    "cumulative": factories["previous_cumulative"] + 20
                }
            },
        ),
        rows,
        "2025Q4",
    )
    result = check(demo_db, content, ADMIN)
    with db.read(demo_db) as con:
        effects = consequences.consequences(con, PLAN, result.checked.rows)
        names = {n: getattr(queries, n)(con, PLAN) for n in ("indicators", "sectors", "districts")}
    table = entry_tables.consequence_table(effects, **names, lang="zh")
    row, shown = effects.iloc[0], table.iloc[0]
    meta = names["indicators"].set_index("indicator_code").loc["smart_factories"].to_dict()
    pct = [formatting.format_pct(row[f"completion_{when}"]) for when in ("before", "after")]
    assert shown["完成率"] == f"{pct[0]} → {pct[1]}"
    values = [formatting.format_value(row[f"actual_{when}"], meta) for when in ("before", "after")]
    assert shown["累计"] == f"{values[0]} → {values[1]}"
    lights = (
        palette.light_label(row["light_before"], "zh"),
        palette.light_label(row["light_after"], "zh"),
    )
    assert shown["灯号"] == (lights[0] if lights[0] == lights[1] else f"{lights[0]} → {lights[1]}")
    assert shown["填报值"] == f"累计数 {formatting.format_value(row['cumulative_value'], meta)}"
    assert shown["指标口径"] == basis.basis_text("new_since_base", "zh")


def test_consequences_list_at_most_the_first_thousand_rows(demo_db):
    with db.read(demo_db) as con:
        indicators = queries.indicators(con, PLAN)
        districts = queries.districts(con, PLAN)["district_code"].tolist()
    quarters = periods.period_range("2023Q1", "2025Q4")
    keys = [
        (code, period, district)
        for code in indicators["indicator_code"]
        for period in quarters
        for district in [None, *districts]
    ][:1200]
    rows = pd.DataFrame(
        {
            "source_row": np.arange(2, len(keys) + 2),
            "indicator_code": [k[0] for k in keys],
            "period": [k[1] for k in keys],
            "sector_code": None,
            "district_code": [k[2] for k in keys],
            "value": 1.0,
        }
    )
    with db.read(demo_db) as con:
        effects = consequences.consequences(con, PLAN, rows)
    assert len(effects) == consequences.MAX_ROWS
    assert effects["source_row"].tolist() == rows["source_row"].head(consequences.MAX_ROWS).tolist()

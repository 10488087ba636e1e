"""`etl load`'s fast check (kpi.store.validation.fast_check, kpi.store.ingest._fast_rows) stores
exactly what the full check stores, and hands every file it does not fully handle to the full
check, whose report is then the same."""

import io
import shutil
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from kpi.store import basis, ingest, loads

# Every table a load writes; columns holding the time of writing are left out.
STORED = {
    "figures": "*",
    "batches": "* exclude (loaded_at)",
    "uploaded_files": "*",
    "audit_log": "* exclude (logged_at)",
    "submitted_figures": "*",
}
HEADER = "indicator_code,period,sector,district,value\n"
# The plan's quarters (its baseline is 2022Q4).
QUARTERS = [f"{y}Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)]


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every stored row, floats as their exact bits (-0.0 is not 0.0)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: [
                tuple(v.hex() if isinstance(v, float) else v for v in row)
                for row in con.execute(f"select {columns} from {table} order by all").fetchall()
            ]
            for table, columns in STORED.items()
        }
    finally:
        con.close()


class Pair:
    """Two copies of a store: files load into one with the fast check, into the other without."""

    def __init__(self, tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fast, self.full = tmp_path / "fast.duckdb", tmp_path / "full.duckdb"
        shutil.copy(store, self.fast)
        shutil.copy(store, self.full)
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.full_checks = 0
        check_table = ingest.check_table

        def counted(*args, **kwargs):
            self.full_checks += 1
            return check_table(*args, **kwargs)

        monkeypatch.setattr(ingest, "check_table", counted)

    def load(self, text: str | bytes, name: str = "figures.csv", **options) -> bool:
        """Load a file into both stores; True when the fast check took it. Both results agree."""
        path = self.tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        results = {}
        for fast, store in ((True, self.fast), (False, self.full)):
            self.monkeypatch.setattr(loads, "FAST_CHECK", fast)
            before = self.full_checks
            results[fast] = loads.load_files(
                [path], db=store, plan_id=None, user_name="t", **options
            )
            if fast:
                took_it = self.full_checks == before
        assert results[True].as_dict() == results[False].as_dict()
        assert dump(self.fast) == dump(self.full)
        self.codes = [p.code for check in results[False].checks for p in check.checked.problems]
        return took_it


@pytest.fixture
def pair(tmp_path: Path, empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> Pair:
    return Pair(tmp_path, empty_db, monkeypatch)


def rows_text(rows: list[tuple[str, str, str, str, object]]) -> str:
    return HEADER + "".join(f"{c},{p},{s},{d},{v}\n" for c, p, s, d, v in rows)


def clean_rows(quarters: list[str] = QUARTERS) -> list[tuple]:
    """Levels rising, flows by even amounts: nothing to warn about or refuse."""
    rows = []
    for quarter in quarters:
        k = QUARTERS.index(quarter) + 1
        rows += [
            ("base_stations_5g", quarter, "", "", 1000 * k),
            ("base_stations_5g", quarter, "", "chikan", 100 * k),
            ("cloud_firms", quarter, "", "", 30),
            ("cloud_firms", quarter, "", "xiashan", 3),
            ("smart_scenarios", quarter, "steel", "", 0.5),
            ("smart_scenarios", quarter, "", "", 2),
            ("service_revenue", quarter, "", "", 5.25),
            ("digital_talent", quarter, "全市", "", 50 * k),
        ]
    return rows


def test_a_clean_file_of_levels_and_flows_is_stored_alike(pair: Pair) -> None:
    assert pair.load(rows_text(clean_rows()))


def test_a_submitted_clean_file_is_kept_alike_for_review(pair: Pair) -> None:
    assert pair.load(rows_text(clean_rows()), submit=True)


def test_a_later_quarter_counted_on_stored_history_is_stored_alike(pair: Pair) -> None:
    assert pair.load(rows_text(clean_rows(QUARTERS[:6])))
    assert pair.load(rows_text(clean_rows(QUARTERS[6:])))
    assert not pair.codes  # nothing to warn about: the history continues


def test_a_reload_with_changed_and_unchanged_rows_is_stored_alike(pair: Pair) -> None:
    assert pair.load(rows_text(clean_rows()))
    rows = clean_rows()
    rows[3] = (*rows[3][:4], rows[3][4] + 0.5)  # one flow changed a little
    rows[8] = (*rows[8][:4], rows[8][4] + 10)  # one level changed
    assert pair.load(rows_text(rows))


def test_warnings_of_a_clean_file_are_reported_alike(pair: Pair) -> None:
    assert pair.load(rows_text(clean_rows()))
    rows = clean_rows()
    rows[0] = (*rows[0][:4], 900)  # a level changed by far more than usual
    rows[-8] = (*rows[-8][:4], 1)  # the last quarter's level falls
    assert pair.load(rows_text(rows))
    assert {"big_change", "level_decrease"} <= set(pair.codes)


def test_a_running_total_in_a_flow_column_falls_back_and_is_refused_alike(pair: Pair) -> None:
    rows = [("cloud_firms", q, "", "", 30 * (k + 1)) for k, q in enumerate(QUARTERS)]
    assert not pair.load(rows_text(rows))
    assert "basis_suspect" in pair.codes


def test_a_running_total_seen_only_with_the_stored_quarters_falls_back_alike(pair: Pair) -> None:
    assert pair.load(rows_text([("cloud_firms", q, "", "", 30) for q in QUARTERS[:4]]))
    assert not pair.load(rows_text([("cloud_firms", QUARTERS[4], "", "", 150)]))
    assert "basis_suspect" in pair.codes


def test_a_flow_passing_its_target_in_one_quarter_falls_back_alike(pair: Pair) -> None:
    rows = [("cloud_firms", q, "", "", 10) for q in QUARTERS[:4]] + [
        ("cloud_firms", QUARTERS[4], "", "", 995)
    ]
    assert not pair.load(rows_text(rows))
    assert "basis_suspect" in pair.codes


def test_a_file_with_this_quarter_and_cumulative_columns_falls_back_alike(pair: Pair) -> None:
    text = "indicator_code,period,本期数,累计数\n" + "".join(
        f"cloud_firms,{q},30,{30 * (k + 1)}\n" for k, q in enumerate(QUARTERS)
    )
    assert not pair.load(text)


def test_a_file_naming_indicators_and_places_falls_back_alike(pair: Pair) -> None:
    text = "指标名称,期间,区县,数值\n" + "".join(
        f"5G基站数,{q},赤坎区,{100 * (k + 1)}\n" for k, q in enumerate(QUARTERS)
    )
    assert not pair.load(text)


@pytest.mark.parametrize("value", ["1,234", "1.2万", "-0", "-5", "", "1e999", "abc", "１２"])
def test_a_value_not_written_plainly_falls_back_alike(pair: Pair, value: str) -> None:
    rows = clean_rows()
    rows[0] = (*rows[0][:4], value)
    assert not pair.load(rows_text(rows))


def test_a_unit_column_falls_back_alike(pair: Pair) -> None:
    text = "indicator_code,period,value,unit\n" + "".join(
        f"base_stations_5g,{q},{(k + 1) * 1.5},万座\n" for k, q in enumerate(QUARTERS)
    )
    assert not pair.load(text)


@pytest.mark.parametrize(
    "row",
    [
        ("no_such_indicator", "2024Q1", "", "", 1),
        ("cloud_firms", "2021Q1", "", "", 1),  # before the plan
        ("cloud_firms", "2024Q5", "", "", 1),
        ("cloud_firms", "2024Q1", "steel", "", 1),  # no sector breakdown
        ("cloud_firms", "2024Q1", "", "atlantis", 1),
        ("base_stations_5g", "2024Q1", "", "", 1e9),  # above the ceiling
        ("base_stations_5g", "2023Q1", "", "", 1000),  # a repeated key
    ],
)
def test_a_row_with_a_problem_falls_back_alike(pair: Pair, row: tuple) -> None:
    assert not pair.load(rows_text([*clean_rows(), row]))


def test_a_title_line_and_chinese_headers_of_a_clean_file_are_stored_alike(pair: Pair) -> None:
    text = "2024年进度\n指标代码,期间,行业,区县,数值\n" + rows_text(clean_rows()).split("\n", 1)[1]
    assert pair.load(text)


def test_a_clean_workbook_is_stored_alike(pair: Pair) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for row in clean_rows():
        sheet.append(list(row))  # numbers as numbers, blank places as empty strings
    content = io.BytesIO()
    book.save(content)
    assert pair.load(content.getvalue(), "figures.xlsx")


def test_a_flow_near_the_running_total_threshold_is_never_passed_unchecked() -> None:
    """The numpy sums may differ from basis's in the last bits: rows at its thresholds, and
    random ones, are flagged by could_flag_running_totals whenever resolve flags them."""
    rng = np.random.default_rng(14)
    indicators = pd.DataFrame(
        {
            "indicator_code": ["flow", "yearly"],
            "semantics": ["new_since_base", "yearly_flow"],
            "name_zh": ["流", "年"],
            "name_en": ["flow", "yearly"],
            "unit": ["个", "亿元"],
            "unit_en": ["", ""],
        }
    )
    semantics = dict(zip(indicators["indicator_code"], indicators["semantics"], strict=True))
    flagged_somewhere = passed_somewhere = False
    for trial in range(120):
        n = int(rng.integers(3, 9))
        code = "flow" if trial % 2 else "yearly"
        amounts = rng.choice([0.1, 0.2, 0.3, 1 / 3, 7.0], size=n) * rng.integers(1, 4, size=n)
        if trial % 3 == 0:  # the last amount exactly the sum before it: a running total
            amounts[-1] = np.cumsum(amounts[:-1])[-1]
        target = float(np.cumsum(amounts)[-1]) if trial % 5 == 0 else 1e6
        stored_n = int(rng.integers(0, n - 1))
        key = {"indicator_code": code, "sector_code": None, "district_code": None}
        frame = pd.DataFrame(
            [
                {**key, "period": q, "value": float(v)}
                for q, v in zip(QUARTERS[:n], amounts, strict=True)
            ]
        ).astype({"indicator_code": "string", "sector_code": "string", "district_code": "string"})
        stored, rows = frame.iloc[:stored_n], frame.iloc[stored_n:].reset_index(drop=True)
        rows = rows.assign(
            source_row=np.arange(len(rows)) + 2, quarter_value=np.nan, cumulative_value=np.nan
        )
        targets = {(code, None): target}
        _, problems = basis.resolve(rows, indicators, stored, base_period="2022Q4", targets=targets)
        flagged = any(p.code == "basis_suspect" for p in problems)
        could = basis.could_flag_running_totals(
            rows, stored, semantics, base_period="2022Q4", targets=targets, margin=1e-9
        )
        assert could or not flagged, (amounts, stored_n, target)
        flagged_somewhere |= flagged
        passed_somewhere |= not could
    assert flagged_somewhere and passed_somewhere

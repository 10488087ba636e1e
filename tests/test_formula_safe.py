"""Every download a spreadsheet opens is formula-safe: `etl export` CSV neutralises text a
spreadsheet would run (`--raw` prints it as stored), JSON (read by programs) holds the values as
stored, and the tables' built-in toolbar export is off, leaving the pages' own CSV (neutralised)
and XLSX (text cells, exact) buttons."""

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest

from etl import cli
from kpi.outputs.exports import FORMULA_PREFIXES

REPO = Path(__file__).resolve().parent.parent
FORMULA = '=HYPERLINK("http://example.com","点击")'


@pytest.fixture
def poisoned_db(tmp_path: Path, demo_db: Path, capsys) -> Path:
    """demo_db with one batch loaded by a user whose name is a formula (kept in batches, audit)."""
    upload = tmp_path / "=1+1.csv"
    upload.write_text("指标代码,期间,数值\ncloud_firms,2024Q4,7\n", encoding="utf-8")
    assert cli.main(["load", str(upload), "--db", str(demo_db), "--user", FORMULA]) == 0
    capsys.readouterr()
    return demo_db


def export(capsys, *argv: str) -> str:
    assert cli.main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    return []


@pytest.mark.parametrize("what", ["audit", "history"])
def test_export_csv_neutralises_formulas(poisoned_db, capsys, what):
    cells = csv_cells(export(capsys, "export", what, "--db", poisoned_db))
    assert "'" + FORMULA in cells
    assert "'=1+1.csv" in cells
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)]


@pytest.mark.parametrize("what", ["audit", "history"])
def test_export_json_keeps_the_stored_text_when_it_looks_like_a_formula(poisoned_db, capsys, what):
    """JSON is read by programs, never run by a spreadsheet: an apostrophe would change the data."""
    records = json.loads(export(capsys, "export", what, "--db", poisoned_db, "--format", "json"))
    strings = json_strings(records)
    assert FORMULA in strings and "=1+1.csv" in strings
    assert not [s for s in strings if s.startswith("'=")]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_raw_prints_the_stored_text(poisoned_db, capsys, fmt):
    out = export(capsys, "export", "audit", "--db", poisoned_db, "--format", fmt, "--raw")
    cells = csv_cells(out) if fmt == "csv" else json_strings(json.loads(out))
    assert FORMULA in cells and "'" + FORMULA not in cells


def test_history_json_keeps_the_stored_text(poisoned_db, capsys):
    records = json.loads(export(capsys, "history", "--db", poisoned_db, "--json"))
    assert records[0]["user_name"] == FORMULA


def test_numbers_stay_numbers_in_the_csv(poisoned_db, capsys):
    rows = list(
        csv.DictReader(io.StringIO(export(capsys, "export", "targets", "--db", poisoned_db)))
    )
    assert all(not r["value"].startswith("'") for r in rows)
    assert float(rows[0]["value"]) > 0


def test_raw_is_documented_in_the_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = capsys.readouterr().out
    assert "--raw" in out and "公式" in out and "formula" in out


def test_streamlit_table_toolbar_export_is_off():
    """st.dataframe's own 'Download as CSV' writes cells raw: the app turns it off."""
    from streamlit import config as st_config

    # The option exists in the installed Streamlit (a rename would silently re-enable the toolbar).
    assert "client.disableDataExport" in st_config.get_config_options()
    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True

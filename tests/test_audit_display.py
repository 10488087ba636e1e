"""kpi.outputs.intake_tables: the audit log's before/after read as text, downloaded as JSON."""

import json

import pandas as pd
import pytest

from kpi.outputs import intake_tables

LOAD_AFTER = {
    "file": "q3.xlsx",
    "rows_read": 2,
    "figures_written": 2,
    "figures_truncated": False,
    "figures": [
        {
            "indicator_code": "base_stations_5g",
            "period": "2024Q3",
            "sector_code": None,
            "value": 9.0,
        },
        {"indicator_code": "cloud_firms", "period": "2024Q3", "sector_code": "steel", "value": 2.5},
    ],
}


def _log(before: dict | None, after: dict | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": [1],
            "logged_at": [pd.Timestamp("2026-01-02 03:04:05")],
            "user_name": ["admin"],
            "role": ["admin"],
            "action": ["load"],
            "batch_id": [7],
            "object_id": ["q3.xlsx"],
            "before_json": [None if before is None else json.dumps(before)],
            "after_json": [None if after is None else json.dumps(after)],
        }
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "文件：q3.xlsx；读取行数：2；写入的数值：2；数值列表已截断：否；数值：2 行"),
        (
            "en",
            "File: q3.xlsx; Rows read: 2; Figures written: 2; Figure list cut short: no; "
            "Figures: 2 rows",
        ),
    ],
)
def test_audit_table_shows_before_and_after_as_named_values(lang: str, expected: str) -> None:
    table = intake_tables.audit_table(
        _log({"figures_superseded": 0, "figures": []}, LOAD_AFTER), lang
    )
    assert table.iloc[0, -1] == expected
    assert table.iloc[0, -2] in ("被替换的数值：0", "Figures superseded: 0")


def test_audit_table_raw_keeps_the_json_written() -> None:
    log = _log(None, LOAD_AFTER)
    raw = intake_tables.audit_table(log, "zh", raw=True)
    assert json.loads(raw.iloc[0, -1]) == LOAD_AFTER
    assert raw.iloc[0, -2] == ""
    assert list(raw.columns) == list(intake_tables.audit_table(log, "zh").columns)


def test_audit_fields_turn_a_list_of_rows_into_a_small_table() -> None:
    lines, tables = intake_tables.audit_fields(json.dumps(LOAD_AFTER), "zh")
    assert ("文件", "q3.xlsx") in lines
    figures = tables["数值"]
    assert list(figures.columns) == ["指标代码", "季度", "行业代码", "数值"]
    assert list(figures.iloc[0]) == ["base_stations_5g", "2024Q3", "—", "9"]
    assert figures.iloc[1, 3] == "2.5"


def test_audit_fields_name_task_states_roles_and_nested_counts() -> None:
    after = {"status": "delayed", "role": "viewer", "tables": {"targets": {"added": 1}}}
    lines, _ = intake_tables.audit_fields(json.dumps(after), "en")
    assert lines == [
        ("Status", "Delayed"),
        ("Role", "viewer (read-only)"),
        ("Tables", "targets Added 1"),
    ]


def test_audit_fields_keep_an_unknown_key_and_text_that_is_not_json() -> None:
    assert intake_tables.audit_fields('{"new_field": 3}', "zh")[0] == [("new_field", "3")]
    assert intake_tables.audit_fields("not json", "zh")[0] == [("内容", "not json")]
    assert intake_tables.audit_fields(None, "zh") == ([], {})


def test_audit_markdown_shows_typed_text_as_typed() -> None:
    text = intake_tables.audit_markdown([("说明", "**粗体** [链接](http://x) :red[红]")], "zh")
    assert text == r"- 说明：\*\*粗体\*\* \[链接\]\(http\://x\) \:red\[红\]"

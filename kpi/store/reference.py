"""Load the reference CSVs of every plan in data/plans/ into the reference tables."""

from pathlib import Path

import duckdb
import pandas as pd

from kpi.base import config
from kpi.store import ingest, queries
from kpi.store.connection import transaction

# file -> (table, columns as typed in the table); plan_id is added from the folder.
REFERENCE_FILES: dict[str, tuple[str, dict[str, str]]] = {
    "plan.csv": (
        "plans",
        {
            "plan_id": "str",
            "name_zh": "str",
            "name_en": "str",
            "doc_no": "str",
            "issued_on": "date",
            "start_period": "str",
            "end_period": "str",
            "base_period": "str",
            "source_id": "str",
        },
    ),
    "sources.csv": (
        "sources",
        {
            "source_id": "str",
            "file": "str",
            "title_zh": "str",
            "title_en": "str",
            "doc_no": "str",
            "issued_on": "date",
        },
    ),
    "indicators.csv": (
        "indicators",
        {
            "indicator_code": "str",
            "category_zh": "str",
            "category_en": "str",
            "name_zh": "str",
            "name_en": "str",
            "unit": "str",
            "unit_en": "str",
            "display_unit": "str",
            "display_unit_en": "str",
            "display_factor": "float",
            "semantics": "str",
            "breakdowns": "str",
            "sort_order": "int",
            "note": "str",
        },
    ),
    "targets.csv": (
        "targets",
        {
            "indicator_code": "str",
            "sector_code": "str",
            "year": "int",
            "period": "str",
            "value": "float",
            "value_as_written": "str",
            "unit_as_written": "str",
            "comparator": "str",
            "source_id": "str",
            "source_ref": "str",
            "is_default": "bool",
            "note": "str",
        },
    ),
    "milestones.csv": (
        "milestones",
        {
            "indicator_code": "str",
            "sector_code": "str",
            "period": "str",
            "value": "float",
            "source_id": "str",
            "source_ref": "str",
            "note": "str",
        },
    ),
    "sectors.csv": (
        "sectors",
        {
            "sector_code": "str",
            "name_zh": "str",
            "name_en": "str",
            "aliases": "str",
            "task_group_no": "int",
            "sort_order": "int",
        },
    ),
    "districts.csv": (
        "districts",
        {
            "district_code": "str",
            "name_zh": "str",
            "name_en": "str",
            "aliases": "str",
            "sort_order": "int",
        },
    ),
    "task_groups.csv": (
        "task_groups",
        {
            "group_no": "int",
            "name_zh": "str",
            "name_en": "str",
            "sector_code": "str",
            "units_as_written": "str",
            "source_ref": "str",
        },
    ),
    "subtasks.csv": (
        "subtasks",
        {"group_no": "int", "subtask_no": "int", "text_zh": "str", "text_en": "str"},
    ),
    "responsible_units.csv": (
        "responsible_units",
        {"unit_zh": "str", "unit_en": "str", "kind": "str"},
    ),
    "indicator_tasks.csv": (
        "indicator_tasks",
        {"indicator_code": "str", "group_no": "int", "subtask_no": "int", "note": "str"},
    ),
}


def split_units(units_as_written: str) -> list[str]:
    """Split a 责任单位 cell on 、 outside parentheses; drop the trailing 等 (etc.)."""
    text = normalise_unit_name(units_as_written)
    if text.endswith("等"):
        text = text[:-1]
    units, depth, current = [], 0, ""
    for char in text:
        depth += char == "（"
        depth -= char == "）"
        if char == "、" and depth == 0:
            units.append(current.strip())
            current = ""
        else:
            current += char
    units.append(current.strip())
    return [unit for unit in units if unit]


def normalise_unit_name(name: str) -> str:
    """Full-width parentheses and no spaces, so one unit has one spelling."""
    return "".join(name.replace("(", "（").replace(")", "）").split())


def _typed_frame(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = set(columns) - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    frame = pd.DataFrame(index=raw.index)
    for column, kind in columns.items():
        text = raw[column].str.strip()
        blank = text == ""
        if kind == "int":
            frame[column] = pd.to_numeric(text.mask(blank), errors="raise").astype("Int64")
        elif kind == "float":
            frame[column] = pd.to_numeric(text.mask(blank), errors="raise").astype("Float64")
        elif kind == "bool":
            frame[column] = text.str.lower().isin(["true", "1", "yes", "是"])
        elif kind == "date":
            frame[column] = pd.to_datetime(text.mask(blank)).dt.date
        else:
            frame[column] = text.mask(blank, None).astype(object)
    return frame


def read_plan_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Read one plan's reference CSVs into typed frames, keyed by table name."""
    frames = {}
    for file_name, (table, columns) in REFERENCE_FILES.items():
        path = folder / file_name
        if not path.exists():
            if file_name in ("plan.csv", "indicators.csv", "targets.csv"):
                raise FileNotFoundError(path)
            frames[table] = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
            continue
        frames[table] = _typed_frame(path, columns)
    plan_id = frames["plans"]["plan_id"].iloc[0]
    for table, frame in frames.items():
        if table != "plans":
            frame.insert(0, "plan_id", plan_id)
    units = frames["task_groups"][["group_no", "units_as_written"]]
    frames["task_group_units"] = pd.DataFrame(
        [
            {"plan_id": plan_id, "group_no": row.group_no, "position": position, "unit_zh": unit}
            for row in units.itertuples()
            for position, unit in enumerate(split_units(row.units_as_written), start=1)
        ],
        columns=["plan_id", "group_no", "position", "unit_zh"],
    )
    frames["responsible_units"]["unit_zh"] = frames["responsible_units"]["unit_zh"].map(
        normalise_unit_name
    )
    return frames


def plan_folders() -> list[Path]:
    """Every plan folder under data/plans/, in name order."""
    return sorted(p for p in config.PLANS_DIR.iterdir() if (p / "plan.csv").exists())


# Rows are compared by these columns (the natural key; the reference tables have no ids) when a
# refresh is audited. Targets and milestones use the key target edits name them by.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "plans": ("plan_id",),
    "sources": ("source_id",),
    "indicators": ("indicator_code",),
    "targets": ("indicator_code", "sector_code", "period", "source_id", "source_ref"),
    "milestones": ("indicator_code", "sector_code", "period", "source_id", "source_ref"),
    "sectors": ("sector_code",),
    "districts": ("district_code",),
    "task_groups": ("group_no",),
    "subtasks": ("group_no", "subtask_no"),
    "responsible_units": ("unit_zh",),
    "task_group_units": ("group_no", "unit_zh"),
    "indicator_tasks": ("indicator_code", "group_no", "subtask_no"),
    "unit_conversions": ("from_unit", "to_unit"),
}
REFRESH_ACTION = "reference_refresh"


def load_all_plans(
    con: duckdb.DuckDBPyConnection, *, user_name: str = "cli", role: str = "cli"
) -> list[str]:
    """Replace the reference tables with data/ in one transaction; progress is untouched.

    Every plan whose rows changed gets one audit entry (REFRESH_ACTION) in the same transaction,
    listing the rows removed, added and changed with their old and new values; a first build
    (no plan in the store yet) writes none: there is nothing to compare with.
    """
    plans = [read_plan_folder(folder) for folder in plan_folders()]
    conversions = pd.read_csv(config.UNIT_CONVERSIONS_CSV, encoding="utf-8-sig")
    with transaction(con):
        first_build = not _rows(con, "plans", None)
        before = _rows(con, "unit_conversions", None)
        con.execute("delete from unit_conversions").fetchall()
        con.register("conversions_frame", conversions)
        con.execute(
            "insert into unit_conversions select distinct from_unit, to_unit, factor "
            "from conversions_frame"
        ).fetchall()
        con.unregister("conversions_frame")
        changes = {None: {"unit_conversions": (before, _rows(con, "unit_conversions", None))}}
        for frames in plans:
            plan_id = frames["plans"]["plan_id"].iloc[0]
            changes[plan_id] = {}
            for table, frame in frames.items():
                before = _rows(con, table, plan_id)
                con.execute(f"delete from {table} where plan_id = ?", [plan_id]).fetchall()
                con.register("reference_frame", frame)
                column_list = ", ".join(frame.columns)
                con.execute(
                    f"insert into {table} ({column_list}) select {column_list} from reference_frame"
                ).fetchall()
                con.unregister("reference_frame")
                changes[plan_id][table] = (before, _rows(con, table, plan_id))
        if not first_build:
            for plan_id, tables in changes.items():
                _audit_refresh(con, plan_id, tables, user_name=user_name, role=role)
    return [frames["plans"]["plan_id"].iloc[0] for frames in plans]


def _rows(con: duckdb.DuckDBPyConnection, table: str, plan_id: str | None) -> list[dict]:
    """A reference table's rows (of one plan, without plan_id) as dicts of plain values."""
    if plan_id is None:
        result = con.execute(f"select * from {table}")
    else:
        result = con.execute(
            f"select * exclude (plan_id) from {table} where plan_id = ?", [plan_id]
        )
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def table_changes(table: str, before: list[dict], after: list[dict]) -> dict[str, list[dict]]:
    """Rows removed, added and changed between two versions of a table, by natural key.

    A changed row lists only the columns that differ, with the old (`before`) and new (`after`)
    values. Where a key names several rows (no unique key in the data), those rows are compared
    as a whole: any difference lists the old ones as removed and the new ones as added.
    """
    key_columns = NATURAL_KEYS[table]

    def by_key(rows: list[dict]) -> dict[tuple, list[dict]]:
        grouped: dict[tuple, list[dict]] = {}
        for row in rows:
            grouped.setdefault(tuple(row.get(c) for c in key_columns), []).append(row)
        return grouped

    old, new = by_key(before), by_key(after)
    changes: dict[str, list[dict]] = {"removed": [], "added": [], "changed": []}
    for key in sorted(old.keys() | new.keys(), key=repr):
        old_rows, new_rows = old.get(key, []), new.get(key, [])
        named = dict(zip(key_columns, key, strict=True))
        if len(old_rows) == len(new_rows) == 1:
            differ = [c for c in new_rows[0] if old_rows[0].get(c) != new_rows[0][c]]
            if differ:
                changes["changed"].append(
                    {
                        "table": table,
                        "change": "changed",
                        "key": named,
                        "before": {c: old_rows[0].get(c) for c in differ},
                        "after": {c: new_rows[0][c] for c in differ},
                    }
                )
            continue
        if sorted(map(repr, old_rows)) == sorted(map(repr, new_rows)):
            continue
        for kind, rows in (("removed", old_rows), ("added", new_rows)):
            changes[kind] += [
                {"table": table, "change": kind, "key": named, "values": r} for r in rows
            ]
    return changes


def _audit_refresh(
    con: duckdb.DuckDBPyConnection,
    plan_id: str | None,
    tables: dict[str, tuple[list[dict], list[dict]]],
    *,
    user_name: str,
    role: str,
) -> None:
    """One audit entry for a plan's changed reference rows (nothing when none changed).

    Like a load's entry: before lists what was removed or replaced, after what was added or put
    in its place, each at most ingest.AUDIT_FIGURES_LIMIT rows with complete counts.
    """
    per_table = {table: table_changes(table, *versions) for table, versions in tables.items()}
    counts = {
        table: {kind: len(rows) for kind, rows in found.items()}
        for table, found in per_table.items()
        if any(found.values())
    }
    if not counts:
        return
    removed = [r for found in per_table.values() for r in found["removed"]]
    added = [r for found in per_table.values() for r in found["added"]]
    changed = [r for found in per_table.values() for r in found["changed"]]
    # A changed row appears on both sides: its old values before, its new values after.
    old_side = removed + [_side(c, "before") for c in changed]
    new_side = added + [_side(c, "after") for c in changed]
    queries.write_audit(
        con,
        user_name=user_name,
        role=role,
        action=REFRESH_ACTION,
        plan_id=plan_id,
        object_id=", ".join(counts),
        before=_capped(old_side),
        after={"tables": counts, **_capped(new_side)},
    )


def _side(change: dict, side: str) -> dict:
    return {
        "table": change["table"],
        "change": "changed",
        "key": change["key"],
        "values": change[side],
    }


def _capped(rows: list[dict]) -> dict:
    """Rows as listed in an audit entry: count, the first AUDIT_FIGURES_LIMIT, cut?"""
    limit = ingest.AUDIT_FIGURES_LIMIT
    return {"count": len(rows), "rows": rows[:limit], "rows_truncated": len(rows) > limit}

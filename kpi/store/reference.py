"""Load the reference CSVs of every plan in data/plans/ into the reference tables, or import
one plan from a workbook or folder (kpi.store.plan_import reads and checks both the same way)."""

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import config
from kpi.store import ingest, plan_import, queries
from kpi.store.connection import SCHEMA_SQL, transaction
from kpi.store.plan_import import PlanProblem, PlanRejected, RawPlan, normalise_unit_name

# file -> (table, columns as typed in the table); plan_id is added from the plan sheet. The
# sheets, and which cells must be filled, are kpi.store.plan_import.SHEETS.
REFERENCE_FILES: dict[str, tuple[str, dict[str, str]]] = {
    sheet.file: (sheet.table, sheet.columns) for sheet in plan_import.SHEETS.values()
}


def split_units(units_as_written: str) -> list[str]:
    """Split a 责任单位 cell on 、 outside parentheses; drop the trailing 等 (etc.) and repeats."""
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
    return list(dict.fromkeys(unit for unit in units if unit))  # a unit named twice: once


def _typed_frame(raw: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A checked sheet (text, see plan_import.check) typed as its table's columns."""
    frame = pd.DataFrame(index=raw.index)
    for column, kind in columns.items():
        text = raw[column].astype(str).str.strip()
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
    return frame.reset_index(drop=True)


def check_plan(raw: RawPlan, conversions: pd.DataFrame) -> list[PlanProblem]:
    """Every problem of a plan (plan_import.check), and task-group units that are not listed
    among the responsible units (the split of 责任单位 cells is this module's)."""
    problems = plan_import.check(raw, conversions)
    if any(p.sheet is None and p.severity == "error" for p in problems):
        return problems  # the file could not be read: no sheets to check
    known = set(raw.sheets["responsible_units"]["unit_zh"].map(normalise_unit_name))
    for row in raw.sheets["task_groups"].to_dict("records"):
        for unit in split_units(row["units_as_written"]):
            if unit not in known:
                problems.append(
                    PlanProblem(
                        row["_row"],
                        "units_as_written",
                        unit,
                        "unknown_responsible_unit",
                        {"unit": unit},
                        sheet="task_groups",
                    )
                )
    return problems


def typed_frames(raw: RawPlan) -> dict[str, pd.DataFrame]:
    """A checked plan's tables typed, keyed by table name, plan_id added, group units split."""
    frames = {
        sheet.table: _typed_frame(raw.sheets[stem], sheet.columns)
        for stem, sheet in plan_import.SHEETS.items()
    }
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


def _conversions_file() -> pd.DataFrame:
    return pd.read_csv(config.UNIT_CONVERSIONS_CSV, encoding="utf-8-sig", dtype={"factor": float})


def read_plan_folder(
    folder: Path, conversions: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Read and check one plan folder; its typed frames, keyed by table name.

    Raises PlanRejected (every problem, row by row) when the folder has an error: `etl init`
    then writes nothing.
    """
    raw = plan_import.read_folder(folder)
    problems = check_plan(raw, _conversions_file() if conversions is None else conversions)
    if any(p.severity == "error" for p in problems):
        raise PlanRejected(problems, str(folder))
    return typed_frames(raw)


def plan_folders() -> list[Path]:
    """Every plan folder under data/plans/, in name order."""
    return sorted(p for p in config.PLANS_DIR.iterdir() if (p / "plan.csv").exists())


# Rows are compared by these columns (the natural key; the reference tables have no ids) when a
# refresh is audited. Targets and milestones use the key target edits name them by.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    **plan_import.UNIQUE_KEYS,
    "plans": ("plan_id",),
    "task_group_units": ("group_no", "unit_zh"),
    "peer_figures": ("indicator_code", "city_zh", "as_of", "source_id", "source_ref"),
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
    conversions = _conversions_file()
    # Every folder is read and checked before anything is written: one bad folder, no refresh.
    plans = [read_plan_folder(folder, conversions) for folder in plan_folders()]
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
        after = _rows(con, "unit_conversions", None)
        changes = {None: {"unit_conversions": table_changes("unit_conversions", before, after)}}
        for frames in plans:
            changes[frames["plans"]["plan_id"].iloc[0]] = replace_plan(con, frames)
        if not first_build:
            for plan_id, tables in changes.items():
                _audit_refresh(con, plan_id, tables, user_name=user_name, role=role)
    return [frames["plans"]["plan_id"].iloc[0] for frames in plans]


def replace_plan(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> dict[str, dict[str, list[dict]]]:
    """Replace one plan's reference rows with `frames` (in the caller's transaction); figures,
    task updates and target edits are untouched. Returns each table's changes (table_changes)."""
    plan_id = frames["plans"]["plan_id"].iloc[0]
    changes = {}
    for table, frame in frames.items():
        before = _rows(con, table, plan_id)
        con.execute(f"delete from {table} where plan_id = ?", [plan_id]).fetchall()
        con.register("reference_frame", frame)
        column_list = ", ".join(frame.columns)
        con.execute(
            f"insert into {table} ({column_list}) select {column_list} from reference_frame"
        ).fetchall()
        con.unregister("reference_frame")
        changes[table] = table_changes(table, before, _rows(con, table, plan_id))
    return changes


@dataclass
class PlanImport:
    """What `etl plan import` and the 规划管理 page found: problems, or the rows it changes."""

    source: str
    plan_id: str | None
    problems: list[PlanProblem] = field(default_factory=list)
    changes: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # table_changes
    written: bool = False

    @property
    def errors(self) -> list[PlanProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows removed, added and changed per table (tables with any)."""
        return change_counts(self.changes)


def change_counts(changes: dict[str, dict[str, list[dict]]]) -> dict[str, dict[str, int]]:
    """Rows removed, added and changed per table (tables with any), from table_changes."""
    return {
        table: {kind: len(rows) for kind, rows in found.items()}
        for table, found in changes.items()
        if any(found.values())
    }


def import_plan(
    con: duckdb.DuckDBPyConnection,
    raw: RawPlan,
    *,
    dry_run: bool = False,
    by: User | None = None,
    user_name: str = "cli",
    role: str = "cli",
) -> PlanImport:
    """Check a plan read by plan_import and, unless `dry_run` or it has an error, replace that
    plan's reference rows in one transaction with its audit entry (REFRESH_ACTION, naming the
    file in `imported_from`). `by` is the signed-in admin (a page); the CLI passes names.

    A dry run only reads `con` (a read snapshot will do): the changes are worked out against a
    copy of the plan written to an in-memory store of the same schema.
    """
    if by is not None:
        permissions.require(by, "manage_plans")
        user_name, role = by.username, by.role
    result = PlanImport(raw.source, raw.plan_id)
    result.problems = check_plan(raw, queries.unit_conversions(con))
    if not result.ok:
        return result
    frames = typed_frames(raw)
    if dry_run:
        result.changes = _preview(con, frames)
        return result
    with transaction(con):
        result.changes = replace_plan(con, frames)
        _audit_refresh(
            con,
            result.plan_id,
            result.changes,
            user_name=user_name,
            role=role,
            imported_from=raw.source,
        )
    result.written = True
    return result


def _preview(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> dict[str, dict[str, list[dict]]]:
    """The rows an import would change, compared as the store types them."""
    plan_id = frames["plans"]["plan_id"].iloc[0]
    memory = duckdb.connect()
    try:
        memory.execute(SCHEMA_SQL)
        replace_plan(memory, frames)
        return {
            table: table_changes(table, _rows(con, table, plan_id), _rows(memory, table, plan_id))
            for table in frames
        }
    finally:
        memory.close()


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
    per_table: dict[str, dict[str, list[dict]]],
    *,
    user_name: str,
    role: str,
    imported_from: str | None = None,
) -> None:
    """One audit entry for a plan's changed reference rows (nothing when none changed).

    Like a load's entry: before lists what was removed or replaced, after what was added or put
    in its place, each at most ingest.AUDIT_FIGURES_LIMIT rows with complete counts.
    """
    counts = change_counts(per_table)
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
        after={
            "tables": counts,
            **_capped(new_side),
            **({"imported_from": imported_from} if imported_from else {}),
        },
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

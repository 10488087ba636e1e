"""Load the reference CSVs of every plan in data/plans/ into the reference tables."""

from pathlib import Path

import duckdb
import pandas as pd

from kpi.base import config
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


def load_all_plans(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Replace the reference tables with data/ in one transaction; progress is untouched."""
    plans = [read_plan_folder(folder) for folder in plan_folders()]
    conversions = pd.read_csv(config.UNIT_CONVERSIONS_CSV, encoding="utf-8-sig")
    with transaction(con):
        con.execute("delete from unit_conversions").fetchall()
        con.register("conversions_frame", conversions)
        con.execute(
            "insert into unit_conversions select distinct from_unit, to_unit, factor "
            "from conversions_frame"
        ).fetchall()
        con.unregister("conversions_frame")
        for frames in plans:
            plan_id = frames["plans"]["plan_id"].iloc[0]
            for table, frame in frames.items():
                con.execute(f"delete from {table} where plan_id = ?", [plan_id]).fetchall()
                con.register("reference_frame", frame)
                column_list = ", ".join(frame.columns)
                con.execute(
                    f"insert into {table} ({column_list}) select {column_list} from reference_frame"
                ).fetchall()
                con.unregister("reference_frame")
    return [frames["plans"]["plan_id"].iloc[0] for frames in plans]

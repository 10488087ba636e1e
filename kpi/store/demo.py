"""Deterministic demo figures and task statuses (演示数据), so a fresh checkout has a story to show.

None of these numbers come from the sources: every row is flagged is_demo and every page that
shows one says so. `python -m kpi.store.demo` rewrites data/plans/*/demo_*.csv; the same inputs
always give the same files (tests check that).
"""

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.base import config, periods
from kpi.store import ingest, queries, reference
from kpi.store.connection import transaction

DEMO_USER = "演示数据 demo"
# The window a plan's demo covers when no plan row is given: first quarter, last, baseline.
DEFAULT_WINDOW = {"start_period": "2023Q1", "end_period": "2025Q4", "base_period": "2022Q4"}
ANY_QUARTER = "9999Q4"  # an as-of quarter after every figure

# Share of the way from baseline to the 2025 target reached by 2025Q4, chosen so the demo shows
# every light: achieved (>= 1), green, yellow, red, and one indicator that regresses.
FINAL_SHARE = {
    "public_platform": 1.0,
    "industry_platforms": 0.75,
    "cloud_firms": 1.08,
    "smart_scenarios": 1.06,
    "smart_factories": 0.85,
    "smart_parks": 0.6,
    "dcmm_firms": 1.1,
    "dcmm_trainees": 1.2,
    "service_revenue": 0.8,
    "hardware_firms": 0.65,
    "software_firms": 0.92,
    "digital_talent": 0.6,
    "dt_investment": 1.05,
    "base_stations_5g": 0.93,
    "idc_racks": 0.58,
    "cluster_network": 1.0,
    "smart_equipment": 0.91,
    "private_networks_5g": 1.0,
    "bigdata_centres": 0.6,
    "smart_park_pilots": 0.8,
    "iiot_operators": 1.2,
    "national_provincial_demos": 0.8,
}
REGRESSING = {"digital_talent": 0.12}  # falls by this share of its peak over the last 3 quarters
# Level indicators with a stored 2022Q4 baseline, as a share of the 2025 target.
BASELINE_SHARE = {"base_stations_5g": 0.507, "idc_racks": 0.42, "gz_id_nodes": 0.45}
# Level indicators without one start from this share (the dashboard flags an assumed baseline).
FIRST_SHARE = {"digital_talent": 0.42}
SECTOR_INDICATORS = ("smart_scenarios", "smart_factories", "smart_equipment")
DISTRICT_INDICATORS = ("cloud_firms",)


def _rng(*keys: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("|".join(keys).encode()))


def _cumulative_shares(code: str, n: int) -> np.ndarray:
    """A rising S-shaped path of n quarterly shares ending at 1, jittered per indicator."""
    weights = np.linspace(0.6, 1.4, n) * _rng(code, "w").uniform(0.6, 1.4, n)
    return np.cumsum(weights) / weights.sum()


def _round(values: np.ndarray, unit: str) -> np.ndarray:
    return np.round(values, 1) if unit in ("亿元",) else np.round(values)


def demo_figures(
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    sectors: pd.DataFrame,
    districts: pd.DataFrame,
    plan: dict | None = None,
) -> pd.DataFrame:
    """Quarterly demo figures over the plan's window for every indicator, with some breakdowns.

    An indicator whose default target falls due before the plan's end (a 2023 target in a plan
    running to 2025) moves until that quarter and holds still after it.
    """
    window = plan or DEFAULT_WINDOW
    quarters = periods.period_range(window["start_period"], window["end_period"])
    city_targets = targets[targets["sector_code"].isna() & targets["is_default"]]
    target_of = dict(zip(city_targets["indicator_code"], city_targets["value"], strict=True))
    due_of = dict(zip(city_targets["indicator_code"], city_targets["period"], strict=True))
    rows = []
    for ind in indicators.to_dict("records"):
        code, unit, target = (
            ind["indicator_code"],
            ind["unit"],
            float(target_of[ind["indicator_code"]]),
        )
        share = FINAL_SHARE.get(code, _rng(code, "share").uniform(0.55, 1.1))
        moving = [q for q in quarters if q <= due_of[code]] or quarters
        if code in SECTOR_INDICATORS:
            rows += _sector_rows(ind, targets, sectors, quarters, share)
            continue
        if ind["semantics"] == "level":
            rows += _level_rows(code, unit, target, share, moving, window["base_period"])
            held = rows[-1][4]  # the level reached when the target fell due
            rows += [(code, q, None, None, held, unit) for q in quarters[len(moving) :]]
        elif ind["semantics"] == "new_since_base":
            rows += _new_item_rows(code, unit, target * share, moving, None, None)
            rows += [(code, q, None, None, 0.0, unit) for q in quarters[len(moving) :]]
            if code in DISTRICT_INDICATORS:
                rows += _district_rows(code, unit, target * share, districts, quarters)
        else:
            rows += _flow_rows(code, unit, target, share, quarters)
    return pd.DataFrame(
        rows, columns=["indicator_code", "period", "sector", "district", "value", "unit"]
    )


def _level_rows(
    code: str, unit: str, target: float, share: float, quarters: list[str], base_period: str
) -> list:
    has_base = code in BASELINE_SHARE
    start = target * BASELINE_SHARE.get(code, FIRST_SHARE.get(code, 0.0))
    end = start + (target - start) * share
    path = start + (end - start) * _cumulative_shares(code, len(quarters))
    if code in REGRESSING:
        peak = path[-4]
        path[-3:] = peak * (1 - REGRESSING[code] * np.array([1, 2, 3]) / 3)
    if target <= 5:  # platforms, networks: whole numbers that appear one by one
        path = np.floor(path + 1e-9)
    values = _round(path, unit)
    rows = [(code, q, None, None, v, unit) for q, v in zip(quarters, values, strict=True)]
    if has_base:
        rows.insert(
            0, (code, base_period, None, None, float(_round(np.array([start]), unit)[0]), unit)
        )
    return rows


def _new_item_rows(
    code: str, unit: str, total: float, quarters: list[str], sector, district, seed: str = ""
) -> list:
    cumulative = _round(total * _cumulative_shares(code + seed, len(quarters)), unit)
    increments = np.diff(np.concatenate([[0.0], cumulative]))
    return [
        (code, q, sector, district, float(v), unit)
        for q, v in zip(quarters, increments, strict=True)
    ]


def _flow_rows(code: str, unit: str, target: float, share: float, quarters: list[str]) -> list:
    # Annual flow grows from about 55 % of the target in the first year to `share` of it in the
    # last; the years between move 55 % of the way by the last but one.
    years = sorted({periods.year_of(q) for q in quarters})
    last = len(years) - 1
    annual = {
        year: 0.55 + (share - 0.55) * (1.0 if i == last else 0.55 * i / max(1, last - 1))
        for i, year in enumerate(years)
    }
    seasonal = np.array([0.21, 0.24, 0.25, 0.30])
    rows = []
    for q in quarters:
        year, quarter = periods.year_of(q), int(q[-1])
        rows.append(
            (
                code,
                q,
                None,
                None,
                round(float(target * annual[year] * seasonal[quarter - 1]), 1),
                unit,
            )
        )
    return rows


def _sector_rows(
    ind: dict, targets: pd.DataFrame, sectors: pd.DataFrame, quarters: list[str], share: float
) -> list:
    code, unit = ind["indicator_code"], ind["unit"]
    rows, city = [], np.zeros(len(quarters))
    for sector in sectors.to_dict("records"):
        match = targets[
            (targets["indicator_code"] == code) & (targets["sector_code"] == sector["sector_code"])
        ]
        if match.empty:
            continue
        sector_share = share * _rng(code, sector["sector_code"]).uniform(0.55, 1.35)
        sector_rows = _new_item_rows(
            code,
            unit,
            float(match["value"].iloc[0]) * sector_share,
            quarters,
            sector["sector_code"],
            None,
            sector["sector_code"],
        )
        city += np.array([r[4] for r in sector_rows])
        rows += sector_rows
    rows += [(code, q, None, None, float(v), unit) for q, v in zip(quarters, city, strict=True)]
    return rows


def _district_rows(
    code: str, unit: str, total: float, districts: pd.DataFrame, quarters: list[str]
) -> list:
    weights = _rng(code, "districts").uniform(0.5, 2.0, len(districts))
    rows = []
    for weight, district in zip(weights / weights.sum(), districts["district_code"], strict=True):
        rows += _new_item_rows(
            code, unit, round(total * weight), quarters, None, district, district
        )
    return rows


def demo_task_updates(tasks: pd.DataFrame, plan: dict | None = None) -> pd.DataFrame:
    """Quarterly status updates per sub-task: most progress, some finish, a few fall behind."""
    window = plan or DEFAULT_WINDOW
    first = periods.add_quarters(window["start_period"], 1)  # a quarter's work before the first
    quarters = periods.period_range(first, window["end_period"])
    rows = []
    for task in tasks.to_dict("records"):
        key = f"{task['group_no']}.{task['subtask_no']}"
        rng = _rng("task", key)
        start = int(rng.integers(0, 3))
        finish = int(rng.integers(5, len(quarters) + 4))
        delayed_from = int(rng.integers(4, len(quarters))) if rng.random() < 0.15 else None
        silent_from = len(quarters) - 1 if rng.random() < 0.1 else None
        for index, quarter in enumerate(quarters):
            if silent_from is not None and index >= silent_from:
                break  # no update in the last quarter: the dashboard flags it as overdue
            if delayed_from is not None and index >= delayed_from:
                status = "delayed"
            elif index < start:
                status = "not_started"
            elif index < finish:
                status = "in_progress"
            else:
                status = "done"
            rows.append(
                {
                    "group_no": task["group_no"],
                    "subtask_no": task["subtask_no"],
                    "period": quarter,
                    "status": status,
                    "note": f"演示数据：{quarter} 进展（{status}）",
                    "evidence": f"演示材料-{key}-{quarter}.pdf" if status == "done" else "",
                    "unit_zh": task["units"][0] if len(task["units"]) else "",
                }
            )
    return pd.DataFrame(rows)


def write_demo_files(folder: Path) -> tuple[Path, Path]:
    """Regenerate one plan's demo CSVs from its reference CSVs."""
    frames = reference.read_plan_folder(folder)
    plan = frames["plans"].iloc[0].to_dict()
    figures = demo_figures(
        frames["indicators"], frames["targets"], frames["sectors"], frames["districts"], plan
    )
    figures_path = folder / "demo_figures.csv"
    figures.to_csv(figures_path, index=False, float_format="%g")
    units = frames["task_group_units"].groupby("group_no")["unit_zh"].agg(list)
    tasks = frames["subtasks"][["group_no", "subtask_no"]].copy()
    tasks["units"] = tasks["group_no"].map(units)
    updates_path = folder / "demo_task_updates.csv"
    demo_task_updates(tasks, plan).to_csv(updates_path, index=False)
    return figures_path, updates_path


def load_demo(con, *, today=None) -> list[int]:
    """Load every plan's demo files through the normal load path, flagged as demo."""
    batch_ids = []
    for folder in reference.plan_folders():
        figures_path = folder / "demo_figures.csv"
        if not figures_path.exists():
            continue
        plan_id = reference.read_plan_folder(folder)["plans"]["plan_id"].iloc[0]
        # Generated quarter by quarter: their basis is known, no clerk to ask about it.
        check = ingest.check_upload(
            con,
            figures_path.read_bytes(),
            figures_path.name,
            plan_id,
            today=today,
            suspect_check=False,
        )
        if check.checked.errors:
            raise ValueError(f"demo file has errors: {check.checked.errors[:3]}")
        updates = pd.read_csv(folder / "demo_task_updates.csv", keep_default_na=False)
        with transaction(con):
            batch_ids.append(
                ingest.write_batch(con, check, user_name=DEMO_USER, role="system", is_demo=True)
            )
            queries.insert_task_updates(con, plan_id, updates, user_name=DEMO_USER, is_demo=True)
    return batch_ids


def remove_demo(con) -> dict:
    """Delete every demo figure, demo batch and demo task update (one transaction).

    The demo accounts sign in only while demo figures are in the store (intake.demo_mode), so
    the same transaction records that they stop signing in."""
    with transaction(con):
        counts = queries.delete_demo(con)
        queries.write_audit(
            con,
            user_name="etl",
            role="admin",
            action="end_demo_accounts",
            plan_id=None,
            object_id=config.DEMO_USERS_FILE.name,
            before={"demo_accounts_sign_in": True},
            after={"demo_accounts_sign_in": False},
        )
    return counts


def has_demo_figures(con) -> bool:
    """True while any plan has demo figures in force."""
    return any(
        queries.demo_figures_in_force(con, plan_id, ANY_QUARTER)
        for plan_id in queries.plans(con)["plan_id"]
    )


if __name__ == "__main__":
    for plan_folder in reference.plan_folders():
        for written in write_demo_files(plan_folder):
            print(written.relative_to(config.REPO_DIR))

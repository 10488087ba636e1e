"""Reporting basis (口径): 本期数 and 累计数, and the figure the store keeps.

A figure is stored in its indicator's own terms (docs/ARCHITECTURE.md, "Indicator semantics"):
a `level` as the level at quarter end, a `new_since_base` or `yearly_flow` as the quarter's
amount. That is the indicator's declared basis, and what the single value column (数值) of a file
means. Clerks keep statistics tables with two columns, 本期数 (this quarter) and 累计数
(cumulative: the level itself; new items since the plan's baseline; or, for a yearly flow, the
year to date). `resolve` turns whichever a row gives into the stored figure, checks the two
against the history when both are given, and flags a quarter amount that looks like a running
total. `with_cumulative` shows stored figures in both terms.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpi.base import i18n
from kpi.store.validation import Problem, Problems, encode_cells

QUARTER, CUMULATIVE = "quarter", "cumulative"
CHOICES = (QUARTER, CUMULATIVE)
KEY = ["indicator_code", "sector_code", "district_code"]
# Two entries agree when they differ by less than this share of the larger (rounding in a file).
TOLERANCE = 1e-6


def declared_basis(semantics: str) -> str:
    """What a bare value means for an indicator: a level is 期末累计, the others 本季度."""
    return CUMULATIVE if semantics == "level" else QUARTER


def basis_text(semantics: str, lang: str = "zh") -> str:
    """The declared basis as a clerk reads it: 期末累计, 本季度新增, 本季度发生额."""
    return i18n.t(f"basis.{semantics}", lang)


def cumulative_text(semantics: str, lang: str = "zh") -> str:
    """What 累计数 means for the indicator: the level, new since the baseline, the year to date."""
    return i18n.t(f"basis.cumulative.{semantics}", lang)


def _window(frame: pd.DataFrame, semantics: pd.Series, base_period: str) -> pd.Series:
    """The span a cumulative runs over: since the baseline, or the calendar year for a flow."""
    year = frame["period"].str[:4]
    since_base = np.where(frame["period"] > base_period, "plan", "base")
    return pd.Series(
        np.where(semantics == "yearly_flow", year, np.where(semantics == "level", "", since_base)),
        index=frame.index,
    )


def _running(frame: pd.DataFrame, base_period: str) -> pd.DataFrame:
    """Cumulative before and after each row of `frame`, per key and window, in period order.

    `frame` has KEY, period, semantics, `q` (the quarter amount, NaN when unknown) and `c` (the
    cumulative, NaN when unknown); a row knows at least one. A row with a cumulative anchors the
    running total; the rows after it add their quarter amounts. Returns the frame sorted, with
    `before` (NaN for a level without an earlier figure), `after` and `earlier` (rows before it in
    its window)."""
    frame = frame.astype({"q": "float64", "c": "float64"})
    frame["_window"] = _window(frame, frame["semantics"], base_period)
    frame["_group"] = frame.groupby([*KEY, "_window"], dropna=False, sort=False).ngroup()
    frame = frame.sort_values(["_group", "period"], kind="stable")
    group = frame["_group"]
    anchor = frame["c"].notna()
    segment = anchor.groupby(group, sort=False).cumsum()
    is_level = frame["semantics"] == "level"
    start = np.where(is_level, np.nan, 0.0)  # a flow starts its window at zero
    base = np.where(anchor, frame["c"], np.where(segment == 0, start, np.nan))
    segments = [group, segment]
    base = pd.Series(base, index=frame.index).groupby(segments, sort=False).transform("first")
    added = pd.Series(np.where(anchor, 0.0, frame["q"]), index=frame.index)
    frame["after"] = base + added.groupby(segments, sort=False).cumsum()
    previous = frame["after"].groupby(group, sort=False).shift(1)
    frame["before"] = previous.where(previous.notna() | is_level, 0.0)
    frame["earlier"] = group.groupby(group, sort=False).cumcount()
    return frame.drop(columns=["_window", "_group"])


def _stored_terms(figures: pd.DataFrame, semantics: pd.Series) -> pd.DataFrame:
    """Stored figures as `_running` reads them: a level's value is a cumulative (`c`), another
    indicator's a quarter amount (`q`)."""
    frame = figures[[*KEY, "period", "value"]].copy()
    frame["semantics"] = frame["indicator_code"].map(semantics)
    level = frame["semantics"] == "level"
    frame["q"] = frame["value"].where(~level)
    frame["c"] = frame["value"].where(level)
    return frame


def with_cumulative(
    figures: pd.DataFrame, indicators: pd.DataFrame, base_period: str
) -> pd.DataFrame:
    """Stored figures with `quarter_value` and `cumulative_value` (NaN when unknowable: the
    quarter amount of a level's first figure)."""
    semantics = indicators.set_index("indicator_code")["semantics"]
    frame = _stored_terms(figures.reset_index(drop=True), semantics)
    run = _running(frame, base_period).sort_index()
    out = figures.copy()
    out["quarter_value"] = (run["after"] - run["before"]).to_numpy()
    out["cumulative_value"] = run["after"].to_numpy()
    return out


def resolve(
    rows: pd.DataFrame,
    indicators: pd.DataFrame,
    stored: pd.DataFrame,
    *,
    base_period: str,
    targets: Mapping[tuple[str, str | None], float],
    choices: Mapping[int, tuple[str, str]] | None = None,
    suspect_check: bool = True,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The stored figure of each checked row, from its value, 本期数 and/or 累计数.

    `rows`: kpi.store.validation.check_table's rows (value, quarter_value, cumulative_value).
    `stored`: the figures in force for the file's keys (KEY, period, value) — the history a
    cumulative is counted from; a row of the file replaces the stored figure of its quarter.
    `targets`: the default target per (indicator, sector or None). `choices`: per source row, the
    clerk's explicit basis for a flagged number and the reason.

    Returns the rows with `value` (as stored), `entered_basis` ('declared', 'quarter',
    'cumulative', 'both'), `quarter_value`, `cumulative_value`, `cumulative_before`, and the
    problems (errors: the rows are not written).
    """
    problems = Problems()
    choices = dict(choices or {})
    info = indicators.set_index("indicator_code")
    out = rows.copy()
    semantics = out["indicator_code"].map(info["semantics"])
    declared_quarter = semantics != "level"
    q_in, c_in = out["quarter_value"].copy(), out["cumulative_value"].copy()
    value = out["value"]
    entered = np.select(
        [q_in.notna() & c_in.notna(), q_in.notna(), c_in.notna()],
        ["both", QUARTER, CUMULATIVE],
        "declared",
    )
    # The value column is the declared basis: it fills that column, and must agree with it.
    slot = pd.Series(np.where(declared_quarter, q_in, c_in), index=out.index)
    conflict = value.notna() & slot.notna() & ~_close(value, slot)
    for index in problems.first(np.flatnonzero(conflict.to_numpy())):
        row = out.iloc[index]
        params = {
            "value": float(row["value"]),
            "other": float(slot.iat[index]),
            "basis": _basis_names(semantics.iat[index]),
        }
        problems.append(
            Problem(int(row["source_row"]), "value", None, "value_basis_conflict", params)
        )
    q_in = q_in.where(~(declared_quarter & value.notna()), value)
    c_in = c_in.where(~(~declared_quarter & value.notna()), value)
    quarter_entered = q_in.notna() & c_in.isna()

    chosen = pd.Series(False, index=out.index)
    for index, source_row in enumerate(out["source_row"].tolist()):
        if int(source_row) not in choices:
            continue
        choice, reason = choices[int(source_row)]
        if choice not in CHOICES:
            problems.append(
                Problem(
                    int(source_row),
                    None,
                    str(choice),
                    "basis_choice_unknown",
                    {"choice": str(choice)},
                )
            )
            continue
        if not str(reason or "").strip():
            choice_name = {
                "name_zh": i18n.t(f"basis.choice.{choice}", "zh"),
                "name_en": i18n.t(f"basis.choice.{choice}", "en"),
            }
            problems.append(
                Problem(
                    int(source_row), None, None, "basis_reason_missing", {"choice": choice_name}
                )
            )
            continue
        chosen.iat[index] = True
        if choice == CUMULATIVE and quarter_entered.iat[index]:
            c_in.iat[index], q_in.iat[index] = q_in.iat[index], np.nan
            entered[index] = CUMULATIVE
    if any(p.severity == "error" for p in problems):
        return out, problems.finished()

    file_rows = pd.DataFrame(
        {
            **{c: out[c] for c in [*KEY, "period"]},
            "semantics": semantics,
            "q": q_in,
            "c": c_in,
            "_position": np.arange(len(out)),
        },
        index=out.index,
    )
    history = _stored_terms(stored, info["semantics"]).assign(_position=-1)
    combined = pd.concat([file_rows, history.drop(columns="value")], ignore_index=True)
    run = _running(combined, base_period)
    run = run[run["_position"] >= 0].set_index("_position").sort_index()

    is_level = (run["semantics"] == "level").to_numpy()
    q, c = run["q"].to_numpy(float), run["c"].to_numpy(float)
    before, after = run["before"].to_numpy(float), run["after"].to_numpy(float)
    derived_q = np.where(np.isnan(q), after - before, q)
    stored_value = np.where(is_level, after, derived_q)
    both = ~np.isnan(q) & ~np.isnan(c)
    expected = c - before
    mismatch = both & ~np.isnan(expected) & ~_close(q, expected)
    no_previous = is_level & np.isnan(after)
    negative = ~is_level & ~np.isnan(c) & np.isnan(q) & (derived_q < 0)
    units = info["unit"].to_dict()
    units_en = info["unit_en"].to_dict()

    def base_params(index: int) -> dict:
        code = out["indicator_code"].iat[index]
        return {
            "indicator": {"name_zh": info.at[code, "name_zh"], "name_en": info.at[code, "name_en"]},
            "unit": {"name_zh": units[code], "name_en": units_en[code]},
            "period": out["period"].iat[index],
        }

    for index in problems.first(np.flatnonzero(mismatch)):
        params = {
            **base_params(index),
            "quarter": q[index],
            "cumulative": c[index],
            "previous": before[index],
            "expected": expected[index],
        }
        problems.append(
            Problem(int(out["source_row"].iat[index]), "cumulative", None, "basis_mismatch", params)
        )
    for index in problems.first(np.flatnonzero(no_previous)):
        params = {**base_params(index), "value": q[index]}
        problems.append(
            Problem(
                int(out["source_row"].iat[index]),
                "this_quarter",
                None,
                "no_previous_cumulative",
                params,
            )
        )
    for index in problems.first(np.flatnonzero(negative)):
        params = {**base_params(index), "cumulative": c[index], "previous": before[index]}
        problems.append(
            Problem(
                int(out["source_row"].iat[index]), "cumulative", None, "negative_derived", params
            )
        )

    if suspect_check:
        _flag_running_totals(
            out,
            run,
            derived_q,
            quarter_entered & ~chosen,
            semantics,
            targets,
            base_params,
            problems,
        )
    out["value"] = stored_value
    out["entered_basis"] = entered
    out["quarter_value"] = derived_q
    out["cumulative_value"] = after
    out["cumulative_before"] = before
    return out, problems.finished()


def _flag_running_totals(
    out, run, q, candidates, semantics, targets, base_params, problems
) -> None:
    """A quarter amount `q` that looks like a running total: not below the cumulative before it
    (once the window has some history), or carrying the indicator past its target in one
    quarter."""
    before = run["before"].to_numpy(float)
    after = run["after"].to_numpy(float)
    earlier = run["earlier"].to_numpy()
    is_flow = (semantics != "level").to_numpy()
    candidate = candidates.to_numpy()
    # A flow's second quarter may well exceed its first: wait for two earlier quarters.
    enough = earlier >= np.where(is_flow, 2, 1)
    with np.errstate(invalid="ignore"):
        not_below = candidate & enough & (before > 0) & (q >= before)
    target = _targets_of(out, targets)
    yearly = (semantics == "yearly_flow").to_numpy()
    with np.errstate(invalid="ignore"):
        past_target = candidate & ~not_below & ~yearly & (before < target) & (after > target)
    for index in problems.first(np.flatnonzero(not_below | past_target)):
        params = {
            **base_params(index),
            "value": q[index],
            "previous": before[index],
            "after": after[index],
            "target": 0.0 if np.isnan(target[index]) else target[index],
            "basis": _basis_names(semantics.iat[index]),
        }
        key = (
            "problem.basis_suspect_previous" if not_below[index] else "problem.basis_suspect_target"
        )
        column = (
            "value"
            if pd.notna(out["value"].iat[index]) and pd.isna(out["quarter_value"].iat[index])
            else "this_quarter"
        )
        problems.append(
            Problem(
                int(out["source_row"].iat[index]), column, None, "basis_suspect", params, key=key
            )
        )


def _targets_of(rows: pd.DataFrame, targets: Mapping[tuple[str, str | None], float]) -> np.ndarray:
    """The default target of each row's indicator (and sector); NaN for district rows."""
    table = pd.DataFrame(
        [(code, sector, value) for (code, sector), value in targets.items()],
        columns=["indicator_code", "sector_code", "_target"],
    ).astype({"indicator_code": "string", "sector_code": "string", "_target": "float64"})
    keys = rows[["indicator_code", "sector_code"]].astype("string")
    found = keys.merge(table, how="left", on=["indicator_code", "sector_code"])["_target"]
    return np.where(rows["district_code"].isna().to_numpy(), found.to_numpy(float), np.nan)


def _basis_names(semantics: str) -> dict:
    return {"name_zh": basis_text(semantics, "zh"), "name_en": basis_text(semantics, "en")}


def _close(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    return np.abs(a - b) <= TOLERANCE * scale


def could_flag_running_totals(
    rows: pd.DataFrame,
    stored: pd.DataFrame,
    semantics: Mapping[str, str],
    *,
    base_period: str,
    targets: Mapping[tuple[str, str | None], float],
    margin: float,
    encoded: Mapping[str, tuple[np.ndarray, list]] | None = None,
) -> bool:
    """False when `resolve` surely flags no row of a file of plain values as a running total.

    `rows` (KEY, period, value) give each figure in its indicator's declared basis, no 本期数 or
    累计数; `stored` is the history `resolve` would get. For such a file `resolve` only sums
    quarter amounts; this sums them too, but in numpy, whose last bits may differ from pandas':
    a row within a share `margin` of a threshold counts as flagged, as does any negative,
    non-finite or repeated figure (then sums of one sign bound the difference no longer).
    `encoded` may give the rows' KEY and period columns as validation.encode_cells would.
    """

    def cells(column: str) -> tuple[np.ndarray, list]:
        """Each row's index into the distinct cells of `column`: the file's rows, then the
        stored ones."""
        indices, names = encoded[column] if encoded else encode_cells(rows[column])
        if not len(stored):
            return indices, names
        more, more_names = encode_cells(stored[column])
        position = {name: i for i, name in enumerate(names)}
        for name in more_names:
            position.setdefault(name, len(position))
        from_stored = np.array([position[name] for name in more_names], dtype=np.int64)
        return np.concatenate([indices, from_stored[more]]), list(position)

    codes, code_names = cells("indicator_code")
    # Only quarter amounts (indicators that are not levels) are summed; the rows are kept whole
    # until here, as filtering a million text cells costs more than encoding them.
    flow = np.array([semantics[code] != "level" for code in code_names])[codes]
    if not flow[: len(rows)].any():
        return False
    in_file = (np.arange(len(flow)) < len(rows))[flow]
    q = np.concatenate([rows["value"].to_numpy(float), stored["value"].to_numpy(float)])[flow]
    if not np.isfinite(q).all() or (q < 0).any():
        return True
    sectors, sector_names = cells("sector_code")
    districts, district_names = cells("district_code")
    quarters, quarter_names = cells("period")
    codes, sectors, districts, quarters = (a[flow] for a in (codes, sectors, districts, quarters))
    # A running total's span: the calendar year of a yearly flow, else before or after the base.
    yearly = np.array([semantics[code] == "yearly_flow" for code in code_names])[codes]
    year = np.array([int(p[:4]) for p in quarter_names])[quarters]
    after_base = np.array([p > base_period for p in quarter_names])[quarters]
    span = np.where(yearly, year, after_base.astype(np.int64) - 2)  # years are > 0
    key = (codes * len(sector_names) + sectors) * len(district_names) + districts
    group = key * 4096 + span % 4096  # spans: years and -1, -2
    rank = np.argsort(np.argsort(np.array(quarter_names)))[quarters]  # quarters sort as text
    order = np.argsort(group * len(quarter_names) + rank, kind="stable")
    group, rank, q, in_file = group[order], rank[order], q[order], in_file[order]
    new_group = np.r_[True, group[1:] != group[:-1]]
    if (~new_group & (np.r_[-1, rank[:-1]] == rank)).any():
        return True  # two figures of one quarter: the order of the sum is not known
    index = np.arange(len(q))
    earlier = index - np.maximum.accumulate(np.where(new_group, index, 0))
    before = np.zeros(len(q))
    for step in range(1, int(earlier.max(initial=0)) + 1):
        at = np.flatnonzero(earlier == step)
        before[at] = before[at - 1] + q[at - 1]
    not_below = (earlier >= 2) & (before > 0) & (q >= before * (1 - margin))
    # The target of a city-wide or sector row (resolve compares a district's row with none).
    target_of = np.array(
        [[targets.get((code, sector), np.nan) for sector in sector_names] for code in code_names],
        dtype=float,
    ).reshape(len(code_names), len(sector_names))
    city_or_sector = np.array([name is None for name in district_names])[districts]
    target = np.where(city_or_sector, target_of[codes, sectors], np.nan)[order]
    with np.errstate(invalid="ignore"):
        past_target = (
            ~yearly[order]
            & (before * (1 - margin) <= target)
            & ((before + q) * (1 + margin) >= target)
        )
    return bool((in_file & (not_below | past_target)).any())

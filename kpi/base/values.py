"""Cell values as pandas and DuckDB hand them over: missing values and list cells."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def is_missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT: a cell without a value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def as_list(value: object) -> list[str]:
    """A list cell (list, tuple or array) as a list of strings; anything else (missing) as []."""
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    return []

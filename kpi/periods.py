"""Quarter strings 'YYYYQn': strict parsing, quarter-index arithmetic and the current quarter."""

from __future__ import annotations

import re
from datetime import date

# Only the canonical form; the upload parser (kpi.validation) normalises messy input first.
_PERIOD = re.compile(r"([1-9][0-9]{3})Q([1-4])")
_MIN_INDEX = 1000 * 4
_MAX_INDEX = 9999 * 4 + 3
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def _match(s: str) -> re.Match[str]:
    """Return the regex match of a canonical period or raise ValueError."""
    match = _PERIOD.fullmatch(s) if isinstance(s, str) else None
    if match is None:
        raise ValueError(f"not a period in the form YYYYQn: {s!r}")
    return match


def parse_period(s: str) -> str:
    """Return `s` if it is a canonical 'YYYYQn' period (year 1000-9999), else raise ValueError."""
    _match(s)
    return s


def quarter_index(p: str) -> int:
    """Return year * 4 + (n - 1) for period 'YYYYQn'."""
    match = _match(p)
    return int(match[1]) * 4 + int(match[2]) - 1


def period_from_index(i: int) -> str:
    """Return the 'YYYYQn' period of quarter index `i` (inverse of quarter_index)."""
    if not _MIN_INDEX <= i <= _MAX_INDEX:
        raise ValueError(f"quarter index outside years 1000-9999: {i}")
    year, q = divmod(i, 4)
    return f"{year}Q{q + 1}"


def add_quarters(p: str, k: int) -> str:
    """Return the period `k` quarters after `p` (before it when `k` is negative)."""
    return period_from_index(quarter_index(p) + k)


def quarters_between(a: str, b: str) -> int:
    """Return the number of quarters from `a` to `b` (b - a; negative when b is earlier)."""
    return quarter_index(b) - quarter_index(a)


def period_range(a: str, b: str) -> list[str]:
    """Return every period from `a` to `b` inclusive; empty when `b` is before `a`."""
    return [period_from_index(i) for i in range(quarter_index(a), quarter_index(b) + 1)]


def quarter_end(p: str) -> date:
    """Return the last calendar day of period `p`."""
    i = quarter_index(p)
    month, day = _QUARTER_END[i % 4 + 1]
    return date(i // 4, month, day)


def current_period(today: date | None = None) -> str:
    """Return the quarter that contains `today` (default: the system date)."""
    day = today if today is not None else date.today()
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def year_of(p: str) -> int:
    """Return the calendar year of period `p`."""
    return quarter_index(p) // 4

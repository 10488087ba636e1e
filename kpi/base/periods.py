"""Quarter strings 'YYYYQn': parsing the ways people write them, quarter arithmetic, the current
quarter."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# The canonical form every period is stored and computed in.
_PERIOD = re.compile(r"([1-9][0-9]{3})Q([1-4])")
# How people write a quarter (after NFKC folding, lower case, no spaces).
_WRITTEN = (
    re.compile(r"^(\d{4})[-/]?q([1-4])$"),
    re.compile(r"^q([1-4])[-/]?(\d{4})$"),
    re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"),
)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_MIN_INDEX = 1000 * 4
_MAX_INDEX = 9999 * 4 + 3
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def _match(s: str) -> re.Match[str]:
    """Return the regex match of a canonical period or raise ValueError."""
    match = _PERIOD.fullmatch(s) if isinstance(s, str) else None
    if match is None:
        raise ValueError(f"not a period in the form YYYYQn: {s!r}")
    return match


def parse_period(text: str) -> str:
    """'2024Q3', '2024-Q3', 'Q3 2024', '2024年第三季度', '2024年3季度' -> '2024Q3'.

    Full-width digits and spaces are folded first. Raises ValueError when `text` is not a quarter
    of a year from 1000 to 9999.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a period: {text!r}")
    folded = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    for pattern in _WRITTEN:
        match = pattern.match(folded)
        if match:
            a, b = match.groups()
            year, quarter = (b, a) if pattern is _WRITTEN[1] else (a, b)
            period = f"{int(year)}Q{_CN_DIGITS.get(quarter) or int(quarter)}"
            _match(period)  # years before 1000 are typing errors
            return period
    raise ValueError(f"not a quarter (write 2024Q3): {text!r}")


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

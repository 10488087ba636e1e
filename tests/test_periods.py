"""Unit tests for kpi.base.periods."""

from datetime import date

import pytest

from kpi.base.periods import (
    add_quarters,
    current_period,
    parse_period,
    period_from_index,
    period_range,
    quarter_end,
    quarter_index,
    quarters_between,
    year_of,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023Q1", "2023Q1"),
        ("1999Q2", "1999Q2"),
        ("9999Q4", "9999Q4"),
        ("1000Q1", "1000Q1"),
        ("2024q3", "2024Q3"),
        ("2024-Q3", "2024Q3"),
        ("2024/Q3", "2024Q3"),
        ("2024 Q3", "2024Q3"),
        (" 2024Q3 ", "2024Q3"),
        ("Q3 2024", "2024Q3"),
        ("2024年第三季度", "2024Q3"),
        ("2024年3季度", "2024Q3"),
        ("2024年第3季度", "2024Q3"),
        ("２０２４年第四季度", "2024Q4"),
        ("２０２３Q1", "2023Q1"),
        ("2024年第一季度", "2024Q1"),
    ],
)
def test_parse_period_when_written_in_many_ways(text: str, expected: str) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023Q0",
        "2023Q5",
        "23Q1",
        "02023Q1",
        "0999Q1",  # a year before 1000 is a typing error
        "0001Q1",
        "2023Q12",
        "2024-09",
        "2024年",
        "三季度",
        "",
    ],
)
def test_parse_period_raises_when_not_a_quarter(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


@pytest.mark.parametrize("value", [None, 20231, b"2023Q1"])
def test_parse_period_raises_value_error_when_not_a_string(value: object) -> None:
    with pytest.raises(ValueError):
        parse_period(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "index"),
    [
        ("2023Q1", 8092),  # 2023 * 4 + 0
        ("2023Q4", 8095),  # 2023 * 4 + 3
        ("2022Q4", 8091),  # 2022 * 4 + 3
        ("2025Q2", 8101),  # 2025 * 4 + 1
    ],
)
def test_quarter_index_is_year_times_four_plus_quarter_minus_one_when_valid(
    period: str, index: int
) -> None:
    assert quarter_index(period) == index
    assert period_from_index(index) == period


def test_quarter_index_raises_when_period_is_messy() -> None:
    with pytest.raises(ValueError):
        quarter_index("2023q3")


def test_period_from_index_round_trips_when_over_several_years() -> None:
    for i in range(quarter_index("2019Q1"), quarter_index("2027Q4") + 1):
        assert quarter_index(period_from_index(i)) == i


@pytest.mark.parametrize("index", [999 * 4 + 3, 10000 * 4])
def test_period_from_index_raises_when_year_has_not_four_digits(index: int) -> None:
    with pytest.raises(ValueError):
        period_from_index(index)


@pytest.mark.parametrize(
    ("period", "k", "expected"),
    [
        ("2023Q1", 0, "2023Q1"),
        ("2023Q1", 1, "2023Q2"),
        ("2023Q4", 1, "2024Q1"),  # crosses the year
        ("2023Q1", -1, "2022Q4"),
        ("2022Q4", 12, "2025Q4"),  # three years
        ("2024Q3", -7, "2022Q4"),  # 8098 - 7 = 8091
    ],
)
def test_add_quarters_moves_by_k_when_given_offset(period: str, k: int, expected: str) -> None:
    assert add_quarters(period, k) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2022Q4", "2025Q4", 12),
        ("2024Q2", "2024Q2", 0),
        ("2024Q1", "2023Q4", -1),
        ("2023Q3", "2024Q2", 3),
    ],
)
def test_quarters_between_is_b_minus_a_when_given_two_periods(
    a: str, b: str, expected: int
) -> None:
    assert quarters_between(a, b) == expected


def test_period_range_is_inclusive_when_crossing_a_year() -> None:
    assert period_range("2023Q3", "2024Q2") == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]


def test_period_range_has_one_period_when_ends_are_equal() -> None:
    assert period_range("2024Q2", "2024Q2") == ["2024Q2"]


def test_period_range_is_empty_when_end_is_before_start() -> None:
    assert period_range("2024Q2", "2024Q1") == []


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2023Q1", date(2023, 3, 31)),
        ("2023Q2", date(2023, 6, 30)),
        ("2023Q3", date(2023, 9, 30)),
        ("2023Q4", date(2023, 12, 31)),
        ("2024Q1", date(2024, 3, 31)),  # leap year does not move the quarter end
    ],
)
def test_quarter_end_is_last_day_of_quarter_when_valid(period: str, expected: date) -> None:
    assert quarter_end(period) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 1, 1), "2024Q1"),
        (date(2024, 3, 31), "2024Q1"),
        (date(2024, 4, 1), "2024Q2"),
        (date(2024, 6, 30), "2024Q2"),
        (date(2024, 7, 1), "2024Q3"),
        (date(2024, 9, 30), "2024Q3"),
        (date(2024, 10, 1), "2024Q4"),
        (date(2024, 12, 31), "2024Q4"),
    ],
)
def test_current_period_is_quarter_containing_today_when_date_given(
    today: date, expected: str
) -> None:
    assert current_period(today) == expected


def test_current_period_uses_system_date_when_no_date_given() -> None:
    before = date.today()
    period = current_period()
    after = date.today()
    assert period in {current_period(before), current_period(after)}


@pytest.mark.parametrize(("period", "year"), [("2023Q1", 2023), ("2025Q4", 2025)])
def test_year_of_is_calendar_year_when_valid(period: str, year: int) -> None:
    assert year_of(period) == year

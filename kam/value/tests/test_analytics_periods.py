"""Periods are whole months, and the one before is as long as the one given."""

from datetime import date

import pytest

from kam.value.analytics.periods import Period, add_months


def test_year_quarter_month_constructors():
    assert Period.year(2025) == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert Period.quarter(2025, 3) == Period(date(2025, 7, 1), date(2025, 9, 30))
    assert Period.quarter(2024, 1).end == date(2024, 3, 31)
    assert Period.month(2024, 2) == Period(date(2024, 2, 1), date(2024, 2, 29))


def test_between_snaps_to_whole_months():
    assert Period.between(date(2025, 2, 14), date(2025, 4, 3)) == Period(
        date(2025, 2, 1), date(2025, 4, 30)
    )


def test_length_in_months_and_years():
    assert Period.year(2025).months == 12
    assert Period.year(2025).years == 1.0
    assert Period.quarter(2025, 2).years == 0.25
    assert Period.between(date(2024, 1, 1), date(2025, 6, 30)).years == 1.5


def test_previous_is_the_equal_length_period_right_before():
    assert Period.year(2025).previous() == Period.year(2024)
    assert Period.quarter(2025, 1).previous() == Period.quarter(2024, 4)
    # 2024-12 .. 2025-02 (3 months) → 2024-09 .. 2024-11
    odd = Period.between(date(2024, 12, 1), date(2025, 2, 1))
    assert odd.previous() == Period(date(2024, 9, 1), date(2024, 11, 30))


def test_month_starts_and_membership():
    quarter = Period.quarter(2025, 4)
    assert quarter.month_starts() == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    assert date(2025, 11, 15) in quarter
    assert date(2026, 1, 1) not in quarter
    assert str(quarter) == "2025-10..2025-12"


def test_add_months_crosses_years_both_ways():
    assert add_months(date(2025, 11, 20), 3) == date(2026, 2, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 1, 2), date(2025, 1, 31)),  # not a first of month
        (date(2025, 1, 1), date(2025, 1, 30)),  # not a last of month
        (date(2025, 3, 1), date(2025, 1, 31)),  # ends before it starts
    ],
)
def test_rejects_partial_months_and_reversed_ranges(start, end):
    with pytest.raises(ValueError):
        Period(start, end)


def test_rejects_a_fifth_quarter():
    with pytest.raises(ValueError):
        Period.quarter(2025, 5)

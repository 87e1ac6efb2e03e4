"""Birthdays on relationship cards, without a database: solar and lunar entry, the lunar date
kept, leap months (闰月) and the next birthday's solar date."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from kam.people.birthdays import (
    LUNAR,
    SOLAR,
    Birthday,
    Stored,
    check,
    from_stored,
    lunar_date,
    lunar_occurrence,
    next_birthday,
    to_stored,
)


def test_a_solar_birthday_is_kept_as_its_lunar_date_and_reads_back_as_entered():
    # 2020-05-23 is the first day of the leap fourth month (闰四月初一) of 2020.
    entered = Birthday(SOLAR, 2020, 5, 23)
    kept = to_stored(entered)
    assert kept == Stored(SOLAR, 2020, 4, 1, True)
    assert from_stored(kept) == entered


def test_a_solar_birthday_in_january_belongs_to_the_previous_lunar_year():
    kept = to_stored(Birthday(SOLAR, 1980, 1, 20))
    assert (kept.year, kept.month, kept.day, kept.leap_month) == (1979, 12, 3, False)
    assert from_stored(kept) == Birthday(SOLAR, 1980, 1, 20)


@pytest.mark.parametrize(
    ("year", "month", "day", "solar"),
    [(2020, 4, 1, date(2020, 5, 23)), (2025, 6, 10, date(2025, 8, 3))],
)
def test_a_leap_month_birthday_round_trips(year, month, day, solar):
    entered = Birthday(LUNAR, year, month, day, leap_month=True)
    kept = to_stored(entered)
    assert kept == Stored(LUNAR, year, month, day, True)
    assert from_stored(kept) == entered
    assert lunar_occurrence(year, month, day, leap=True) == solar
    # The same date entered by its solar day keeps the same lunar date, leap month and all.
    by_solar = to_stored(Birthday(SOLAR, solar.year, solar.month, solar.day))
    assert (by_solar.year, by_solar.month, by_solar.day, by_solar.leap_month) == (
        year,
        month,
        day,
        True,
    )
    assert from_stored(by_solar) == Birthday(SOLAR, solar.year, solar.month, solar.day)


def test_a_leap_month_the_year_does_not_have_is_refused():
    with pytest.raises(ValidationError) as refused:
        check(Birthday(LUNAR, 2021, 4, 1, leap_month=True))
    assert "birthday_leap_month" in refused.value.message_dict


def test_a_30th_in_a_29_day_lunar_month_is_refused_when_the_year_is_known():
    with pytest.raises(ValidationError) as refused:
        check(Birthday(LUNAR, 2021, 4, 30))
    assert "29" in refused.value.message_dict["birthday_day"][0]


@pytest.mark.parametrize(
    "birthday",
    [
        Birthday(SOLAR, 2021, 2, 29),
        Birthday(SOLAR, None, 4, 31),
        Birthday(SOLAR, 2000, 5, 1, leap_month=True),
        Birthday(LUNAR, None, 13, 1),
        Birthday(LUNAR, None, 1, 31),
        Birthday(LUNAR, 1800, 1, 1),
        Birthday("julian", 2000, 1, 1),
    ],
)
def test_impossible_birthdays_are_refused(birthday):
    with pytest.raises(ValidationError):
        to_stored(birthday)


def test_a_solar_birthday_without_year_is_kept_as_solar_month_and_day():
    kept = to_stored(Birthday(SOLAR, None, 2, 29))
    assert kept == Stored(SOLAR, None, 2, 29, False)
    assert lunar_date(kept) is None
    assert next_birthday(kept, date(2027, 3, 1)) == date(2028, 2, 29)
    assert next_birthday(kept, date(2026, 12, 2)) == date(2027, 2, 28)  # a common year


def test_a_solar_birthday_recurs_on_its_solar_day():
    kept = to_stored(Birthday(SOLAR, 1975, 12, 2))
    assert next_birthday(kept, date(2026, 12, 2)) == date(2026, 12, 2)
    assert next_birthday(kept, date(2026, 12, 3)) == date(2027, 12, 2)


def test_a_lunar_birthday_recurs_on_its_lunar_day():
    # 八月十五 (the mid-autumn festival's day): 2026-09-25, 2027-09-15.
    kept = to_stored(Birthday(LUNAR, None, 8, 15))
    assert next_birthday(kept, date(2026, 1, 1)) == date(2026, 9, 25)
    assert next_birthday(kept, date(2026, 9, 26)) == date(2027, 9, 15)


def test_a_leap_month_birthday_falls_in_the_leap_month_only_in_years_that_have_it():
    kept = to_stored(Birthday(LUNAR, 2020, 4, 1, leap_month=True))
    # 2021 has no leap fourth month: the ordinary 四月初一, 2021-05-12.
    assert next_birthday(kept, date(2021, 1, 1)) == date(2021, 5, 12)
    # 2020 has one: 闰四月初一, not 四月初一 (2020-04-23).
    assert next_birthday(kept, date(2020, 4, 1)) == date(2020, 5, 23)


def test_an_ordinary_month_birthday_stays_in_the_ordinary_month_of_a_leap_year():
    kept = to_stored(Birthday(LUNAR, None, 6, 10))
    assert next_birthday(kept, date(2025, 7, 1)) == date(2025, 7, 4)  # 六月初十, not 闰六月


def test_a_30th_falls_on_the_last_day_of_a_29_day_month():
    # 2021's fourth lunar month has 29 days: 四月廿九 is 2021-06-09.
    assert lunar_occurrence(2021, 4, 30) == date(2021, 6, 9)


days = st.dates(min_value=date(1901, 3, 1), max_value=date(2098, 12, 31))


@given(days)
def test_any_solar_birthday_round_trips_through_its_lunar_date(day):
    entered = Birthday(SOLAR, day.year, day.month, day.day)
    assert from_stored(to_stored(entered)) == entered


@given(days, st.integers(1, 12), st.integers(1, 30), st.booleans())
def test_the_next_lunar_birthday_is_within_a_year_and_on_its_lunar_day(today, month, day, leap):
    nxt = next_birthday(Stored(LUNAR, None, month, day, leap), today)
    assert today <= nxt < today + timedelta(days=400)
    back = to_stored(Birthday(SOLAR, nxt.year, nxt.month, nxt.day))
    assert back.month == month
    assert back.day == day or (day == 30 and back.day == 29)
    assert not back.leap_month or leap


@given(days, st.integers(1, 12), st.integers(1, 31))
def test_the_next_solar_birthday_is_the_first_on_or_after_today(today, month, day):
    assume(not (month == 2 and day > 29) and not (day == 31 and month in (4, 6, 9, 11)))
    nxt = next_birthday(to_stored(Birthday(SOLAR, None, month, day)), today)
    assert today <= nxt <= today + timedelta(days=366)
    assert nxt.month == month

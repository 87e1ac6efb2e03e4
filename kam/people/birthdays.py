"""Birthdays on relationship cards (M8.1, M8.4): entered by the solar or the lunar calendar,
stored as the lunar date, and the next one found for the care reminders.

Pure functions, no database. All calendar arithmetic is lunar-python's (`lunar_python`):
kam has no calendar code of its own.

The rules, as the user guide states them:

- **Storage.** A card keeps the birthday as the lunar date (year when known, month, day,
  whether the month is a leap month 闰月) and `calendar`, how it was entered. A solar date
  with its year converts to exactly one lunar date and back (a round trip). A solar
  birthday *without* a year has no lunar date (the same solar day falls on a different
  lunar day each year), so it alone is kept as the solar month and day.
- **Which calendar it recurs by.** By the one it was entered in: a person who gives a solar
  birthday celebrates it on that solar day every year; one who gives a lunar birthday on
  that lunar day.
- **Next lunar birthday.** The next occurrence of the lunar month and day (the birth year
  does not matter). A birthday in a leap month (闰四月) falls in that year's leap month when
  the year has one of the same number, otherwise in the ordinary month (四月). A 30th in a
  month of only 29 days falls on the 29th, the month's last day.
- **Next solar birthday.** 29 February falls on 28 February in a common year.
"""

from __future__ import annotations

import calendar as solar_calendar
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lunar_python import Lunar, LunarMonth, Solar

SOLAR = "solar"
LUNAR = "lunar"
FIRST_YEAR = 1900
LAST_YEAR = 2100
"""The birth years a card takes: lunar-python's tables cover them, and nobody we meet was
born outside them."""


@dataclass(frozen=True)
class Birthday:
    """A birthday as a person gives it: in `calendar` (SOLAR or LUNAR), `year` or None,
    month and day in that calendar, and for a lunar one whether the month is a leap month."""

    calendar: str
    year: int | None
    month: int
    day: int
    leap_month: bool = False


@dataclass(frozen=True)
class Stored:
    """What a card stores: the lunar date (the solar month/day only for a solar birthday
    without a year, see the module's rules) and the calendar it was entered in."""

    calendar: str
    year: int | None
    month: int
    day: int
    leap_month: bool = False


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({f"birthday_{field}": message})


def check(birthday: Birthday) -> None:
    """A clear error (by field) for a birthday that does not exist, nothing for a good one."""
    if birthday.calendar not in (SOLAR, LUNAR):
        raise _invalid("calendar", _("Choose the solar or the lunar calendar."))
    year = birthday.year
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise _invalid(
            "year",
            _("Enter a year from %(first)d to %(last)d, or none.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    if not 1 <= birthday.month <= 12:
        raise _invalid("month", _("Enter a month from 1 to 12."))
    if birthday.calendar == SOLAR:
        _check_solar(birthday)
    else:
        _check_lunar(birthday)


def _check_solar(birthday: Birthday) -> None:
    if birthday.leap_month:
        raise _invalid("leap_month", _("Only a lunar month can be a leap month."))
    year = birthday.year if birthday.year is not None else 2000  # a leap year: 29 Feb exists
    last = solar_calendar.monthrange(year, birthday.month)[1]
    if not 1 <= birthday.day <= last:
        raise _invalid("day", _("This month has no such day."))


def _check_lunar(birthday: Birthday) -> None:
    if not 1 <= birthday.day <= 30:
        raise _invalid("day", _("A lunar month has 29 or 30 days."))
    if birthday.year is None:
        return
    month = _lunar_month(birthday.year, birthday.month, birthday.leap_month)
    if month is None:
        raise _invalid(
            "leap_month",
            _("The lunar year %(year)d has no leap month %(month)d.")
            % {"year": birthday.year, "month": birthday.month},
        )
    if birthday.day > month.getDayCount():
        raise _invalid(
            "day",
            _("That lunar month has only %(days)d days.") % {"days": month.getDayCount()},
        )


def _lunar_month(year: int, month: int, leap: bool) -> LunarMonth | None:
    """lunar-python's month (a leap month is a negative number there), None when the year
    has no such month."""
    return LunarMonth.fromYm(year, -month if leap else month)


def to_stored(birthday: Birthday) -> Stored:
    """What the card keeps for `birthday` (checked first: an impossible date is an error)."""
    check(birthday)
    if birthday.calendar == LUNAR or birthday.year is None:
        return Stored(
            birthday.calendar, birthday.year, birthday.month, birthday.day, birthday.leap_month
        )
    lunar = Solar.fromYmd(birthday.year, birthday.month, birthday.day).getLunar()
    return Stored(
        SOLAR, lunar.getYear(), abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0
    )


def from_stored(stored: Stored) -> Birthday:
    """The birthday as it was entered, from what the card keeps (the inverse of to_stored)."""
    if stored.calendar == LUNAR or stored.year is None:
        return Birthday(stored.calendar, stored.year, stored.month, stored.day, stored.leap_month)
    month = -stored.month if stored.leap_month else stored.month
    solar = Lunar.fromYmd(stored.year, month, stored.day).getSolar()
    return Birthday(SOLAR, solar.getYear(), solar.getMonth(), solar.getDay())


def lunar_date(stored: Stored) -> Birthday | None:
    """The lunar date a card keeps, None for a solar birthday without a year (it has none)."""
    if stored.calendar == SOLAR and stored.year is None:
        return None
    return Birthday(LUNAR, stored.year, stored.month, stored.day, stored.leap_month)


def next_birthday(stored: Stored, today: date) -> date:
    """The solar date of the next birthday on or after `today`, by the calendar it was
    entered in (see the module's rules for leap months, 30ths and 29 February)."""
    if stored.calendar == SOLAR:
        monthday = from_stored(stored)
        return _next_solar(monthday.month, monthday.day, today)
    return _next_lunar(stored.month, stored.day, stored.leap_month, today)


def _next_solar(month: int, day: int, today: date) -> date:
    for year in (today.year, today.year + 1):
        last = solar_calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day, last))
        if candidate >= today:
            return candidate
    raise AssertionError("a solar birthday recurs within a year")  # pragma: no cover


def _next_lunar(month: int, day: int, leap: bool, today: date) -> date:
    this_year = Solar.fromYmd(today.year, today.month, today.day).getLunar().getYear()
    for year in (this_year, this_year + 1):
        candidate = lunar_occurrence(year, month, day, leap)
        if candidate >= today:
            return candidate
    raise AssertionError("a lunar birthday recurs within a lunar year")  # pragma: no cover


def lunar_occurrence(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of lunar `month`/`day` in lunar `year`: in the leap month when `leap`
    and the year has that leap month, else in the ordinary month; a day past the month's
    end falls on its last day."""
    lunar_month = (_lunar_month(year, month, True) if leap else None) or _lunar_month(
        year, month, False
    )
    last = lunar_month.getDayCount()
    solar = Lunar.fromYmd(year, lunar_month.getMonth(), min(day, last)).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())

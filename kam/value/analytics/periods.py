"""Analysis periods: whole months, because the rollup they are summed from is monthly."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before, if negative) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of whole months: `start` is a first of month, `end` a last of month.

    Whole months only, so a period is exactly a sum of AccountMonth rows and two adjacent
    periods add up to the period that spans both.
    """

    start: date
    end: date

    def __post_init__(self):
        if self.start.day != 1:
            raise ValueError(f"a period starts on the first of a month, not {self.start}")
        if self.end != month_end(self.end):
            raise ValueError(f"a period ends on the last day of a month, not {self.end}")
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1..4, not {quarter}")
        first = date(year, quarter * 3 - 2, 1)
        return cls(first, month_end(add_months(first, 2)))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, month_end(first))

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """The whole months from `first`'s month to `last`'s month, both included."""
        return cls(month_start(first), month_end(last))

    @property
    def months(self) -> int:
        """Number of months in the period."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def years(self) -> float:
        """Length in years (a calendar year 1.0, a quarter 0.25), for annualising."""
        return self.months / 12

    @property
    def is_calendar_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (
            1,
            1,
            12,
            31,
        ) and (self.start.year == self.end.year)

    @property
    def last_month(self) -> date:
        """The first day of the period's last month (the `month` key of its last rollup row)."""
        return month_start(self.end)

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        first = add_months(self.start, -self.months)
        return Period(first, month_end(add_months(self.start, -1)))

    def month_starts(self) -> list[date]:
        return [add_months(self.start, i) for i in range(self.months)]

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"

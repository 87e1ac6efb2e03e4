"""Analysis periods: whole months, because the rollup they are summed from is monthly."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before, if negative) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


MONTH, QUARTER, YEAR, YTD, ROLLING, RANGE = "month", "quarter", "year", "ytd", "rolling", "range"
KINDS = (MONTH, QUARTER, YEAR, YTD, ROLLING, RANGE)
"""The periods people think in: a month, a quarter, a year, the year to date, the last 12
months, and any run of whole months (from–to)."""

ROLLING_MONTHS = 12


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of whole months: `start` is a first of month, `end` a last of month.

    Whole months only, so a period is exactly a sum of AccountMonth rows and two adjacent
    periods add up to the period that spans both. `kind` says how a person picked it; it
    decides the previous period (a year to date compares with the same months last year)
    and the label, not which months are summed, so two periods over the same months are
    equal whatever their kind (caches that depend on the previous period add the kind).
    """

    start: date
    end: date
    kind: str = field(default=RANGE, compare=False)

    def __post_init__(self):
        if self.start.day != 1:
            raise ValueError(f"a period starts on the first of a month, not {self.start}")
        if self.end != month_end(self.end):
            raise ValueError(f"a period ends on the last day of a month, not {self.end}")
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")
        if self.kind not in KINDS:
            raise ValueError(f"not a kind of period: {self.kind!r}")
        if not self._shape_fits():
            raise ValueError(f"{self} is not a {self.kind}")

    def _shape_fits(self) -> bool:
        """Whether the months fit the kind: a quarter starts in Jan/Apr/Jul/Oct and so on."""
        same_year = self.start.year == self.end.year
        return {
            MONTH: self.months == 1,
            QUARTER: self.months == 3 and self.start.month % 3 == 1,
            YEAR: self.is_calendar_year,
            YTD: same_year and self.start.month == 1,
            ROLLING: self.months == ROLLING_MONTHS,
            RANGE: True,
        }[self.kind]

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), YEAR)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1..4, not {quarter}")
        first = date(year, quarter * 3 - 2, 1)
        return cls(first, month_end(add_months(first, 2)), QUARTER)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, month_end(first), MONTH)

    @classmethod
    def year_to_date(cls, last: date) -> Period:
        """January to `last`'s month of `last`'s year."""
        return cls(date(last.year, 1, 1), month_end(last), YTD)

    @classmethod
    def rolling(cls, last: date) -> Period:
        """The 12 months ending with `last`'s month."""
        return cls(add_months(last, 1 - ROLLING_MONTHS), month_end(last), ROLLING)

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """The whole months from `first`'s month to `last`'s month, both included."""
        return cls(month_start(first), month_end(last))

    @property
    def quarter_number(self) -> int:
        return (self.start.month - 1) // 3 + 1

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
        """What this period is compared with: the same months a year earlier for a year to
        date (January–November with January–November), else the period of equal length
        that ends the day before this one starts (the month, quarter, year, 12 months or
        from–to span before), of the same kind."""
        if self.kind == YTD:
            return Period(add_months(self.start, -12), month_end(add_months(self.end, -12)), YTD)
        first = add_months(self.start, -self.months)
        return Period(first, month_end(add_months(self.start, -1)), self.kind)

    def covered_by(self, data: Period | None) -> bool:
        """Whether `data` (the first to the last month with any sales) spans every month."""
        return data is not None and data.start <= self.start and self.end <= data.end

    def month_starts(self) -> list[date]:
        return [add_months(self.start, i) for i in range(self.months)]

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"


PREVIOUS_NOT_COVERED = "previous_not_covered"
PERIOD_NOT_COVERED = "period_not_covered"
NO_DATA = "no_data"


@dataclass(frozen=True)
class Comparison:
    """A period, the one it is compared with, and whether the data can compare them.

    Growth compares equal spans; it is known only when the company's data (`data`: the
    first to the last month with any order line) covers the whole previous period and the
    whole period. Data that starts in December 2010 makes 2010 a one-month year, and
    2011's growth against it would read +1423%: unknown instead, with `reason`.

    Whether the company's data covers the span is what counts, not the account's: an
    account that bought nothing in a covered previous period is a new account (its growth
    is unknown because there is nothing to grow from, see metrics), and one that started
    mid-way through it has a real, if large, growth.
    """

    period: Period
    previous: Period
    data: Period | None

    @classmethod
    def of(cls, period: Period, data: Period | None) -> Comparison:
        return cls(period, period.previous(), data)

    @property
    def reason(self) -> str | None:
        """Why growth is unknown (NO_DATA, PREVIOUS_NOT_COVERED, PERIOD_NOT_COVERED), or
        None when it is known."""
        if self.data is None:
            return NO_DATA
        if not self.previous.covered_by(self.data):
            return PREVIOUS_NOT_COVERED
        if not self.period.covered_by(self.data):
            return PERIOD_NOT_COVERED
        return None

    @property
    def comparable(self) -> bool:
        return self.reason is None


def default_period(with_data: list[date], data: Period | None, today: date) -> Period:
    """The period a page opens on: this year to date when the data reaches into this year
    (to the last month with data, never past today's month), else the last year before
    this one with data — preferring the last the data covers whole — else this year.

    `with_data` are the months (firsts of month) with sales the user may see; `data` is
    the company's span, which decides where "to date" ends, so that everyone's year to
    date is the same months.
    """
    if not with_data:
        return Period.year(today.year)
    if any(month.year == today.year for month in with_data):
        last = min(month_start(today), data.last_month if data else month_start(today))
        return Period.year_to_date(max(last, date(today.year, 1, 1)))
    years = sorted({month.year for month in with_data if month.year < today.year}) or sorted(
        {month.year for month in with_data}
    )
    whole = [year for year in years if Period.year(year).covered_by(data)]
    return Period.year((whole or years)[-1])


def offered_periods(with_data: list[date], data: Period | None, today: date) -> list[Period]:
    """The periods a picker offers, from the months with data the user may see: the year
    to date and the last 12 months (when they hold such a month), then every year,
    quarter and month with data, newest first."""
    months = sorted(set(with_data), reverse=True)
    if not months:
        return [Period.year(today.year)]
    offered: list[Period] = []
    current = default_period(months, data, today)
    if current.kind == YTD:
        offered.append(current)
    last = min(month_start(today), data.last_month if data else months[0])
    rolling = Period.rolling(last)
    if any(month in rolling for month in months):
        offered.append(rolling)
    offered += [Period.year(y) for y in sorted({m.year for m in months}, reverse=True)]
    quarters = sorted({(m.year, (m.month - 1) // 3 + 1) for m in months}, reverse=True)
    offered += [Period.quarter(y, q) for y, q in quarters]
    offered += [Period.month(m.year, m.month) for m in months]
    return offered

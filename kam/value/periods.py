"""Periods as people pick, read and share them: the one place that turns a Period into its
address (`?period=2025-Q2`), its label ("2025 Q2", "2025年第2季度") and back, and says why
growth is unknown. Every page, link, export and picker asks here, so a period reads and
travels the same everywhere.

Addresses: `period=2025` (a year), `2025-Q2` (a quarter), `2025-11` (a month),
`ytd-2026-11` (2026 to date, to November), `12m-2026-11` (the 12 months to November 2026),
and `from=2025-03&to=2025-08` for any run of whole months. The older `year=2025&quarter=2`
is still read, so saved links keep working.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from .analytics.periods import (
    MONTH,
    NO_DATA,
    PERIOD_NOT_COVERED,
    PREVIOUS_NOT_COVERED,
    QUARTER,
    RANGE,
    ROLLING,
    YEAR,
    YTD,
    Comparison,
    Period,
)

RANGE_TOKEN = "range"
"""The picker's value for "from–to": the months come in `from` and `to`."""

_PATTERNS = [
    (re.compile(r"(\d{4})"), lambda y: Period.year(int(y))),
    (re.compile(r"(\d{4})-[Qq]([1-4])"), lambda y, q: Period.quarter(int(y), int(q))),
    (re.compile(r"(\d{4})-(\d{1,2})"), lambda y, m: Period.month(int(y), int(m))),
    (
        re.compile(r"ytd-(\d{4})-(\d{1,2})", re.IGNORECASE),
        lambda y, m: Period.year_to_date(date(int(y), int(m), 1)),
    ),
    (
        re.compile(r"12m-(\d{4})-(\d{1,2})", re.IGNORECASE),
        lambda y, m: Period.rolling(date(int(y), int(m), 1)),
    ),
]


def today() -> date:
    """Today in the company's time zone (settings.TIME_ZONE, Asia/Shanghai by default):
    at 01:00 in Shanghai on 1 January it is already the new year."""
    return timezone.localdate()


def month_text(day: date) -> str:
    return f"{day:%Y-%m}"


def token(period: Period) -> str:
    """The `period=` value of a period (RANGE_TOKEN for a from–to span)."""
    return {
        YEAR: lambda: str(period.start.year),
        QUARTER: lambda: f"{period.start.year}-Q{period.quarter_number}",
        MONTH: lambda: month_text(period.start),
        YTD: lambda: f"ytd-{month_text(period.end)}",
        ROLLING: lambda: f"12m-{month_text(period.end)}",
        RANGE: lambda: RANGE_TOKEN,
    }[period.kind]()


def parse_token(text: str) -> Period:
    """The period a `period=` value names; ValueError when it names none."""
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(text.strip())
        if match:
            return build(*match.groups())
    raise ValueError(f"not a period: {text!r}")


def parse_month(text: str) -> date:
    """2025-03 (or 2025-03-14, as a date field sends it) → 2025-03-01."""
    parts = text.strip().split("-")
    if len(parts) not in (2, 3):
        raise ValueError(f"not a month: {text!r}")
    return date(int(parts[0]), int(parts[1]), 1)


def query(period: Period, default: Period | None = None) -> dict[str, str]:
    """The address parameters of `period`; none for the default period, so plain links
    stay plain."""
    if default is not None and period == default and period.kind == default.kind:
        return {}
    if period.kind == RANGE:
        return {"from": month_text(period.start), "to": month_text(period.end)}
    return {"period": token(period)}


def query_string(period: Period, default: Period | None = None) -> str:
    return urlencode(query(period, default))


def from_query(params) -> Period | None:
    """The period the address names, or None when it names none (or nonsense): a page
    then shows its default period."""
    try:
        return parse_query(params)
    except (ValueError, TypeError):
        return None


def parse_query(params) -> Period | None:
    """The period the address names, None when it names none; ValueError when it names
    nonsense (the API answers that with 400, where a page falls back to its default).
    A period whose previous one falls before the calendar (year 1) is nonsense too: growth
    could not be asked of it."""
    text = (params.get("period") or "").strip()
    first, last = params.get("from"), params.get("to")
    if text and text != RANGE_TOKEN:
        period = parse_token(text)
    elif first and last:
        period = Period.between(parse_month(first), parse_month(last))
    elif params.get("year") and not text:  # the older address, kept for saved links
        year, quarter = int(params["year"]), params.get("quarter")
        period = Period.quarter(year, int(quarter)) if quarter else Period.year(year)
    elif first or last or text:
        raise ValueError("from and to name a span together")
    else:
        return None
    period.previous()  # ValueError before year 1
    return period


def label(period: Period) -> str:
    """How a page names the period: 2025, 2025 Q2, 2025-11, 2026 to date (Jan–Nov) …"""
    if period.kind == YEAR:
        return str(period.start.year)
    if period.kind == QUARTER:
        return _("%(year)s Q%(quarter)s") % {
            "year": period.start.year,
            "quarter": period.quarter_number,
        }
    if period.kind == MONTH:
        return month_text(period.start)
    if period.kind == YTD:
        return _("%(year)s to date (%(first)s – %(last)s)") % {
            "year": period.start.year,
            "first": month_text(period.start),
            "last": month_text(period.end),
        }
    if period.kind == ROLLING:
        return _("12 months to %(last)s") % {"last": month_text(period.end)}
    return f"{month_text(period.start)} – {month_text(period.end)}"


def file_label(period: Period) -> str:
    """The period in a file name: 2025, 2025-Q2, ytd-2026-11, 2025-03_2025-08."""
    if period.kind == RANGE:
        return f"{month_text(period.start)}_{month_text(period.end)}"
    return token(period)


def growth_unknown(comparison: Comparison | None) -> str | None:
    """Why growth on the previous period is not shown (None when it is)."""
    if comparison is None:
        return _("There is no previous period to compare with.")
    reason = comparison.reason
    data = comparison.data
    if reason == NO_DATA:
        return _("There are no sales to compare.")
    if reason == PREVIOUS_NOT_COVERED:
        return _(
            "The data starts in %(first)s, so the previous period (%(previous)s) is only "
            "partly covered: growth against it would mislead."
        ) % {"first": month_text(data.start), "previous": label(comparison.previous)}
    if reason == PERIOD_NOT_COVERED:
        return _(
            "The data ends in %(last)s, before this period does: compare the year to "
            "date or a period the data covers."
        ) % {"last": month_text(data.end)}
    return None


def new_account_reason() -> str:
    """Why an account's growth is unknown although the periods compare."""
    return _("No purchases in the previous period: a new account has no growth to show.")


def account_growth_unknown(row: dict | None, comparison: Comparison | None) -> str | None:
    """Why one account's growth is not shown (None when it is, or when there is nothing to
    say: no purchases in either period): the data does not cover both periods, or the
    account bought nothing in the previous one (a new account). `row` is its metrics."""
    if row is not None and row.get("growth") is not None:
        return None
    reason = growth_unknown(comparison)
    if reason is None and row is not None and row.get("revenue"):
        return new_account_reason()
    return reason

"""Periods in addresses and on pages: one helper writes and reads them (kam.value.periods)."""

from datetime import date

import pytest
from django.http import QueryDict
from django.utils import translation

from kam.value import periods
from kam.value.analytics.periods import Comparison, Period

EVERY_KIND = [
    Period.month(2025, 11),
    Period.quarter(2025, 2),
    Period.year(2025),
    Period.year_to_date(date(2026, 11, 1)),
    Period.rolling(date(2026, 11, 1)),
    Period.between(date(2025, 3, 1), date(2025, 8, 1)),
]


@pytest.mark.parametrize("period", EVERY_KIND, ids=lambda p: p.kind)
def test_every_kind_of_period_survives_the_round_trip_through_an_address(period):
    text = periods.query_string(period)
    back = periods.from_query(QueryDict(text))
    assert back == period and back.kind == period.kind


def test_the_addresses_people_see():
    assert [periods.query_string(p) for p in EVERY_KIND] == [
        "period=2025-11",
        "period=2025-Q2",
        "period=2025",
        "period=ytd-2026-11",
        "period=12m-2026-11",
        "from=2025-03&to=2025-08",
    ]
    # the default period needs no parameter at all
    assert periods.query_string(Period.year(2025), default=Period.year(2025)) == ""


def test_older_links_and_nonsense():
    assert periods.from_query(QueryDict("year=2025&quarter=2")) == Period.quarter(2025, 2)
    assert periods.from_query(QueryDict("year=2025")) == Period.year(2025)
    assert periods.from_query(QueryDict("period=range&from=2025-03&to=2025-04")).months == 2
    for nonsense in ("period=2025-13", "period=abc", "from=2025-05&to=2025-01", "year=x", ""):
        assert periods.from_query(QueryDict(nonsense)) is None


@pytest.mark.parametrize(
    "address", ["period=nonsense", "period=2025-Q5", "period=range", "from=2025-03", "period=0001"]
)
def test_the_strict_reader_refuses_what_the_pages_forgive(address):
    """The API answers these with 400; a page shows its default period instead."""
    with pytest.raises(ValueError):
        periods.parse_query(QueryDict(address))
    assert periods.from_query(QueryDict(address)) is None


def test_the_strict_reader_reads_what_the_pages_read():
    assert periods.parse_query(QueryDict("")) is None
    assert periods.parse_query(QueryDict("year=2025&quarter=2")) == Period.quarter(2025, 2)
    span = periods.parse_query(QueryDict("period=range&from=2025-03&to=2025-08"))
    assert span == Period.between(date(2025, 3, 1), date(2025, 8, 1))


def test_labels_in_both_languages():
    with translation.override("en"):
        labels = [periods.label(p) for p in EVERY_KIND]
    assert labels == [
        "2025-11",
        "2025 Q2",
        "2025",
        "2026 to date (2026-01 – 2026-11)",
        "12 months to 2026-11",
        "2025-03 – 2025-08",
    ]
    with translation.override("zh-hans"):
        assert periods.label(Period.quarter(2025, 2)) == "2025年第2季度"
        assert periods.label(Period.rolling(date(2026, 11, 1))) == "截至2026-11的12个月"


def test_the_reason_growth_is_unknown_names_where_the_data_starts():
    data = Period.between(date(2010, 12, 1), date(2011, 12, 1))
    with translation.override("en"):
        reason = periods.growth_unknown(Comparison.of(Period.year(2011), data))
        assert "2010-12" in reason and "2010" in reason
        assert periods.growth_unknown(Comparison.of(Period.quarter(2011, 2), data)) is None

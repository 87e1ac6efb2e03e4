"""Periods are whole months, and the one before is as long as the one given."""

from datetime import date

import polars as pl
import pytest

from kam.value.analytics import frames
from kam.value.analytics.analysis import analyze
from kam.value.analytics.metrics import account_metrics, data_months
from kam.value.analytics.periods import (
    PERIOD_NOT_COVERED,
    PREVIOUS_NOT_COVERED,
    Comparison,
    Period,
    add_months,
    default_period,
    offered_periods,
)


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


# ---------------------------------------------------------------- kinds and comparisons


def test_each_kind_of_period_has_its_own_previous_period():
    assert Period.month(2025, 1).previous() == Period.month(2024, 12)
    assert Period.month(2025, 1).previous().kind == "month"
    assert Period.quarter(2025, 1).previous() == Period.quarter(2024, 4)
    assert Period.year(2025).previous() == Period.year(2024)
    # a year to date compares with the same months a year before, not the months before
    ytd = Period.year_to_date(date(2026, 11, 1))
    assert (ytd.start, ytd.end) == (date(2026, 1, 1), date(2026, 11, 30))
    assert ytd.previous() == Period(date(2025, 1, 1), date(2025, 11, 30))
    assert ytd.previous().kind == "ytd"
    # the last 12 months compare with the 12 before them
    rolling = Period.rolling(date(2026, 11, 1))
    assert (rolling.start, rolling.end) == (date(2025, 12, 1), date(2026, 11, 30))
    assert rolling.previous() == Period(date(2024, 12, 1), date(2025, 11, 30))
    # from–to: the equal span just before
    span = Period.between(date(2025, 3, 1), date(2025, 8, 1))
    assert span.previous() == Period(date(2024, 9, 1), date(2025, 2, 28))


def test_a_kind_must_fit_its_months():
    with pytest.raises(ValueError):
        Period(date(2025, 2, 1), date(2025, 4, 30), "quarter")
    with pytest.raises(ValueError):
        Period(date(2025, 2, 1), date(2025, 11, 30), "ytd")
    with pytest.raises(ValueError):
        Period(date(2025, 1, 1), date(2025, 6, 30), "rolling")


def test_growth_is_known_only_where_the_data_covers_both_periods():
    data = Period.between(date(2010, 12, 1), date(2011, 12, 1))  # Online Retail's span
    assert Comparison.of(Period.year(2011), data).reason == PREVIOUS_NOT_COVERED
    assert Comparison.of(Period.quarter(2011, 2), data).comparable
    assert Comparison.of(Period.month(2011, 1), data).comparable  # December 2010 is whole
    ytd = Comparison.of(Period.year_to_date(date(2011, 12, 1)), data)
    assert ytd.reason == PREVIOUS_NOT_COVERED
    # the period must be covered too: 2012 would compare nothing with 2011
    assert Comparison.of(Period.year(2012), data).reason == PERIOD_NOT_COVERED
    assert not Comparison.of(Period.year(2011), None).comparable


def retail_months() -> pl.DataFrame:
    """Data that starts in December 2010, as the Online Retail export does: account 1
    bought in December 2010 and through 2011, account 2 from March 2011 only."""
    rows = [{"account_id": 1, "month": date(2010, 12, 1), "revenue": 1000, "orders": 1}]
    for month in range(1, 13):
        rows.append({"account_id": 1, "month": date(2011, month, 1), "revenue": 1200, "orders": 1})
        if month >= 3:
            rows.append({"account_id": 2, "month": date(2011, month, 1), "revenue": 500})
    return frames.months_frame(rows)


def test_no_growth_for_2011_against_a_one_month_2010():
    months = retail_months()
    metrics = account_metrics(months, None, Period.year(2011), years=frames.years_of(months))
    first = metrics.filter(pl.col("account_id") == 1).row(0, named=True)
    # not 14,400 ÷ 1,000 − 1 = +1340%: 2010 is one month of data
    assert first["growth"] is None and first["revenue_prev"] is None
    # the same from the months, without the by-year shortcut
    metrics = account_metrics(months, None, Period.year(2011))
    assert metrics.get_column("growth").null_count() == metrics.height
    analysis = analyze(months, None, None, None, None, Period.year(2011))
    assert analysis.comparison.reason == PREVIOUS_NOT_COVERED


def test_cash_collected_later_is_no_month_of_sales_data():
    """Payments for December 2011 that come in January 2012 do not make 2012 a year of
    data, nor does money collected before the first sale push the data's start back."""
    cash = [
        {"account_id": 1, "month": date(2010, 11, 1), "collected": 300},
        {"account_id": 1, "month": date(2012, 1, 1), "collected": 1200},
    ]
    months = pl.concat([retail_months(), frames.months_frame(cash)])
    assert data_months(months) == Period.between(date(2010, 12, 1), date(2011, 12, 1))


def test_growth_where_the_data_covers_the_previous_period():
    months = retail_months()
    # Q4 2011 against Q3 2011: account 1 flat, account 2 flat
    metrics = account_metrics(months, None, Period.quarter(2011, 4))
    assert metrics.get_column("growth").to_list() == [0.0, 0.0]
    # January 2011 against December 2010 (covered: the data starts with it)
    january = account_metrics(months, None, Period.month(2011, 1))
    assert january.row(0, named=True)["growth"] == pytest.approx(0.2)
    # account 2 started in March: against February (covered, nothing bought) it is a
    # new account, growth unknown; against a quarter it partly bought in, real growth
    march = account_metrics(months, None, Period.month(2011, 3))
    assert march.filter(pl.col("account_id") == 2).row(0, named=True)["growth"] is None
    q2 = account_metrics(months, None, Period.quarter(2011, 2))
    assert q2.filter(pl.col("account_id") == 2).row(0, named=True)["growth"] == pytest.approx(2.0)


def test_the_span_given_decides_over_the_months_given():
    """Pages pass the company's span: one account's months do not make a year uncovered."""
    months = retail_months().filter(pl.col("account_id") == 2)  # March 2011 onwards
    data = Period.between(date(2010, 1, 1), date(2011, 12, 1))
    q2 = account_metrics(months, None, Period.quarter(2011, 2), data=data)
    assert q2.row(0, named=True)["growth"] == pytest.approx(2.0)
    assert account_metrics(months, None, Period.quarter(2011, 2)).row(0)[0] == 2


MONTHS_2023_TO_2026 = [date(y, m, 1) for y in (2023, 2024, 2025) for m in range(1, 13)] + [
    date(2026, m, 1) for m in range(1, 12)
]


def test_the_default_is_this_year_to_date_when_the_data_reaches_into_it():
    data = Period.between(date(2023, 1, 1), date(2026, 11, 1))
    # 1 December 2026, the data up to November: January–November 2026
    chosen = default_period(MONTHS_2023_TO_2026, data, date(2026, 12, 1))
    assert (chosen.kind, chosen.start, chosen.end) == ("ytd", date(2026, 1, 1), date(2026, 11, 30))
    # never past today's month, whatever the data says
    chosen = default_period(MONTHS_2023_TO_2026, data, date(2026, 6, 15))
    assert chosen.end == date(2026, 6, 30)


def test_else_the_last_full_year_with_data():
    data = Period.between(date(2023, 1, 1), date(2025, 12, 1))
    months = [m for m in MONTHS_2023_TO_2026 if m.year < 2026]
    assert default_period(months, data, date(2026, 12, 1)) == Period.year(2025)
    # a last year the data covers only in part gives way to the one before
    data = Period.between(date(2023, 1, 1), date(2025, 6, 1))
    months = [m for m in months if m <= date(2025, 6, 1)]
    assert default_period(months, data, date(2026, 12, 1)) == Period.year(2024)
    # a user who may see no sales: this year
    assert default_period([], data, date(2026, 12, 1)) == Period.year(2026)


def test_the_picker_offers_only_periods_with_data():
    data = Period.between(date(2010, 12, 1), date(2026, 11, 1))
    mine = [date(2024, 3, 1), date(2025, 7, 1), date(2026, 2, 1)]  # a KAM's accounts
    offered = offered_periods(mine, data, date(2026, 12, 1))
    kinds = [p.kind for p in offered]
    assert kinds[:2] == ["ytd", "rolling"]
    assert [p.start.year for p in offered if p.kind == "year"] == [2026, 2025, 2024]
    assert [p for p in offered if p.kind == "quarter"] == [
        Period.quarter(2026, 1),
        Period.quarter(2025, 3),
        Period.quarter(2024, 1),
    ]
    assert [p.start for p in offered if p.kind == "month"] == sorted(mine, reverse=True)

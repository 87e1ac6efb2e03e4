"""Counts that add up (issue #10 §3), as properties over random portfolios, no database.

One definition of "active in the period" — the account bought something in it — behind
the pyramid, the tier-movement table, the headline's buyers and the list filters they open:
the pyramid's tiers count exactly the active accounts, every other account is "no
purchases" (never 普通), and the movement table's columns add up to this period's pyramid
and its rows to the previous period's.
"""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.accounts import listing
from kam.value import charts
from kam.value.analytics import analyze, frames
from kam.value.analytics.periods import Period
from kam.value.analytics.tiers import NO_PURCHASES, TIERS

YEARS = (2024, 2025)

purchase = st.tuples(
    st.integers(1, 12),  # account
    st.sampled_from(YEARS),
    st.integers(1, 12),  # month
    st.integers(-2_000, 500_000),  # revenue: a return-only month is not a purchase
    st.integers(1, 5),  # orders
)


def portfolio(rows, accounts: int):
    """The months, an accounts frame of every account (some never bought) and the two
    years' analyses."""
    months = frames.months_frame(
        [
            {
                "account_id": account,
                "month": date(year, month, 1),
                "revenue": revenue,
                "cost": max(revenue, 0) * 0.7,
                "orders": orders,
                "lines": orders,
                "quantity": orders * 3,
            }
            for account, year, month, revenue, orders in rows
        ]
    ).unique(["account_id", "month"])
    everyone = frames.accounts_frame(
        [
            {"account_id": i, "code": f"C{i:03d}", "name": f"客户{i}", "owner_id": 7}
            for i in range(1, accounts + 1)
        ]
    )
    return months, everyone


def analysis_of(months, everyone, year):
    return analyze(months, None, everyone, None, None, Period.year(year))


def bought_in(months, year) -> set[int]:
    totals = (
        months.filter(pl.col("month").dt.year() == year)
        .group_by("account_id")
        .agg(pl.col("revenue").sum())
        .filter(pl.col("revenue") > 0)
    )
    return set(totals.get_column("account_id").to_list())


def counts(rows) -> dict[str, int]:
    return {row["tier"]: row["accounts"] for row in rows}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purchase, max_size=60), st.integers(12, 16))
def test_the_pyramid_counts_the_accounts_active_in_the_period(rows, accounts):
    months, everyone = portfolio(rows, accounts)
    for year in YEARS:
        analysis = analysis_of(months, everyone, year)
        pyramid = counts(charts.tier_summary(analysis))
        active = bought_in(months, year)
        assert sum(pyramid[tier] for tier in TIERS) == len(active)
        assert pyramid[NO_PURCHASES] == accounts - len(active)
        assert charts.headline(analysis).buyers == len(active)
        # the list a tier row opens shows exactly the accounts the row counts
        table = listing.AccountList(
            listing.account_table(analysis.accounts, analysis.metrics, analysis.tiers)
        )
        for row in charts.tier_summary(analysis):
            query = {k: v[0] for k, v in parse_qs(urlsplit(row["link"]).query).items()}
            assert len(table.select(listing.Filters.from_params(query))) == row["accounts"]
        buyers = listing.Filters.from_params({"bought": "yes"})
        assert len(table.select(buyers)) == len(active)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purchase, max_size=60), st.integers(12, 16))
def test_the_movement_table_adds_up_to_both_pyramids(rows, accounts):
    months, everyone = portfolio(rows, accounts)
    previous = analysis_of(months, everyone, 2024)
    current = analysis_of(months, everyone, 2025)
    moves = charts.tier_moves(current, previous)
    assert moves.column_totals() == counts(charts.tier_summary(current))
    assert moves.row_totals() == counts(charts.tier_summary(previous))
    assert sum(moves.column_totals().values()) == accounts


def test_an_empty_period_shows_no_tiers_but_no_purchases():
    months, everyone = portfolio([(1, 2024, 5, 100_000, 1), (2, 2024, 6, 50_000, 2)], 5)
    analysis = analysis_of(months, everyone, 2019)
    rows = charts.tier_summary(analysis)
    assert counts(rows) == {**dict.fromkeys(TIERS, 0), NO_PURCHASES: 5}
    assert charts.pyramid_option(rows) is None
    assert charts.headline(analysis).buyers == 0

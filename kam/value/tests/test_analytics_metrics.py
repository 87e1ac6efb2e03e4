"""Per-account metrics on a hand ledger, rankings, and properties that must hold for any
ledger: totals match the months, row order doesn't matter, halves add up to the year."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.value.analytics import frames
from kam.value.analytics.metrics import (
    METRIC_COLUMNS,
    account_metrics,
    percentile_rank,
    rank_by,
)
from kam.value.analytics.periods import Period
from kam.value.analytics.policy import MetricsPolicy, Policy

D = Decimal
YEAR = Period.year(2025)


def ym(year: int, month: int) -> date:
    return date(year, month, 1)


def ledger() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Five accounts around the year 2025 (previous period: 2024)."""
    months = frames.months_frame(
        [
            # 1 "steady": owes 1,000 from 2024-06 when 2025 opens
            {"account_id": 1, "month": ym(2024, 6), "revenue": 1000, "orders": 1, "lines": 1},
            {
                "account_id": 1,
                "month": ym(2025, 1),
                "revenue": 2000,
                "cost": 1200,
                "discount": 500,
                "orders": 2,
                "lines": 5,
                "paid_amount": 1000,
                "paid_days_amount": 30_000,  # 1,000 paid after 30 days
                "collected": 1000,  # pays off the 2024 invoice
            },
            {
                "account_id": 1,
                "month": ym(2025, 3),
                "revenue": 3000,
                "cost": 2100,
                "return_amount": 200,
                "orders": 1,
                "lines": 3,
                "return_lines": 1,
                "paid_amount": 3000,
                "paid_days_amount": 180_000,  # 3,000 paid after 60 days
                "collected": 2000,
            },
            # a month with money in but nothing ordered: not an active month
            {"account_id": 1, "month": ym(2025, 7), "collected": 2000},
            # 2 "lapsed": bought and paid in 2024 only
            {"account_id": 2, "month": ym(2024, 3), "revenue": 800, "collected": 800},
            # 3 "old debt": an unpaid invoice from 2023
            {"account_id": 3, "month": ym(2023, 5), "revenue": 500, "orders": 1},
            # 4 "returned": bought, returned it all, then paid anyway (we owe it 100)
            {"account_id": 4, "month": ym(2025, 2), "revenue": 100, "orders": 1, "lines": 1},
            {"account_id": 4, "month": ym(2025, 4), "revenue": -100, "return_amount": 100},
            {"account_id": 4, "month": ym(2025, 5), "collected": 100},
            # 6 only buys after the period: not in it
            {"account_id": 6, "month": ym(2026, 1), "revenue": 999, "orders": 1},
        ]
    )
    costs = frames.costs_frame(
        [
            {"account_id": 1, "month": ym(2025, 2), "category": "visits", "amount": "100"},
            {"account_id": 1, "month": ym(2025, 9), "category": "freight", "amount": "50.50"},
            {"account_id": 1, "month": ym(2024, 9), "category": "visits", "amount": "999"},
            # 5 "cost only": we spent on it (samples) and it bought nothing
            {"account_id": 5, "month": ym(2025, 6), "category": "samples", "amount": "300"},
        ]
    )
    return months, costs


def by_account(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["account_id"]: row for row in frame.iter_rows(named=True)}


@pytest.fixture
def year_metrics():
    months, costs = ledger()
    return by_account(account_metrics(months, costs, YEAR))


def test_columns_and_types():
    months, costs = ledger()
    metrics = account_metrics(months, costs, YEAR)
    assert tuple(metrics.columns) == METRIC_COLUMNS
    for money in ("revenue", "gross_profit", "receivables", "financing_cost", "net_contribution"):
        assert metrics.schema[money] == frames.MONEY
    for ratio in ("gross_margin", "discount_rate", "days_to_pay", "growth", "return_rate"):
        assert metrics.schema[ratio] == pl.Float64


def test_who_is_in_the_period(year_metrics):
    # 1 active, 2 active in the previous period, 3 still owes, 4 active, 5 cost to serve;
    # 6 only after the period end
    assert sorted(year_metrics) == [1, 2, 3, 4, 5]


def test_sums_margin_discount_and_returns(year_metrics):
    steady = year_metrics[1]
    assert steady["revenue"] == D("5000.00")  # 2,000 + 3,000
    assert steady["cost"] == D("3300.00")  # 1,200 + 2,100
    assert steady["gross_profit"] == D("1700.00")
    assert steady["gross_margin"] == pytest.approx(0.34)  # 1,700 ÷ 5,000
    assert steady["discount_rate"] == pytest.approx(500 / 5500)  # off the 5,500 list price
    assert steady["return_rate"] == pytest.approx(200 / 5200)  # of 5,200 sold before returns
    assert steady["uncosted_revenue"] == D("0.00")
    assert steady["uncosted_share"] == pytest.approx(0.0)  # every line had its cost
    assert (steady["orders"], steady["lines"], steady["return_lines"]) == (3, 8, 1)


def test_active_months_count_orders_or_revenue(year_metrics):
    assert year_metrics[1]["active_months"] == 2  # Jan, Mar; July only collected
    assert year_metrics[4]["active_months"] == 2  # Feb bought, Apr returned (≠ 0)


def test_cash_and_days_to_pay(year_metrics):
    steady = year_metrics[1]
    assert steady["cash_collected"] == D("5000.00")  # 1,000 + 2,000 + 2,000
    # amount-weighted: (1,000 × 30 + 3,000 × 60) ÷ 4,000 = 52.5 days
    assert steady["days_to_pay"] == pytest.approx(52.5)
    assert year_metrics[3]["days_to_pay"] is None  # nothing paid


def test_receivables_at_period_end(year_metrics):
    # Σ revenue 6,000 − Σ collected 5,000, all months up to 2025-12
    assert year_metrics[1]["receivables"] == D("1000.00")
    assert year_metrics[3]["receivables"] == D("500.00")
    # 4 paid 100 for goods it returned: −100, floored at 0
    assert year_metrics[4]["receivables"] == D("0.00")


def test_financing_cost_charges_month_end_receivables(year_metrics):
    # 1: month ends Jan 2,000 (1,000 + 2,000 − 1,000), Feb 2,000, Mar–Jun 3,000 × 4,
    #    Jul–Dec 1,000 × 6 → Σ 22,000; average 1,833.33; 22,000 × 4.35% ÷ 12 = 79.75
    assert year_metrics[1]["average_receivables"] == D("1833.33")
    assert year_metrics[1]["financing_cost"] == D("79.75")
    # 3: 500 all year → 500 × 12 × 4.35% ÷ 12 = 21.75
    assert year_metrics[3]["financing_cost"] == D("21.75")
    # 4: Feb 100, Mar 100, then 0 and −100 (floored) → Σ 200 → 0.725 → 0.73 (half up)
    assert year_metrics[4]["financing_cost"] == D("0.73")


def test_cost_to_serve_and_net_contribution(year_metrics):
    steady = year_metrics[1]
    assert steady["cost_to_serve"] == D("150.50")  # 100 + 50.50; the 2024 visit is outside
    assert steady["net_contribution"] == D("1469.75")  # 1,700 − 150.50 − 79.75
    assert year_metrics[3]["net_contribution"] == D("-21.75")
    assert year_metrics[5]["cost_to_serve"] == D("300.00")
    assert year_metrics[5]["net_contribution"] == D("-300.00")


def test_growth_against_the_previous_period(year_metrics):
    assert year_metrics[1]["revenue_prev"] == D("1000.00")
    assert year_metrics[1]["growth"] == pytest.approx(4.0)  # 5,000 ÷ 1,000 − 1
    assert year_metrics[2]["growth"] == pytest.approx(-1.0)
    assert year_metrics[3]["growth"] is None  # nothing before: no growth rate


def test_ratios_are_null_without_revenue(year_metrics):
    lapsed = year_metrics[2]
    assert lapsed["revenue"] == D("0.00")
    for ratio in ("gross_margin", "discount_rate", "uncosted_share", "return_rate"):
        assert lapsed[ratio] is None
    assert year_metrics[4]["return_rate"] == pytest.approx(1.0)  # 100 ÷ (0 + 100)


def test_a_quarter_annualises_and_rounds_half_up():
    months, costs = ledger()
    q1 = by_account(account_metrics(months, costs, Period.quarter(2025, 1)))
    steady = q1[1]
    assert steady["revenue"] == D("5000.00")
    assert steady["revenue_prev"] == D("0.00")  # 2024 Q4 had nothing
    assert steady["growth"] is None
    assert steady["annualised_revenue"] == D("20000.00")  # × 4
    assert steady["orders_per_year"] == pytest.approx(12.0)  # 3 × 4
    # month ends 2,000 + 2,000 + 3,000 = 7,000 → 7,000 × 4.35% ÷ 12 = 25.375 → 25.38
    assert steady["financing_cost"] == D("25.38")
    assert steady["average_receivables"] == D("2333.33")  # 7,000 ÷ 3
    # 3: 500 × 3 × 4.35% ÷ 12 = 5.4375 → 5.44
    assert q1[3]["financing_cost"] == D("5.44")


def test_financing_rate_comes_from_the_policy():
    months, costs = ledger()
    policy = Policy(metrics=MetricsPolicy(financing_rate=D("0.06")))
    steady = by_account(account_metrics(months, costs, YEAR, policy))[1]
    assert steady["financing_cost"] == D("110.00")  # 22,000 × 6% ÷ 12


def test_empty_inputs_give_an_empty_frame():
    metrics = account_metrics(frames.months_frame(), None, YEAR)
    assert metrics.is_empty()
    assert tuple(metrics.columns) == METRIC_COLUMNS


def test_wrong_schema_is_refused_with_the_column_named():
    months, _costs = ledger()
    with pytest.raises(ValueError, match="revenue is Float64"):
        account_metrics(months.with_columns(pl.col("revenue").cast(pl.Float64)), None, YEAR)


# ---------------------------------------------------------------- rankings


def test_rank_by_revenue_with_shares(year_metrics):
    months, costs = ledger()
    ranking = rank_by(account_metrics(months, costs, YEAR), "revenue")
    assert ranking.get_column("account_id").to_list()[:1] == [1]
    top = ranking.row(0, named=True)
    assert top["rank"] == 1
    # total revenue 5,000 + 0 + 0 + 0 + 0 (4 bought and returned): account 1 has it all
    assert top["share"] == pytest.approx(1.0)
    # the four zero-revenue accounts tie for second place
    assert ranking.get_column("rank").to_list() == [1, 2, 2, 2, 2]


def test_rank_ascending_and_unknown_metric():
    metrics = pl.DataFrame({"account_id": [1, 2, 3], "days_to_pay": [30.0, None, 90.0]})
    ranking = rank_by(metrics, "days_to_pay", descending=False)
    assert ranking.get_column("account_id").to_list() == [1, 3, 2]  # nulls last
    assert ranking.get_column("rank").to_list() == [1, 2, None]
    with pytest.raises(ValueError):
        rank_by(metrics, "nonsense")


def test_percentile_rank_in_unit_interval_with_ties_averaged():
    frame = pl.DataFrame({"x": [10.0, 20.0, 20.0, 40.0, None]})
    ranks = frame.select(percentile_rank(pl.col("x"))).to_series().to_list()
    # ranks 1, 2.5, 2.5, 4 among n = 4 → (r − 1) ÷ 3
    assert ranks == pytest.approx([0.0, 0.5, 0.5, 1.0, None])
    lone = pl.DataFrame({"x": [7.0]}).select(percentile_rank(pl.col("x"))).item()
    assert lone == 0.5


# ---------------------------------------------------------------- properties

MONTHS_2024_2025 = [ym(2024, m) for m in range(1, 13)] + [ym(2025, m) for m in range(1, 13)]
cents = st.integers(min_value=-50_000, max_value=5_000_000).map(lambda c: D(c) / 100)
positive_cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: D(c) / 100)
month_rows = st.dictionaries(
    keys=st.tuples(st.integers(1, 6), st.sampled_from(MONTHS_2024_2025)),
    values=st.fixed_dictionaries(
        {
            "revenue": cents,
            "cost": positive_cents,
            "discount": positive_cents,
            "collected": positive_cents,
            "paid_amount": positive_cents,
            "orders": st.integers(0, 9),
            "lines": st.integers(0, 30),
        }
    ),
    max_size=40,
)
cost_rows = st.lists(
    st.fixed_dictionaries(
        {
            "account_id": st.integers(1, 7),
            "month": st.sampled_from(MONTHS_2024_2025),
            "category": st.sampled_from(["visits", "freight", "samples"]),
            "amount": positive_cents,
        }
    ),
    max_size=10,
)


def build(rows: dict, costs: list) -> tuple[pl.DataFrame, pl.DataFrame]:
    months = frames.months_frame(
        [{"account_id": a, "month": m, **values} for (a, m), values in rows.items()]
    )
    return months, frames.costs_frame(costs)


@settings(max_examples=60, deadline=None)
@given(rows=month_rows, costs=cost_rows)
def test_totals_over_accounts_equal_the_months(rows, costs):
    months, cost_frame = build(rows, costs)
    metrics = account_metrics(months, cost_frame, YEAR)
    in_year = months.filter(pl.col("month").is_between(YEAR.start, YEAR.end))
    for metric, column in [
        ("revenue", "revenue"),
        ("cost", "cost"),
        ("discount", "discount"),
        ("cash_collected", "collected"),
        ("orders", "orders"),
        ("lines", "lines"),
    ]:
        assert metrics.get_column(metric).sum() == in_year.get_column(column).sum(), metric
    spent = cost_frame.filter(pl.col("month").is_between(YEAR.start, YEAR.end))
    assert metrics.get_column("cost_to_serve").sum() == spent.get_column("amount").sum()


@settings(max_examples=40, deadline=None)
@given(rows=month_rows, costs=cost_rows, seed=st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows, costs, seed):
    months, cost_frame = build(rows, costs)
    order = list(range(months.height))
    seed.shuffle(order)
    shuffled = months[order]
    assert account_metrics(shuffled, cost_frame, YEAR).equals(
        account_metrics(months, cost_frame, YEAR)
    )


@settings(max_examples=60, deadline=None)
@given(rows=month_rows, costs=cost_rows)
def test_halves_add_up_to_the_year(rows, costs):
    months, cost_frame = build(rows, costs)
    parts = [
        account_metrics(months, cost_frame, period)
        for period in (
            Period.between(ym(2025, 1), ym(2025, 6)),
            Period.between(ym(2025, 7), ym(2025, 12)),
        )
    ]
    year = account_metrics(months, cost_frame, YEAR)
    additive = ["revenue", "cost", "gross_profit", "orders", "lines", "cash_collected"]
    additive += ["cost_to_serve"]
    halves = (
        pl.concat([p.select("account_id", *additive, "financing_cost") for p in parts])
        .group_by("account_id")
        .agg(pl.exclude("account_id").sum())
    )
    joined = year.join(halves, on="account_id", how="full", coalesce=True, suffix="_h")
    for row in joined.iter_rows(named=True):
        for metric in additive:
            assert (row[metric] or 0) == (row[f"{metric}_h"] or 0), (metric, row["account_id"])
        # financing is charged month by month, so it adds up too, to the cent per half
        gap = abs((row["financing_cost"] or 0) - (row["financing_cost_h"] or 0))
        assert gap <= D("0.02")


@settings(max_examples=40, deadline=None)
@given(rows=month_rows)
def test_receivables_never_negative_and_match_the_ledger(rows):
    months, _ = build(rows, [])
    metrics = account_metrics(months, None, YEAR)
    assert (metrics.get_column("receivables") >= 0).all()
    owed = (
        months.group_by("account_id")
        .agg((pl.col("revenue") - pl.col("collected")).sum().alias("owed"))
        .filter(pl.col("owed") > 0)
    )
    expected = dict(owed.iter_rows())
    got = {a: r for a, r in metrics.select("account_id", "receivables").iter_rows() if r > 0}
    assert got == expected

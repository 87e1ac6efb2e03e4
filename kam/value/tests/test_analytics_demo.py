"""The analytics read the demo company's story right: every planted false key account is
found as its kind, nobody else is, and the genuine key accounts make the top tiers.

The demo's order lines are rolled up here the way the importer's SQL does it (by order
month, cash by the month it came in), without a database.
"""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from kam.demo import generator as g
from kam.value.analytics import Period, analyze, frames, health_by_year

pytestmark = pytest.mark.slow


def cents(column: str) -> pl.Expr:
    return (pl.col(column).cast(frames.MONEY) / 100).cast(frames.MONEY)


def rollup(lines: pl.DataFrame) -> pl.DataFrame:
    by_order = lines.group_by("account_id", "month").agg(
        revenue=cents("amount").sum(),
        cost=cents("cost").sum(),
        discount=cents("discount").sum(),
        quantity=pl.col("quantity").sum(),
        lines=pl.len(),
        orders=pl.col("order_no").n_unique(),
        return_amount=pl.when(pl.col("amount") < 0).then(-cents("amount")).otherwise(0).sum(),
        return_lines=(pl.col("amount") < 0).sum(),
        paid_amount=cents("paid").fill_null(0).sum(),
        paid_days_amount=(cents("paid") * pl.col("days")).fill_null(0).sum(),
    )
    by_payment = (
        lines.filter(pl.col("paid").is_not_null())
        .group_by("account_id", pl.col("paid_month").alias("month"))
        .agg(collected=cents("paid").sum())
    )
    return frames.months_frame(pl.concat([by_order, by_payment], how="diagonal_relaxed"))


@pytest.fixture(scope="module")
def demo():
    data = g.generate(seed=2026, scale=1.0)
    codes = {account.code: i for i, account in enumerate(data.accounts, start=1)}
    lines = pl.DataFrame([line._asdict() for line in data.iter_lines()], infer_schema_length=None)
    lines = lines.with_columns(
        account_id=pl.col("customer_code").replace_strict(codes, return_dtype=pl.Int64),
        month=pl.col("day").dt.truncate("1mo"),
        paid_month=pl.col("paid_date").dt.truncate("1mo"),
        days=(pl.col("paid_date") - pl.col("day")).dt.total_days(),
    )
    costs = frames.costs_frame(
        [
            {
                "account_id": codes[c.account_code],
                "date": c.date,
                "category": c.category,
                "amount": Decimal(c.amount) / 100,
            }
            for c in data.costs
        ]
    )
    accounts = frames.accounts_frame(
        [{"account_id": i, "code": code, "name": code} for code, i in codes.items()]
    )
    return rollup(lines), costs, accounts, codes


@pytest.mark.parametrize("year", g.YEARS)
def test_planted_false_key_accounts_are_found_and_nobody_else(demo, year):
    months, costs, accounts, codes = demo
    analysis = analyze(months, costs, accounts, None, None, Period.year(year))
    code_of = {i: code for code, i in codes.items()}
    found = {(code_of[f.account_id], f.kind) for f in analysis.flags}
    in_period = set(analysis.metrics.get_column("account_id").to_list())
    # a one-off is a false key account of the periods within 12 months of its purchase
    # (the look-back); a 2023 big ticket says nothing about 2025
    since = date(year - 1, 1, 1)
    event = {
        code_of[a]: m
        for a, m in months.filter(pl.col("revenue") > 0)
        .sort("revenue", descending=True)
        .unique("account_id", keep="first")
        .select("account_id", "month")
        .iter_rows()
    }
    one_offs = (g.GROUP_BUY, g.ONE_OFF_BIG_TICKET)
    planted = {
        (code, kind)
        for code, kind in g.PLANTED.items()
        if kind != g.GENUINE_KEY
        and codes[code] in in_period
        and (kind not in one_offs or since <= event[code] <= date(year, 12, 1))
    }
    assert found == planted
    for flag in analysis.flags:
        if flag.kind in one_offs:
            assert flag.month == event[code_of[flag.account_id]]
    tiers = {code_of[a]: str(t) for a, t in analysis.tiers.select("account_id", "tier").iter_rows()}
    for code, kind in g.PLANTED.items():
        if kind == g.GENUINE_KEY:
            assert tiers[code] in ("diamond", "gold"), code


def test_health_trend_matches_the_story(demo):
    months, _costs, _accounts, _codes = demo
    health = {r["year"]: r for r in health_by_year(months).iter_rows(named=True)}
    assert health[2023]["meets_minimum"] is False
    assert health[2024]["meets_minimum"] is True
    assert health[2025]["meets_minimum"] is True
    assert health[2024]["change"] > 0 and health[2025]["change"] > 0


@pytest.mark.parametrize(
    "period", [Period.year(2024), Period.year(2025), Period.quarter(2025, 2)], ids=str
)
def test_the_rollup_by_year_gives_the_same_flags_and_health_as_the_months(demo, period):
    """The loaders hand the analysis the whole history by year (frames.years_of) to save
    summing two million months twice; nothing a user sees may change by it."""
    months, costs, accounts, _codes = demo
    plain = analyze(months, costs, accounts, None, None, period)
    fast = analyze(months, costs, accounts, None, None, period, years=frames.years_of(months))
    assert fast.flags == plain.flags
    assert fast.health_by_year.equals(plain.health_by_year)
    assert fast.tiers.equals(plain.tiers)


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_a_years_metrics_from_the_rollup_by_year_equal_those_from_the_months(demo, year):
    """A calendar year reads its sums, last year's revenue and the opening receivable from
    frames.years_of; every figure must be what summing the months gives."""
    from kam.value.analytics.metrics import account_metrics

    months, costs, _accounts, _codes = demo
    period = Period.year(year)
    from_months = account_metrics(months, costs, period)
    from_years = account_metrics(months, costs, period, years=frames.years_of(months))
    assert from_years.equals(from_months)

"""The 80/20 rule (M1.4, 二八法则) and portfolio health (M1.5, 大客户健康度).

"20% of customers bring 80% of profit" [002][004]; "the top ten customers' share of
annual revenue must reach 50%; that is the minimum standard" [001].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from . import frames
from .policy import Policy

ParetoValue = Literal["revenue", "gross_profit"]


@dataclass(frozen=True)
class Pareto:
    """A cumulative (Lorenz/Pareto) curve over the accounts that bought in the period.

    curve: account_share (x, 0..1, accounts sorted by value, largest first) and
    value_share (y, cumulative share of the total), at most ~`curve_points` points plus
    the curve's peak. top_value_share: y at x = top_share, computed from every account.
    """

    value: str
    accounts: int
    total: Decimal | None
    top_share: float
    top_value_share: float | None
    curve: pl.DataFrame


def pareto(
    metrics: pl.DataFrame, value: ParetoValue = "revenue", policy: Policy | None = None
) -> Pareto:
    """The cumulative curve of `value` and the share held by the top 20% of accounts.

    Population: accounts that bought in the period (revenue > 0), for both revenue and
    profit, so the two curves count the same customers. Shares are of the total over
    that population, losses included: for gross profit the curve can climb above 1 and
    come back down (the "whale curve" — the best 20% may earn 120% of the profit, and
    the loss-makers give 20% back), which is the point of looking. With a total ≤ 0 the
    shares are null.

    The top-20% share is the curve's exact value at x = 0.2: with n accounts, the
    largest ⌊0.2n⌋ in full plus the fractional part of the next (5 accounts: the top
    one; 7 accounts: the top one and 40% of the second).
    """
    policy = policy or Policy()
    if value not in ("revenue", "gross_profit"):
        raise ValueError(f"pareto value must be revenue or gross_profit, not {value!r}")
    values = (
        metrics.filter(pl.col("revenue") > 0)
        .sort(value, "account_id", descending=[True, False])
        .get_column(value)
    )
    n = values.len()
    if values.null_count():
        empty = pl.DataFrame(schema={"account_share": pl.Float64, "value_share": pl.Float64})
        return Pareto(value, n, None, policy.portfolio.top_share, None, empty)
    total = Decimal(values.sum()) if n else Decimal("0.00")
    top = policy.portfolio.top_share
    if n == 0 or total <= 0:
        empty = pl.DataFrame(schema={"account_share": pl.Float64, "value_share": pl.Float64})
        return Pareto(value, n, total, top, None, empty)
    cumulative = values.cum_sum()
    top_value = _at_fraction(values, cumulative, top * n)
    curve = _sample_curve(cumulative, total, policy.portfolio.curve_points)
    return Pareto(value, n, total, top, float(top_value / total), curve)


def _at_fraction(values: pl.Series, cumulative: pl.Series, accounts: float) -> Decimal:
    """Σ of the first `accounts` values, the last one counted in part."""
    whole = math.floor(accounts + 1e-9)
    part = Decimal(str(round(accounts - whole, 9)))
    total = Decimal(cumulative[whole - 1]) if whole > 0 else Decimal(0)
    if whole < values.len() and part > 0:
        total += part * Decimal(values[whole])
    return total


def _sample_curve(cumulative: pl.Series, total: Decimal, points: int) -> pl.DataFrame:
    """(0, 0), then ~`points` evenly spaced accounts, the last, and the highest point."""
    n = cumulative.len()
    step = max(1, n // max(points, 1))
    positions = set(range(step, n + 1, step)) | {n, int(cumulative.arg_max() or 0) + 1}
    picks = sorted(positions)
    y = cumulative.cast(pl.Float64).gather([p - 1 for p in picks]) / float(total)
    return pl.DataFrame(
        {
            "account_share": [0.0] + [p / n for p in picks],
            "value_share": [0.0, *y.to_list()],
        }
    )


# ---------------------------------------------------------------- health


@dataclass(frozen=True)
class Health:
    """Concentration of one period's revenue: the top-N share against the minimum, and
    the Herfindahl–Hirschman index (Σ share², 0..1; 1 = one customer)."""

    accounts: int
    revenue: Decimal
    top_n: int
    top_revenue_share: float | None
    meets_minimum: bool | None
    hhi: float | None


def concentration(revenue: pl.Expr, top_n: int) -> dict[str, pl.Expr]:
    """Aggregations over a group of per-account revenues (works inside group_by).

    Both over the accounts that bought (revenue > 0), as the Pareto curve: an account
    whose returns outweighed its purchases is not a customer of that year, and counting
    its negative revenue in the total could push a top-10 share above 100%.
    top-N share: Σ of the N largest ÷ their total. HHI: Σ share² (1 = one customer).
    """
    positive = revenue.filter(revenue > 0).cast(pl.Float64)
    total = positive.sum()
    return {
        "accounts": positive.count().cast(pl.Int64),
        "revenue": revenue.filter(revenue > 0).sum(),
        "top_revenue_share": pl.when(total > 0).then(positive.top_k(top_n).sum() / total),
        "hhi": pl.when(total > 0).then(((positive / total) ** 2).sum()),
    }


def portfolio_health(metrics: pl.DataFrame, policy: Policy | None = None) -> Health:
    """Health of the analysed period (from account metrics)."""
    policy = policy or Policy()
    rules = policy.portfolio
    row = metrics.select(**concentration(pl.col("revenue"), rules.health_top_n)).row(0, named=True)
    share = row["top_revenue_share"]
    return Health(
        accounts=row["accounts"],
        revenue=row["revenue"] if row["revenue"] is not None else Decimal("0.00"),
        top_n=rules.health_top_n,
        top_revenue_share=share,
        meets_minimum=None if share is None else share >= rules.health_minimum,
        hhi=row["hhi"],
    )


def health_by_year(months: pl.DataFrame, policy: Policy | None = None) -> pl.DataFrame:
    """Per calendar year: accounts (that bought), revenue (theirs), months (with any data — a
    current, partial year shows fewer than 12), top10_revenue_share, meets_minimum
    (≥ 50%), change (share − previous year's share; null when that year has no data),
    hhi. Takes a months frame or, faster, the same months by year (`frames.years_of`)."""
    policy = policy or Policy()
    rules = policy.portfolio
    years = months if "year" in months.columns else frames.years_of(months)
    frames.require(years, frames.YEARS, "years")
    months_with_data = years.lazy().group_by("year").agg(months=pl.col("data_months").first())
    stats = concentration(pl.col("revenue"), rules.health_top_n)
    return (
        years.lazy()
        .group_by("year")
        .agg(**stats)
        .join(months_with_data, on="year", how="left")
        .sort("year")
        .rename({"top_revenue_share": "top10_revenue_share"})
        .with_columns(
            meets_minimum=pl.col("top10_revenue_share") >= rules.health_minimum,
            change=pl.when(pl.col("year").diff() == 1).then(pl.col("top10_revenue_share").diff()),
        )
        .select(
            "year",
            "accounts",
            "revenue",
            "months",
            "top10_revenue_share",
            "meets_minimum",
            "change",
            "hhi",
        )
        .collect()
    )

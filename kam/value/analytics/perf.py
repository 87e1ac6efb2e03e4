"""Timings of the analytics at scale: `python -m kam.value.analytics.perf [accounts] [months]`.

Builds synthetic frames (100,000 accounts × 36 months by default, one rollup row per
account and month) and prints the median of three runs of each step. A benchmark that
prints figures, not a test: timings depend on the machine, and a timed test fails for
reasons that are not bugs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

import polars as pl

from . import frames
from .analysis import analyze
from .flags import flag_accounts
from .metrics import account_metrics
from .pareto import health_by_year, pareto
from .periods import Period, add_months
from .pnl import account_pnl, costs_by_category, team_pnl
from .policy import Policy, TierPolicy
from .tiers import assign_tiers, value_scores, what_if

CATEGORIES = ("visits", "service", "freight", "samples", "rebates")


def _noise(seed: int) -> pl.Expr:
    """A deterministic pseudo-random float in [0, 1) per row."""
    return (pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed) % 1_000_000) / 1_000_000


def _cents(expr: pl.Expr) -> pl.Expr:
    return (expr.round(0).cast(pl.Int64).cast(frames.MONEY) / 100).cast(frames.MONEY)


def synthetic_months(accounts: int, months: int, first: date) -> pl.DataFrame:
    """A Pareto-shaped portfolio: account size falls off as a power law of its id."""
    n = accounts * months
    base = pl.DataFrame({"row": pl.int_range(n, eager=True, dtype=pl.Int64)})
    index = pl.col("row") % months
    size = 2_000_000_000 / (pl.col("account_id") + 10).cast(pl.Float64) ** 1.1
    revenue = size * (0.5 + _noise(1))
    frame = base.with_columns(account_id=pl.col("row") // months + 1, _i=index).with_columns(
        month=pl.lit(first).dt.offset_by(pl.format("{}mo", pl.col("_i"))),
        _rev=revenue,
        _margin=0.05 + 0.3 * _noise(2),
        _orders=(1 + 20 * _noise(3)).floor().cast(pl.Int64),
    )
    return frame.select(
        "account_id",
        "month",
        revenue=_cents(pl.col("_rev") * 100),
        cost=_cents(pl.col("_rev") * (1 - pl.col("_margin")) * 100),
        uncosted_revenue=_cents(pl.lit(0.0)),
        discount=_cents(pl.col("_rev") * 0.05 * _noise(4) * 100),
        quantity=(pl.col("_rev") / 100).round(0).cast(frames.QUANTITY),
        return_amount=_cents(pl.col("_rev") * 0.02 * _noise(5) * 100),
        paid_amount=_cents(pl.col("_rev") * 0.9 * 100),
        paid_days_amount=_cents(pl.col("_rev") * 0.9 * (30 + 90 * _noise(6)) * 100),
        collected=_cents(pl.col("_rev") * (0.8 + 0.2 * _noise(7)) * 100),
        tracked_revenue=_cents(pl.col("_rev") * 100),
        lines=pl.col("_orders") * 3,
        orders=pl.col("_orders"),
        return_lines=(pl.col("_orders") // 10),
    )


def synthetic_costs(accounts: int, months: int, first: date) -> pl.DataFrame:
    """One cost-to-serve entry per account, quarter and category."""
    quarters = max(1, months // 3)
    n = accounts * quarters * len(CATEGORIES)
    base = pl.DataFrame({"row": pl.int_range(n, eager=True, dtype=pl.Int64)})
    per_account = quarters * len(CATEGORIES)
    return base.select(
        account_id=pl.col("row") // per_account + 1,
        month=pl.lit(first).dt.offset_by(
            pl.format("{}mo", (pl.col("row") % per_account) // len(CATEGORIES) * 3)
        ),
        category=pl.col("row")
        .mod(len(CATEGORIES))
        .replace_strict(dict(enumerate(CATEGORIES)), return_dtype=pl.String),
        amount=_cents(1_000_000 * _noise(8)),
    )


def synthetic_team(accounts: int) -> pl.DataFrame:
    """Every account has an owner (one of 500 KAMs) and a technical lead (one of 100)."""
    ids = pl.int_range(1, accounts + 1, eager=True, dtype=pl.Int64)
    owners = pl.DataFrame({"account_id": ids}).with_columns(
        user_id=pl.col("account_id") % 500 + 1, department=pl.lit("销售部"), role=pl.lit("kam")
    )
    leads = pl.DataFrame({"account_id": ids}).with_columns(
        user_id=pl.col("account_id") % 100 + 1001,
        department=pl.lit("技术部"),
        role=pl.lit("technical_lead"),
    )
    return pl.concat([owners, leads])


def timed(label: str, fn: Callable[[], object], runs: int = 3) -> object:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    print(f"{label:<32} {statistics.median(seconds):7.3f} s  (min {min(seconds):.3f})")
    return result


def main(accounts: int = 100_000, months: int = 36) -> None:
    first = date(2023, 1, 1)
    started = time.perf_counter()
    month_rows = synthetic_months(accounts, months, first)
    costs = synthetic_costs(accounts, months, first)
    team = synthetic_team(accounts)
    print(
        f"{accounts:,} accounts × {months} months: {month_rows.height:,} month rows, "
        f"{costs.height:,} cost rows, built in {time.perf_counter() - started:.1f} s; "
        f"{pl.thread_pool_size()} threads; load average {os.getloadavg()[0]:.2f} "
        "(anything else running skews the figures)"
    )
    last = add_months(first, months - 1)
    period = Period.between(add_months(last, -11), last)
    policy = Policy()
    metrics = timed("account_metrics (1 year)", lambda: account_metrics(month_rows, costs, period))
    shuffled = month_rows.sample(fraction=1.0, shuffle=True, seed=1)
    timed("account_metrics (rows shuffled)", lambda: account_metrics(shuffled, costs, period))
    scores = timed("value_scores", lambda: value_scores(metrics, policy))
    flags = timed("flag_accounts", lambda: flag_accounts(metrics, month_rows, period, policy))
    tiers = timed(
        "assign_tiers",
        lambda: assign_tiers(metrics, policy, scores=scores, flags=flags),
    )
    absolute = Policy(tiers=TierPolicy(method="absolute"))
    timed("what_if (→ absolute)", lambda: what_if(metrics, tiers, absolute))
    timed("pareto (revenue + profit)", lambda: (pareto(metrics), pareto(metrics, "gross_profit")))
    timed("health_by_year", lambda: health_by_year(month_rows, policy))
    pnl = timed("account_pnl", lambda: account_pnl(metrics, costs_by_category(costs, period)))
    timed("team_pnl", lambda: team_pnl(pnl, team))
    timed("analyze (everything)", lambda: analyze(month_rows, costs, None, None, team, period))
    print(f"{len(flags):,} flags; {metrics.height:,} accounts in the metrics")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))

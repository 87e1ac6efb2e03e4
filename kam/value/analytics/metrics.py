"""Per-account metrics for a period (M1.1), computed from the monthly rollup.

Everything is a vectorised Polars plan over the months frame: filters, group-bys and
one sort, no Python loop per account, so 100,000 accounts × 36 months stay well under a
second. Money stays Decimal(38, 2); where we multiply or divide money we round half away
from zero (the accountant's "half up") to cents. Ratios are Float64 fractions.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from . import frames
from .frames import MONEY
from .periods import Comparison, Period
from .policy import Policy

SUMMED = (
    "revenue",
    "cost",
    "uncosted_revenue",
    "discount",
    "quantity",
    "return_amount",
    "paid_amount",
    "paid_days_amount",
    "collected",
    "tracked_revenue",
    "lines",
    "orders",
    "return_lines",
)

METRIC_COLUMNS = (
    "account_id",
    "revenue",
    "cost",
    "gross_profit",
    "gross_margin",
    "discount",
    "discount_rate",
    "uncosted_revenue",
    "uncosted_share",
    "quantity",
    "return_amount",
    "return_rate",
    "cash_collected",
    "paid_amount",
    "days_to_pay",
    "receivables",
    "average_receivables",
    "orders",
    "lines",
    "return_lines",
    "active_months",
    "revenue_prev",
    "growth",
    "annualised_revenue",
    "orders_per_year",
    "cost_to_serve",
    "financing_cost",
    "net_contribution",
)
"""The columns of `account_metrics`, in order."""

ADDITIVE = (
    "revenue",
    "cost",
    "gross_profit",
    "discount",
    "uncosted_revenue",
    "return_amount",
    "cash_collected",
    "paid_amount",
    "orders",
    "lines",
    "return_lines",
    "cost_to_serve",
)
"""Metrics that add up across periods and across accounts."""

_INT64_SAFE = 2**62


def to_cents(expr: pl.Expr) -> pl.Expr:
    """Round a Decimal expression half away from zero to Decimal(38, 2)."""
    return expr.round(2, mode="half_away_from_zero").cast(MONEY)


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator ÷ denominator as Float64, null when the denominator is not positive: a
    share of nothing (or of a net return) has no meaning, and 0 would pretend it has."""
    return (
        pl.when(denominator > 0)
        .then(numerator.cast(pl.Float64) / denominator.cast(pl.Float64))
        .otherwise(None)
    )


def month_index(period: Period) -> pl.Expr:
    """0 for the period's first month, 1 for the next …; negative before the period."""
    month = pl.col("month")
    base = period.start.year * 12 + period.start.month
    return (month.dt.year().cast(pl.Int64) * 12 + month.dt.month().cast(pl.Int64)) - base


def account_metrics(
    months: pl.DataFrame,
    costs: pl.DataFrame | None,
    period: Period,
    policy: Policy | None = None,
    *,
    years: pl.DataFrame | None = None,
    data: Period | None = None,
) -> pl.DataFrame:
    """One row per account with activity in `period` or the one before, an open
    receivable at the period's end, or cost to serve in the period.

    Columns (METRIC_COLUMNS): sums over the period's months; gross_profit = revenue −
    cost; gross_margin = gross_profit ÷ revenue; discount_rate = discount ÷ (revenue +
    discount), the share taken off list price; return_rate = returns ÷ (revenue +
    returns), since revenue is already net of returned lines; uncosted_revenue = revenue
    whose cost the ERP export lacked, uncosted_share = that ÷ revenue; cash_collected =
    money received in the period, whatever month the goods were ordered; days_to_pay =
    Σ days × amount ÷ Σ amount paid for the period's orders; active_months = months with
    revenue ≠ 0 or an order; growth = revenue ÷ revenue_prev − 1, where revenue_prev is the
    revenue of the previous period (`Period.previous`). Both are null when the data does
    not cover the two periods (`data`, the first to the last month with any sales,
    default the months given: see `Comparison`), and growth is null for an account with
    no revenue in the previous period (a new account has nothing to grow from).
    annualised_revenue and orders_per_year divide by period.years, so tiers and flags
    read the same on a quarter as on a year.

    receivables = Σ tracked revenue − Σ collected over all months up to the period end,
    never below 0. financing_cost charges every month-end receivable of the period (also
    floored at 0) at the annual rate ÷ 12, which equals average month-end receivables ×
    rate × period.years and adds up across periods. net_contribution = gross_profit −
    cost_to_serve − financing_cost. Ratios are null where their denominator is ≤ 0.

    Unknown is not zero (null, never 0, where the input lacks a figure):
    - cost is known for an account in the period when none of its revenue lacks a cost
      (uncosted_revenue = 0); otherwise cost, gross_profit and gross_margin are null.
      Not a margin on the costed part: the part without cost is rarely a random sample
      (a product line, a second ERP), so that margin would rank and tier the account on
      figures nobody chose; uncosted_share says how much is missing.
    - payments are known when all its revenue in the period came from exports with
      payment columns (tracked_revenue = revenue) and its sales up to the period end did
      not all come without payment data (an account that never bought owes nothing);
      otherwise cash_collected, receivables, average_receivables and financing_cost are
      null (cash_collected also when the period has neither payments nor tracked
      revenue).
    - net_contribution is null when gross_profit or financing_cost is.
    """
    policy = policy or Policy()
    frames.require(months, frames.MONTHS, "months")
    costs = frames.empty(frames.COSTS) if costs is None else costs
    frames.require(costs, frames.COSTS, "costs")

    lf = months.lazy().filter(pl.col("month") <= period.end)
    in_period = lf.filter(pl.col("month") >= period.start)
    if years is not None and period.is_calendar_year:
        sums, prev, opening = _from_years(years.lazy(), period.start.year)
    else:
        sums, prev, opening = _from_months(lf, in_period, period)
    cts = (
        costs.lazy()
        .filter(pl.col("month").is_between(period.start, period.end))
        .group_by("account_id")
        .agg(cost_to_serve=pl.col("amount").sum(), _in_costs=pl.len())
    )
    balances = _receivable_balances(
        opening.select("account_id", "change"), in_period, period, _sort_key_fits(months, period)
    )
    history = opening.select("account_id", *_HISTORY_NAMES)

    joined = sums
    for other in (prev, balances, cts, history):
        joined = joined.join(other, on="account_id", how="full", coalesce=True)
    active = (
        pl.col("_in_period").is_not_null()
        | pl.col("_in_prev").is_not_null()
        | pl.col("_in_costs").is_not_null()
        | (pl.col("_closing") > 0)
    )
    comparable = Comparison.of(period, data or data_months(months)).comparable
    plan = joined.filter(active).pipe(_fill_zeros).pipe(_derive, period, policy)
    plan = plan.pipe(_growth, comparable)
    return plan.select(METRIC_COLUMNS).sort("account_id").collect()


def _from_months(lf: pl.LazyFrame, in_period: pl.LazyFrame, period: Period) -> tuple:
    """The period's sums, the previous period's revenue and the receivable balance before
    the period, summed from the months."""
    previous = period.previous()
    # plain column sums keep Polars on its fast group-by path: derive columns first
    active = ((pl.col("revenue") != 0) | (pl.col("orders") > 0)).cast(pl.Int64)
    sums = (
        in_period.with_columns(active_months=active)
        .group_by("account_id")
        .agg(*[pl.col(c).sum() for c in (*SUMMED, "active_months")], _in_period=pl.len())
    )
    prev = (
        lf.filter(pl.col("month").is_between(previous.start, previous.end))
        .group_by("account_id")
        .agg(revenue_prev=pl.col("revenue").sum(), _in_prev=pl.len())
    )
    opening = (
        lf.filter(pl.col("month") < period.start)
        .select("account_id", _CHANGE, *_HISTORY)
        .group_by("account_id")
        .agg(pl.col("change").sum(), pl.col(*_HISTORY_NAMES).any())
    )
    return sums, prev, opening


def _from_years(years: pl.LazyFrame, year: int) -> tuple:
    """The same three, for a calendar year, read from the rollup by year (frames.YEARS):
    a row per account and year instead of twelve."""
    this = years.filter(pl.col("year") == year)
    sums = this.select("account_id", *SUMMED, "active_months", _in_period=pl.col("rows"))
    prev = years.filter(pl.col("year") == year - 1).select(
        "account_id", revenue_prev=pl.col("revenue"), _in_prev=pl.col("rows")
    )
    opening = (
        years.filter(pl.col("year") < year)
        .select("account_id", _CHANGE, *_HISTORY)
        .group_by("account_id")
        .agg(pl.col("change").sum(), pl.col(*_HISTORY_NAMES).any())
    )
    return sums, prev, opening


def _paid_before_or_now() -> pl.Expr:
    """Whether the account's rows up to the period end carry payment data (revenue from an
    export with payment columns, or money collected) or no sales at all (nothing sold,
    nothing owed). Sales that never had payment data leave what the account owes
    unknown, not 0. From the opening row's flags (_HISTORY) and the period's sums."""
    before = pl.col("_paid_before").fill_null(False)
    sold_before = pl.col("_sold_before").fill_null(False)
    now = (pl.col("tracked_revenue") != 0) | (pl.col("collected") != 0)
    return before | now | ~(sold_before | (pl.col("lines") > 0) | (pl.col("revenue") != 0))


_CHANGE = (pl.col("tracked_revenue") - pl.col("collected")).alias("change")
"""What a row adds to the amount owed: revenue that can be owed, less cash collected."""

_HISTORY = (
    ((pl.col("tracked_revenue") != 0) | (pl.col("collected") != 0)).alias("_paid_before"),
    ((pl.col("lines") > 0) | (pl.col("revenue") != 0)).alias("_sold_before"),
)
_HISTORY_NAMES = ("_paid_before", "_sold_before")
"""Per row before the period: did it carry payment data, did it sell anything."""


def _sort_key_fits(months: pl.DataFrame, period: Period) -> bool:
    """Whether account_id × (months + 2) fits an Int64, so one integer column can order
    the receivable path (3× faster than sorting on two columns)."""
    if months.height == 0:
        return True
    ids = months.get_column("account_id")
    biggest = max(abs(ids.min() or 0), abs(ids.max() or 0))
    return biggest * (period.months + 2) < _INT64_SAFE


def _receivable_balances(
    opening: pl.LazyFrame, in_period: pl.LazyFrame, period: Period, single_key: bool
) -> pl.LazyFrame:
    """Per account: `_closing` = Σ (revenue − collected) up to the period end, and
    `_month_end_sum` = Σ over the period's months of the month-end balance floored at 0.

    The balance only changes in months that have a row, so we walk the rows in (account,
    month) order with an opening row (index −1: `opening`, the change of everything
    before the period) and weight each balance by the months it stands until the
    account's next row (or the period end). A prepayment or pending return credit
    (negative balance) costs us nothing, hence the floor.
    """
    k = period.months
    change = _CHANGE
    opening = opening.select("account_id", pl.lit(-1, dtype=pl.Int64).alias("j"), "change")
    rows = in_period.select("account_id", month_index(period).alias("j"), change)
    path = pl.concat([opening, rows])
    if single_key:
        path = path.sort(pl.col("account_id") * (k + 2) + pl.col("j") + 1)
    else:
        path = path.sort("account_id", "j")
    account = pl.col("account_id")
    first = (account != account.shift(1)).fill_null(True)
    more = (account == account.shift(-1)).fill_null(False)
    running = pl.col("change").cum_sum()
    start_of_account = pl.when(first).then(running - pl.col("change")).forward_fill()
    weight = pl.when(more).then(pl.col("j").shift(-1)).otherwise(k) - pl.col("j").clip(0)
    balance = pl.col("_balance")
    owed = pl.when(balance > 0).then(balance).otherwise(0) * pl.col("_weight")
    return (
        path.with_columns(_balance=running - start_of_account, _weight=weight)
        .with_columns(_owed=owed.cast(MONEY))
        .group_by("account_id")
        .agg(_closing=pl.col("change").sum(), _month_end_sum=pl.col("_owed").sum())
    )


def _fill_zeros(lf: pl.LazyFrame) -> pl.LazyFrame:
    """An account missing from one side of a join had nothing there: zero, not unknown."""
    zero_columns = [*SUMMED, "active_months", "revenue_prev", "cost_to_serve"]
    zero_columns += ["_closing", "_month_end_sum"]
    return lf.with_columns(pl.col(zero_columns).fill_null(0))


def _derive(lf: pl.LazyFrame, period: Period, policy: Policy) -> pl.LazyFrame:
    rate = Decimal(policy.metrics.financing_rate)
    revenue, discount, returns = pl.col("revenue"), pl.col("discount"), pl.col("return_amount")
    month_end_sum = pl.col("_month_end_sum").cast(pl.Decimal(38, 10))
    financing = month_end_sum * pl.lit(rate, dtype=pl.Decimal(38, 10)) / 12
    cost_known = pl.col("uncosted_revenue") == 0
    untracked = revenue - pl.col("tracked_revenue")
    paid_known = (untracked == 0) & _paid_before_or_now()
    some_payment = (pl.col("tracked_revenue") != 0) | (pl.col("collected") != 0)
    lf = lf.with_columns(
        cost=known_if(cost_known, pl.col("cost")),
        gross_profit=known_if(cost_known, revenue - pl.col("cost")),
        gross_margin=known_if(cost_known, ratio(revenue - pl.col("cost"), revenue)),
        discount_rate=ratio(discount, revenue + discount),
        uncosted_share=ratio(pl.col("uncosted_revenue"), revenue),
        return_rate=ratio(returns, revenue + returns),
        cash_collected=known_if((untracked == 0) & some_payment, pl.col("collected")),
        days_to_pay=ratio(pl.col("paid_days_amount"), pl.col("paid_amount")),
        receivables=known_if(
            paid_known, pl.when(pl.col("_closing") > 0).then(pl.col("_closing")).otherwise(0)
        ),
        average_receivables=known_if(paid_known, to_cents(month_end_sum / period.months)),
        growth=ratio(revenue, pl.col("revenue_prev")) - 1,
        annualised_revenue=to_cents(revenue.cast(pl.Decimal(38, 10)) * 12 / period.months),
        orders_per_year=pl.col("orders").cast(pl.Float64) / period.years,
        financing_cost=known_if(paid_known, to_cents(financing)),
    )
    return lf.with_columns(
        receivables=pl.col("receivables").cast(MONEY),
        # null + x is null in Polars: an unknown part makes the whole unknown
        net_contribution=pl.col("gross_profit")
        - pl.col("cost_to_serve")
        - pl.col("financing_cost"),
    )


def data_months(months: pl.DataFrame) -> Period | None:
    """The first to the last month of `months` with an order line (or revenue, or an
    order), the span its data covers (None without any): a month that only collected
    cash for earlier orders is no month of sales data."""
    sold = (pl.col("lines") > 0) | (pl.col("orders") > 0) | (pl.col("revenue") != 0)
    month = pl.col("month").filter(sold)
    bounds = months.select(first=month.min(), last=month.max()).row(0, named=True)
    if bounds["first"] is None:
        return None
    return Period.between(bounds["first"], bounds["last"])


def _growth(lf: pl.LazyFrame, comparable: bool) -> pl.LazyFrame:
    """Previous revenue and growth unknown (null) when the data does not cover both
    periods, rather than growth against a previous period of one month."""
    if comparable:
        return lf
    return lf.with_columns(
        revenue_prev=pl.lit(None, dtype=MONEY), growth=pl.lit(None, dtype=pl.Float64)
    )


def known_if(known: pl.Expr, value: pl.Expr) -> pl.Expr:
    """`value` where `known` holds, else null: a figure whose input is missing is unknown."""
    return pl.when(known).then(value).otherwise(None)


def known_sum(expr: pl.Expr) -> pl.Expr:
    """Σ expr, null when any value is null. Polars' sum skips nulls, which would report
    the total of the known part as the whole; a total with an unknown part is unknown."""
    return pl.when(expr.null_count() == 0).then(expr.sum()).otherwise(None)


def rank_by(metrics: pl.DataFrame, metric: str, descending: bool = True) -> pl.DataFrame:
    """Single-metric ranking (M1.1, 按单一指标): account_id, value, rank (1 = first; ties
    share the best rank, like a sports table), share of the total over all accounts, and
    the cumulative share down the table. Null (unknown) values go last, unranked, and
    make the shares unknown: a share of the known part's total would pass for the whole."""
    if metric not in metrics.columns:
        raise ValueError(f"unknown metric {metric!r}")
    total = known_sum(pl.col("value").cast(pl.Float64))
    return (
        metrics.select("account_id", pl.col(metric).alias("value"))
        .sort("value", "account_id", descending=[descending, False], nulls_last=True)
        .with_columns(
            rank=pl.col("value").rank("min", descending=descending).cast(pl.Int64),
            share=pl.when(total != 0).then(pl.col("value").cast(pl.Float64) / total),
        )
        .with_columns(cumulative_share=pl.col("share").cum_sum())
    )


def percentile_rank(expr: pl.Expr) -> pl.Expr:
    """Position of each value among the non-null values, in [0, 1]: (average rank − 1) ÷
    (n − 1). Lowest 0, highest 1, ties share their average; a lone value gets 0.5 (it
    beats no one and no one beats it). Null stays null."""
    n = expr.count()
    return (
        pl.when(n > 1)
        .then((expr.rank("average") - 1) / (n - 1))
        .otherwise(pl.when(expr.is_not_null()).then(pl.lit(0.5)))
    )

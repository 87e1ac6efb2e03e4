"""One call that runs the whole value analysis (M1) for a period, and its JSON form."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from . import frames
from .flags import Flag, flag_accounts
from .metrics import account_metrics, data_months, rank_by
from .pareto import Health, Pareto, health_by_year, pareto, portfolio_health
from .periods import Comparison, Period
from .pnl import TeamPnl, account_pnl, costs_by_category, team_pnl
from .policy import Policy
from .scorecard import potential_scores, scorecard
from .tiers import assign_tiers, score_basis, value_scores, with_unscored

RANKED = ("revenue", "gross_profit", "cash_collected", "orders")
"""The single metrics of M1.1 (按单一指标): 销售额, 利润, 回款, 交易次数."""


class Rankings(Mapping[str, pl.DataFrame]):
    """The single-metric rankings (RANKED), each sorted when first asked for: pages show
    one at a time, and four sorts of 100,000 accounts are a tenth of a whole analysis."""

    def __init__(self, metrics: pl.DataFrame):
        self._metrics = metrics
        self._sorted: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in RANKED:
            raise KeyError(name)
        if name not in self._sorted:
            self._sorted[name] = rank_by(self._metrics, name)
        return self._sorted[name]

    def __iter__(self) -> Iterator[str]:
        return iter(RANKED)

    def __len__(self) -> int:
        return len(RANKED)


@dataclass(frozen=True)
class Analysis:
    period: Period
    policy: Policy
    currency: str
    accounts: pl.DataFrame
    metrics: pl.DataFrame
    rankings: Rankings
    tiers: pl.DataFrame
    flags: list[Flag]
    potential: pl.DataFrame
    scorecard: pl.DataFrame
    revenue_pareto: Pareto
    profit_pareto: Pareto
    health: Health
    health_by_year: pl.DataFrame
    pnl: pl.DataFrame
    team_pnl: TeamPnl
    comparison: Comparison | None = None
    """The period before and whether the data covers both (growth's null reason)."""


def analyze(
    months: pl.DataFrame,
    costs: pl.DataFrame | None,
    accounts: pl.DataFrame | None,
    potential: pl.DataFrame | None,
    team: pl.DataFrame | None,
    period: Period,
    policy: Policy | None = None,
    *,
    currency: str = "CNY",
    years: pl.DataFrame | None = None,
    data: Period | None = None,
) -> Analysis:
    """Metrics, rankings, scores, flags, tiers, scorecard, Pareto, health and P&L for
    `period`. Health by year covers every year in `months` up to the period end. `years`,
    the same months by year (`frames.years_of`), saves summing them twice. `data`, the
    first to the last month of the company's sales, decides whether growth is known
    (`Comparison`); by default the span of `months`."""
    policy = policy or Policy()
    data = data or data_months(months)
    costs = frames.empty(frames.COSTS) if costs is None else costs
    accounts = frames.empty(frames.ACCOUNTS) if accounts is None else accounts
    years = frames.years_up_to(months, period.end, years)
    metrics = account_metrics(months, costs, period, policy, years=years, data=data)
    scores = value_scores(metrics, policy)
    potentials = potential_scores(potential, policy)
    flags = flag_accounts(metrics, months, period, policy, years=years)
    tiers = assign_tiers(metrics, policy, scores=scores, flags=flags, potential=potentials)
    tiers = with_unscored(tiers, accounts.get_column("account_id"), policy, potentials)
    pnl = account_pnl(metrics, costs_by_category(costs, period))
    return Analysis(
        period=period,
        policy=policy,
        currency=currency,
        accounts=accounts,
        metrics=metrics,
        rankings=Rankings(metrics),
        tiers=tiers,
        flags=flags,
        potential=potentials,
        scorecard=scorecard(scores, potentials, policy, metrics=metrics, flags=flags),
        revenue_pareto=pareto(metrics, "revenue", policy),
        profit_pareto=pareto(metrics, "gross_profit", policy),
        health=portfolio_health(metrics, policy),
        health_by_year=health_by_year(years, policy),
        pnl=pnl,
        team_pnl=team_pnl(pnl, team),
        comparison=Comparison.of(period, data),
    )


_JSON_MONEY = (
    "revenue",
    "cost",
    "gross_profit",
    "uncosted_revenue",
    "cash_collected",
    "cost_to_serve",
    "net_contribution",
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def to_json(analysis: Analysis) -> dict[str, Any]:
    """A JSON-ready dict: money as decimal strings ("1234.50"), shares as float
    fractions, accounts by revenue, largest first; flags with their evidence.

    Unknown figures are null, never 0: cost, gross profit and margin where part of the
    revenue has no cost (uncosted_revenue says how much), cash, receivables and financing
    cost without payment data, net contribution when either is unknown. score_metrics
    names what each value score used; "unknown" sums the period's uncosted revenue and
    counts, per weighted metric, the scored accounts that lacked it."""
    flags: dict[int, list[dict]] = {}
    for flag in analysis.flags:
        flags.setdefault(flag.account_id, []).append(flag.as_dict())
    names = analysis.accounts.select("account_id", "code", "name")
    by_hand = (
        pl.col("overridden").fill_null(False)
        if "overridden" in analysis.tiers.columns
        else pl.lit(False)
    )
    tiers = analysis.tiers.select(
        "account_id", "score", "score_metrics", "tier", tier_set_by_hand=by_hand
    )
    table = (
        analysis.metrics.join(names, on="account_id", how="left")
        .join(tiers, on="account_id", how="left")
        .sort("revenue", "account_id", descending=[True, False])
    )
    rows = []
    for row in table.iter_rows(named=True):
        entry = {"code": row["code"], "name": row["name"]}
        entry |= {key: _money(row[key]) for key in _JSON_MONEY}
        entry |= {
            "orders": row["orders"],
            "active_months": row["active_months"],
            "days_to_pay": row["days_to_pay"],
            "receivables": _money(row["receivables"]),
            "financing_cost": _money(row["financing_cost"]),
            "gross_margin": row["gross_margin"],
            "revenue_prev": _money(row["revenue_prev"]),
            "growth": row["growth"],
            "uncosted_share": row["uncosted_share"],
            "score": row["score"],
            "score_metrics": row["score_metrics"] or [],
            "tier": None if row["tier"] is None else str(row["tier"]),
            "tier_set_by_hand": bool(row["tier_set_by_hand"]),
            "flags": flags.get(row["account_id"], []),
        }
        rows.append(entry)
    health = analysis.health
    comparison = analysis.comparison or Comparison.of(analysis.period, None)
    metrics = analysis.metrics
    return {
        "period": {
            "from": analysis.period.start.isoformat(),
            "to": analysis.period.end.isoformat(),
            "kind": analysis.period.kind,
            "previous": {
                "from": comparison.previous.start.isoformat(),
                "to": comparison.previous.end.isoformat(),
            },
            "growth_unknown_reason": comparison.reason,
        },
        "currency": analysis.currency,
        "accounts": rows,
        "unknown": {
            "uncosted_revenue": _money(metrics.get_column("uncosted_revenue").sum()),
            "revenue": _money(metrics.get_column("revenue").sum()),
            "score_metrics_missing": score_basis(analysis.tiers, analysis.policy),
        },
        "pareto": {
            "top20_revenue_share": analysis.revenue_pareto.top_value_share,
            "top20_profit_share": analysis.profit_pareto.top_value_share,
        },
        "health": {
            "top10_revenue_share": health.top_revenue_share,
            "meets_minimum": health.meets_minimum,
            "hhi": health.hhi,
        },
    }


def restrict(
    analysis: Analysis, account_ids: pl.Series, months: pl.DataFrame, team: pl.DataFrame | None
) -> Analysis:
    """The company analysis as seen by someone who may see only `account_ids`.

    Per-account figures (metrics, scores, tiers, flags, P&L) are the company's: a diamond
    account is a diamond whoever looks, since tiers are one company decision. What
    describes a portfolio (Pareto, health, health by year, team P&L) is recomputed over
    the accounts given, so a regional manager sees the concentration of their region.
    """
    keep = pl.col("account_id").is_in(account_ids.implode())

    def only(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(keep)

    allowed = set(account_ids.to_list())
    metrics, pnl = only(analysis.metrics), only(analysis.pnl)
    policy = analysis.policy
    return dataclasses.replace(
        analysis,
        accounts=only(analysis.accounts),
        metrics=metrics,
        rankings=Rankings(metrics),
        tiers=only(analysis.tiers),
        flags=[flag for flag in analysis.flags if flag.account_id in allowed],
        potential=only(analysis.potential),
        scorecard=only(analysis.scorecard),
        revenue_pareto=pareto(metrics, "revenue", policy),
        profit_pareto=pareto(metrics, "gross_profit", policy),
        health=portfolio_health(metrics, policy),
        health_by_year=health_by_year(
            only(months).filter(pl.col("month") <= analysis.period.end), policy
        ),
        pnl=pnl,
        team_pnl=team_pnl(pnl, None if team is None else only(team)),
    )

"""Every weight and threshold the analytics use, with the default a company starts from.

A company tunes these to its own business (METHODOLOGY M1.2: "weights set by the
company"); `what_if` shows what a change would do before anyone saves it. Money
thresholds are Decimal yuan; shares and rates are fractions (0.08 = 8%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

TierMethod = Literal["percentile", "absolute"]


def _value_weights() -> dict[str, float]:
    return {
        "revenue": 0.3,
        "gross_profit": 0.3,
        "cash_collected": 0.2,
        "orders": 0.1,
        "net_contribution": 0.1,
    }


def _potential_weights() -> dict[str, float]:
    return {
        "headroom": 0.35,
        "growth_outlook": 0.2,
        "influence": 0.15,
        "referral_power": 0.15,
        "strategic_fit": 0.15,
    }


def normalised(weights: dict[str, float]) -> dict[str, float]:
    """Weights scaled to sum to 1, zero weights dropped, so a company can type 3/3/2/1/1."""
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"weights cannot be negative: {weights}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError(f"weights must not all be zero: {weights}")
    return {name: w / total for name, w in weights.items() if w > 0}


@dataclass(frozen=True)
class MetricsPolicy:
    """How the per-account metrics are costed.

    financing_rate: the annual cost of money tied up in receivables, charged on each
    month-end balance at rate/12. Default 4.35%, the PBoC one-year benchmark lending rate
    Chinese finance departments still quote; put your own cost of capital here.
    """

    financing_rate: Decimal = Decimal("0.0435")


@dataclass(frozen=True)
class ValuePolicy:
    """The weighted value score (M1.2, 加权平均法).

    weights: metric name → weight, renormalised to sum 1. Any numeric column of the
    metrics frame may be weighted. Defaults: revenue 0.3, gross profit 0.3, cash
    collected 0.2, orders 0.1, net contribution 0.1 — what the customer buys, what we
    earn on it, whether it pays, how often it buys, and what is left after serving it.
    """

    weights: dict[str, float] = field(default_factory=_value_weights)

    def normalised_weights(self) -> dict[str, float]:
        return normalised(self.weights)


@dataclass(frozen=True)
class TierPolicy:
    """The value pyramid (客户价值金字塔): diamond, gold, strategic, ordinary.

    method "percentile" (default): diamond = top 3% of scored accounts by value score,
    gold = the next 12% (so top 15% together); an account is in the top p when fewer
    than p × n accounts score strictly higher, so ties share a tier.
    method "absolute": annualised revenue ≥ ¥100,000,000 is diamond and ≥ ¥10,000,000 is
    gold — the 亿 / 千万 scale of the IBM–Huawei example in [001].
    strategic (战略): not diamond or gold, and either potential score ≥ 0.6, or growth
    ≥ 30% on the previous period with revenue at least the median (50th percentile) of
    accounts that bought — small today, able to grow into a higher tier.
    """

    method: TierMethod = "percentile"
    diamond_share: float = 0.03
    gold_share: float = 0.12
    diamond_threshold: Decimal = Decimal("100000000")
    gold_threshold: Decimal = Decimal("10000000")
    strategic_potential: float = 0.6
    strategic_growth: float = 0.3
    strategic_revenue_quantile: float = 0.5

    def __post_init__(self):
        if self.method not in ("percentile", "absolute"):
            raise ValueError(f"unknown tier method {self.method!r}")
        if not 0 <= self.diamond_share + self.gold_share <= 1:
            raise ValueError("diamond_share + gold_share must lie in [0, 1]")


@dataclass(frozen=True)
class ScorecardPolicy:
    """The value scorecard (M1.3, 客户价值记分卡): potential against current value.

    weights: potential components, renormalised over the inputs an account has.
    headroom (wallet × (1 − our share): what we don't sell them yet) 0.35, the
    customer's growth outlook 0.2, its influence on others in its region or industry
    0.15, referrals it brings 0.15, strategic fit 0.15. Money we could still win weighs
    most; the rest is judgement a KAM enters on a 1–5 scale.
    current_cut / potential_cut: the 2×2 matrix splits at 0.5 on both axes, i.e. at the
    portfolio median, since both scores are percentile-based.
    flagged_cap: the most current value a false key account (M1.6) is given, 0.25 — half
    the cut, so a flagged account always sits well inside a low-value quadrant, however
    big its revenue; an account whose net contribution is negative has current value 0.
    """

    weights: dict[str, float] = field(default_factory=_potential_weights)
    current_cut: float = 0.5
    potential_cut: float = 0.5
    flagged_cap: float = 0.25

    def normalised_weights(self) -> dict[str, float]:
        return normalised(self.weights)


@dataclass(frozen=True)
class FlagPolicy:
    """Thresholds for false key accounts (M1.6, 假大户). Each is a default to tune.

    One-off purchases (团购 group buy, 大额产品 big ticket) — all of these must hold:
    - one_off_month_share 0.8: the biggest month holds ≥ 80% of lifetime revenue;
    - one_off_max_months 3: bought in at most 3 distinct months in its whole history;
    - one_off_max_orders 3: at most 3 orders in all;
    - material: lifetime revenue ≥ the 75th percentile (one_off_material_quantile) of
      what the period's buyers buy in a year (their annualised revenue), so a small
      customer's single order is not called a false key account. one_off_material_basis
      "lifetime" compares with the 75th percentile of lifetime revenue instead; that bar
      rises every year regular customers keep buying, so one-offs fall under it as the
      history grows (in the demo data the planted 2025 group buy is missed that way);
    - the biggest month falls in the period or the one_off_lookback_months (12) before
      it: a one-off of years ago says nothing about this period.
    The kind is decided by what was bought, not by how many lines it took: the biggest
    month's average unit price (revenue ÷ units) against the company's usual unit price
    (the median of that figure over every account-month with units, up to the period
    end). At ≥ big_ticket_price_ratio (10×) the usual it is one_off_big_ticket (大额产品:
    goods priced far above the usual line); below it, many units of ordinary goods,
    group_buy (团购). Without units in the data, the amount per line stands in for the
    unit price (and the evidence says so).

    low_profit_volume (需求量大的重复消费, heavy buyer with poor profit) — all of:
    - revenue in the period's top 20% (≥ its 80th percentile, volume_top_share 0.2);
    - ≥ 12 orders a year, annualised (volume_min_orders_per_year): buys every month;
    - gross margin < 8% or net contribution < 2% of revenue. For an account that is also
      a squeezer only the gross-margin test counts: a squeezer's thin net margin is what
      its squeezing does, and the squeezer flag already says so.

    squeezer (扒皮大户): ≥ 6 orders a year, annualised (a regular buyer, not a one-off),
    and at least 2 (squeezer_min_signals) of: discount rate ≥ 20%; amount-weighted days
    to pay ≥ 120; return rate ≥ 5%; cost to serve ≥ 6% of revenue; cash collected < 70%
    of revenue while a receivable is open.
    """

    one_off_month_share: float = 0.8
    one_off_max_months: int = 3
    one_off_max_orders: int = 3
    one_off_material_quantile: float = 0.75
    one_off_material_basis: Literal["annual", "lifetime"] = "annual"
    one_off_lookback_months: int = 12
    big_ticket_price_ratio: float = 10.0

    volume_top_share: float = 0.2
    volume_min_orders_per_year: float = 12
    volume_max_gross_margin: float = 0.08
    volume_max_net_margin: float = 0.02

    squeezer_min_orders_per_year: float = 6
    squeezer_min_signals: int = 2
    squeezer_discount_rate: float = 0.20
    squeezer_days_to_pay: float = 120
    squeezer_return_rate: float = 0.05
    squeezer_cost_to_serve_rate: float = 0.06
    squeezer_collection_rate: float = 0.70


@dataclass(frozen=True)
class PortfolioPolicy:
    """The 80/20 view (M1.4) and portfolio health (M1.5).

    top_share 0.2: the "20%" of 二八法则. health_top_n 10 and health_minimum 0.5: "the
    top ten customers' share of annual revenue must reach 50%; that is the minimum
    standard" [001]. curve_points 200: how many points a chart gets.
    """

    top_share: float = 0.2
    health_top_n: int = 10
    health_minimum: float = 0.5
    curve_points: int = 200


@dataclass(frozen=True)
class Policy:
    """All the knobs in one value, so an analysis run records exactly what it used."""

    metrics: MetricsPolicy = field(default_factory=MetricsPolicy)
    value: ValuePolicy = field(default_factory=ValuePolicy)
    tiers: TierPolicy = field(default_factory=TierPolicy)
    scorecard: ScorecardPolicy = field(default_factory=ScorecardPolicy)
    flags: FlagPolicy = field(default_factory=FlagPolicy)
    portfolio: PortfolioPolicy = field(default_factory=PortfolioPolicy)

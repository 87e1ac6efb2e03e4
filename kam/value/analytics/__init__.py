"""Customer value analytics (METHODOLOGY M1): pure functions over Polars frames.

No database and no web code here: the inputs are frames (see `frames`), the outputs
frames and small dataclasses, so the web pages, the API, the CLI and the tests all get
the same numbers from the same code.
"""

from .analysis import Analysis, analyze, to_json
from .flags import FLAG_KINDS, Flag, flag_accounts
from .metrics import account_metrics, percentile_rank, rank_by
from .pareto import Health, Pareto, health_by_year, pareto, portfolio_health
from .periods import Period
from .pnl import TeamPnl, account_pnl, costs_by_category, team_pnl, waterfall
from .policy import (
    FlagPolicy,
    MetricsPolicy,
    Policy,
    PortfolioPolicy,
    ScorecardPolicy,
    TierPolicy,
    ValuePolicy,
)
from .scorecard import POSTURES, potential_scores, scorecard
from .tiers import TIERS, WhatIf, assign_tiers, value_scores, what_if

__all__ = [
    "FLAG_KINDS",
    "POSTURES",
    "TIERS",
    "Analysis",
    "Flag",
    "FlagPolicy",
    "Health",
    "MetricsPolicy",
    "Pareto",
    "Period",
    "Policy",
    "PortfolioPolicy",
    "ScorecardPolicy",
    "TeamPnl",
    "TierPolicy",
    "ValuePolicy",
    "WhatIf",
    "account_metrics",
    "account_pnl",
    "analyze",
    "assign_tiers",
    "costs_by_category",
    "flag_accounts",
    "health_by_year",
    "pareto",
    "percentile_rank",
    "portfolio_health",
    "potential_scores",
    "rank_by",
    "scorecard",
    "team_pnl",
    "to_json",
    "value_scores",
    "waterfall",
    "what_if",
]

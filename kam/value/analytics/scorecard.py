"""The value scorecard (M1.3, 客户价值记分卡): current value against potential value.

Current value (现实价值) is the value score from the sales data, made to agree with what
the account leaves us: 0 when its net contribution in the period is negative (it costs us
money, whatever its volume), and at most `flagged_cap` when it is a false key account
(M1.6), so neither ever reads as "high value now". Potential value (潜在价值)
comes from what a KAM knows and the ERP doesn't: how much the customer spends in our
category (wallet), our share of it, its growth, its influence on others in its region
or industry [003], the referrals it brings [002], and strategic fit. The 2×2 matrix
says where to put effort.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext_lazy as _

from . import frames
from .flags import flag_kinds
from .frames import MONEY
from .metrics import percentile_rank
from .policy import Policy

DEVELOP_PARTNERSHIP = "develop_partnership"
MAINTAIN_EFFICIENTLY = "maintain_efficiently"
INVEST_TO_GROW = "invest_to_grow"
SERVE_AT_LOW_COST = "serve_at_low_cost"
NOT_ASSESSED = "not_assessed"
QUADRANTS = (DEVELOP_PARTNERSHIP, MAINTAIN_EFFICIENTLY, INVEST_TO_GROW, SERVE_AT_LOW_COST)

QUADRANT_LABELS = {
    DEVELOP_PARTNERSHIP: _("Develop the partnership"),
    MAINTAIN_EFFICIENTLY: _("Maintain efficiently"),
    INVEST_TO_GROW: _("Invest to grow"),
    SERVE_AT_LOW_COST: _("Serve at low cost"),
    NOT_ASSESSED: _("Not assessed"),
}

POSTURES = {
    DEVELOP_PARTNERSHIP: _(
        "Worth a lot today and more tomorrow. Put a senior owner and a cross-functional "
        "team on it, hold regular executive visits, join their new-product work early, and "
        "aim to become their preferred or sole supplier."
    ),
    MAINTAIN_EFFICIENTLY: _(
        "Brings solid value but has little room left to grow. Protect it with reliable "
        "delivery, quick problem handling and steady contact, keep the cost to serve in "
        "check, and don't spend growth money here."
    ),
    INVEST_TO_GROW: _(
        "Small for us today, big in what it could become. Map the decision chain, win a "
        "trial order, prove value in use, and commit resources ahead of revenue against "
        "milestones you check every quarter."
    ),
    SERVE_AT_LOW_COST: _(
        "Little value now and little in prospect. Serve it well on standard terms through "
        "low-cost channels, no special concessions, and review it once a year."
    ),
    NOT_ASSESSED: _(
        "No potential assessment yet. Ask the account owner to enter the customer's spend "
        "in our category, our share, and its outlook, influence and referrals."
    ),
}

LOSES_MONEY = "loses_money"
FLAGGED = "flagged"
"""Why current value is lower than the value score (the scorecard's current_reason)."""

_FLAGGED_POSTURE = _(
    "Flagged as a false key account — %(flags)s Do not invest to grow it or offer "
    "special terms: serve it on standard terms and fix what the flag names first."
)
_LOSES_MONEY_POSTURE = _(
    "It costs us money: its net contribution in this period is negative, so its current "
    "value counts as 0. Fix price, payment terms or cost to serve before anything else."
)

_COMPONENTS = ("headroom", *frames.POTENTIAL_SCORES)


def potential_scores(potential: pl.DataFrame | None, policy: Policy | None = None) -> pl.DataFrame:
    """account_id, headroom, potential_score (in [0, 1] or null), assessed.

    headroom = wallet × (1 − share): what the customer buys in our category from others.
    It enters as its percentile rank among assessed accounts (so it needs no yuan scale);
    the 1–5 judgements enter as (score − 1) ÷ 4. Weights from the policy, renormalised
    over the inputs the account has; with none, potential_score is null and the account
    is "not assessed". Accounts missing from `potential` are simply absent here.
    """
    policy = policy or Policy()
    potential = frames.empty(frames.POTENTIAL) if potential is None else potential
    frames.require(potential, frames.POTENTIAL, "potential")
    weights = policy.scorecard.normalised_weights()
    unknown = [name for name in weights if name not in _COMPONENTS]
    if unknown:
        raise ValueError(f"potential weights name unknown inputs: {unknown}")
    headroom = pl.col("wallet").cast(pl.Float64) * (1 - pl.col("share"))
    parts = {"headroom": percentile_rank(pl.col("headroom"))}
    parts |= {name: (pl.col(name).cast(pl.Float64) - 1) / 4 for name in frames.POTENTIAL_SCORES}
    weighted = pl.sum_horizontal([(parts[n] * w).fill_null(0) for n, w in weights.items()])
    present = pl.sum_horizontal([parts[n].is_not_null() * w for n, w in weights.items()])
    return (
        potential.with_columns(headroom=headroom.clip(0))
        .select(
            "account_id",
            pl.col("headroom").round(2).cast(MONEY),
            pl.when(present > 0).then(weighted / present).cast(pl.Float64).alias("potential_score"),
        )
        .with_columns(assessed=pl.col("potential_score").is_not_null())
    )


def quadrant(current: pl.Expr, potential: pl.Expr, policy: Policy) -> pl.Expr:
    """The 2×2 cell. No current score (nothing bought in the period) counts as low."""
    high_now = current.fill_null(0) >= policy.scorecard.current_cut
    high_later = potential >= policy.scorecard.potential_cut
    return (
        pl.when(potential.is_null())
        .then(pl.lit(NOT_ASSESSED))
        .when(high_now & high_later)
        .then(pl.lit(DEVELOP_PARTNERSHIP))
        .when(high_now)
        .then(pl.lit(MAINTAIN_EFFICIENTLY))
        .when(high_later)
        .then(pl.lit(INVEST_TO_GROW))
        .otherwise(pl.lit(SERVE_AT_LOW_COST))
    )


def scorecard(
    scores: pl.DataFrame,
    potentials: pl.DataFrame,
    policy: Policy | None = None,
    *,
    metrics: pl.DataFrame | None = None,
    flags: list | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """account_id, value_score, current_score, current_reason, potential_score, headroom,
    quadrant — one row per account of `scores` (value scores or tiers).

    value_score is the weighted score from the data; current_score is what the matrix
    uses: 0 when `metrics` say the net contribution is negative (current_reason
    "loses_money"), at most `flagged_cap` for an account in `flags` ("flagged"), else the
    value score. The posture to take is `posture(quadrant, …)`, translated when rendered."""
    policy = policy or Policy()
    card = scores.select("account_id", pl.col("score").alias("value_score"))
    if metrics is not None:
        card = card.join(
            metrics.select("account_id", _losing=pl.col("net_contribution") < 0),
            on="account_id",
            how="left",
        )
    else:
        card = card.with_columns(_losing=pl.lit(None, pl.Boolean))
    card = card.join(
        flag_kinds(flags).select("account_id", _flagged=pl.lit(True)), on="account_id", how="left"
    )
    losing = pl.col("_losing").fill_null(False) & pl.col("value_score").is_not_null()
    flagged = pl.col("_flagged").fill_null(False) & pl.col("value_score").is_not_null()
    value = pl.col("value_score")
    return (
        card.with_columns(
            current_score=pl.when(losing)
            .then(0.0)
            .when(flagged)
            .then(pl.min_horizontal(value, pl.lit(policy.scorecard.flagged_cap)))
            .otherwise(value),
            current_reason=pl.when(losing)
            .then(pl.lit(LOSES_MONEY))
            .when(flagged)
            .then(pl.lit(FLAGGED))
            .otherwise(pl.lit(None, pl.String)),
        )
        .drop("_losing", "_flagged")
        .join(
            potentials.select("account_id", "headroom", "potential_score"),
            on="account_id",
            how="left",
        )
        .with_columns(quadrant=quadrant(pl.col("current_score"), pl.col("potential_score"), policy))
    )


def posture(quadrant_key: str, flags: list | None = None, reason: str | None = None) -> str:
    """The recommended posture for a quadrant, in the active language. A flagged account's
    posture says it is flagged and why (each flag's own sentence) instead of the quadrant's
    advice, which is meant for accounts worth what their figures say; one that loses us
    money says that first."""
    parts = []
    if flags:
        why = " ".join(f"{flag.label}: {flag.summary}" for flag in flags)
        parts.append(str(_FLAGGED_POSTURE) % {"flags": why})
    if reason == LOSES_MONEY:
        parts.append(str(_LOSES_MONEY_POSTURE))
    if not flags:
        parts.append(str(POSTURES[quadrant_key]))
    return " ".join(parts)

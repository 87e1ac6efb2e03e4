"""Writes of the value engine: tier configurations, computed tiers, overrides, potential.

Every tier change — computed or set by hand — is written to the change history with who,
when, from, to and why (kam.core.history).
"""

import dataclasses
import logging
import time
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.core import versions
from kam.core.history import change, record_change
from kam.core.models import FieldChange

from . import loaders, portfolio
from .analytics.analysis import Analysis, analyze
from .analytics.periods import Period
from .analytics.policy import Policy
from .analytics.tiers import WhatIf, what_if
from .choices import Tier
from .config import policy_from_dict, policy_to_dict
from .models import AccountPotential, AccountTier, TierConfig

logger = logging.getLogger(__name__)


def active_policy() -> Policy:
    config = TierConfig.objects.filter(is_active=True).first()
    return policy_from_dict(config.policy if config else None)


def run_analysis(period: Period, *, user=None, policy: Policy | None = None) -> Analysis:
    """The whole value analysis, computed now, for the accounts `user` may see (everyone's
    for None). Tiers are the company's; see analytics.analysis.restrict."""
    computed = compute(period, policy or active_policy())
    if user is None:
        return computed.analysis
    return portfolio.narrowed(computed, loaders.visible_ids(user))


def prepare_snapshots() -> float:
    """Write the analysis' snapshots for the data as it now is, so that the first page
    after an import does not wait for them (at 100,000 accounts, seconds). Called after
    an import has committed; a failure is logged, not raised: the import stands, and the
    next analysis rebuilds what is missing. Returns the seconds it took."""
    started = time.perf_counter()
    try:
        loaders.load_inputs()
    except Exception:
        logger.exception("analysis snapshots not prepared")
    return time.perf_counter() - started


def compute(period: Period, policy: Policy, stamps: dict | None = None) -> portfolio.Computed:
    inputs = loaders.load_inputs(end=period.end, stamps=stamps)
    analysis = analyze(
        inputs.months,
        inputs.costs,
        inputs.accounts,
        inputs.potential,
        inputs.team,
        period,
        policy,
        currency=settings.KAM_CURRENCY,
        years=inputs.years,
    )
    return portfolio.Computed(with_overrides(analysis), inputs.months, inputs.team)


def with_overrides(analysis: Analysis) -> Analysis:
    """Tiers as people see them: a tier a manager set by hand replaces the computed one
    (kept as `computed_tier`, with `overridden` true)."""
    rows = AccountTier.objects.exclude(override_tier="").values_list("account_id", "override_tier")
    overrides = pl.DataFrame(
        list(rows), schema={"account_id": pl.Int64, "_override": pl.String}, orient="row"
    )
    tiers = analysis.tiers
    dtype = tiers.schema["tier"]
    tiers = (
        tiers.join(overrides, on="account_id", how="left")
        .with_columns(
            computed_tier=pl.col("tier"),
            overridden=pl.col("_override").is_not_null(),
            tier=pl.coalesce(pl.col("_override").cast(dtype), pl.col("tier")),
        )
        .drop("_override")
    )
    return dataclasses.replace(analysis, tiers=tiers)


@transaction.atomic
def save_tier_config(name: str, policy: Policy, *, by=None, activate: bool = False, note: str = ""):
    config, _created = TierConfig.objects.update_or_create(
        name=name.strip(),
        defaults={"policy": policy_to_dict(policy), "note": note, "created_by": by},
    )
    if activate:
        activate_tier_config(config, by=by)
    return config


@transaction.atomic
def activate_tier_config(config: TierConfig, *, by=None) -> TierConfig:
    previous = TierConfig.objects.filter(is_active=True).exclude(pk=config.pk).first()
    if previous:
        previous.is_active = False
        previous.save(update_fields=["is_active", "updated_at"])
    record_change(config, "is_active", previous.name if previous else "", config.name, by=by)
    config.is_active = True
    config.save(update_fields=["is_active", "updated_at"])
    return config


def preview(analysis: Analysis, policy: Policy) -> WhatIf:
    """What-if: the tiers `policy` would give, against the computed ones, nothing saved."""
    return what_if(analysis.metrics, _computed(analysis.tiers), policy)


def _computed(tiers: pl.DataFrame) -> pl.DataFrame:
    """The tiers frame as the engine computed it, before manual overrides."""
    if "computed_tier" not in tiers.columns:
        return tiers
    return tiers.with_columns(tier=pl.col("computed_tier")).drop("computed_tier", "overridden")


@dataclass
class Applied:
    changed: int
    unchanged: int


@transaction.atomic
def apply_tiers(analysis: Analysis, *, by=None) -> Applied:
    """Store the computed tiers; each change of an account's computed tier goes to history."""
    reason = _("computed for %(start)s – %(end)s") % {
        "start": analysis.period.start,
        "end": analysis.period.end,
    }
    existing = {t.account_id: t for t in AccountTier.objects.all()}
    changes, to_create, to_update = [], [], []
    now = timezone.now()
    computed = _computed(analysis.tiers).select("account_id", "tier", "score")
    for account_id, tier, score in computed.iter_rows():
        state = existing.get(account_id) or AccountTier(account_id=account_id, computed_tier="")
        entry = change(
            Account(pk=account_id), "computed_tier", state.computed_tier, tier, by=by, reason=reason
        )
        if entry is not None:
            changes.append(entry)
        state.computed_tier, state.score, state.updated_at = tier, score, now
        state.period_start, state.period_end = analysis.period.start, analysis.period.end
        (to_update if state.pk else to_create).append(state)
    AccountTier.objects.bulk_create(to_create, batch_size=1000)
    fields = ["computed_tier", "score", "period_start", "period_end", "updated_at"]
    AccountTier.objects.bulk_update(to_update, fields, batch_size=1000)
    FieldChange.objects.bulk_create(changes, batch_size=1000)
    versions.bump(versions.VALUE)
    return Applied(changed=len(changes), unchanged=len(to_create) + len(to_update) - len(changes))


@transaction.atomic
def override_tier(account: Account, tier: str, *, reason: str, by) -> AccountTier:
    """A manager sets the tier by hand; the reason is required and kept in history."""
    if tier not in Tier.values:
        raise ValidationError(_("Unknown tier %(tier)s.") % {"tier": tier})
    if not reason.strip():
        raise ValidationError(_("Say why the tier is set by hand."))
    state, _created = AccountTier.objects.get_or_create(
        account=account, defaults={"computed_tier": Tier.ORDINARY}
    )
    record_change(account, "tier", state.tier, tier, by=by, reason=reason)
    state.override_tier = tier
    state.override_reason = reason.strip()
    state.overridden_by = by
    state.overridden_at = timezone.now()
    state.save()
    return state


@transaction.atomic
def clear_override(account: Account, *, reason: str, by) -> AccountTier | None:
    state = AccountTier.objects.filter(account=account).first()
    if state is None or not state.override_tier:
        return state
    record_change(account, "tier", state.tier, state.computed_tier, by=by, reason=reason)
    state.override_tier = ""
    state.override_reason = ""
    state.overridden_by = None
    state.overridden_at = None
    state.save()
    return state


POTENTIAL_FIELDS = (
    "wallet",
    "share",
    "growth_outlook",
    "influence",
    "referral_power",
    "strategic_fit",
    "note",
)


@transaction.atomic
def set_potential(account: Account, *, by=None, **values) -> AccountPotential:
    """Update the scorecard inputs; each changed input is kept in history."""
    unknown = set(values) - set(POTENTIAL_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown inputs: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    potential, _created = AccountPotential.objects.get_or_create(account=account)
    for name, value in values.items():
        record_change(account, f"potential.{name}", getattr(potential, name), value, by=by)
        setattr(potential, name, value)
    potential.updated_by = by
    potential.full_clean()
    potential.save()
    return potential

"""Writes of the value engine: tier configurations, computed tiers, overrides, potential,
and the snapshots prepared after an import.

Every tier change — computed or set by hand — is written to the change history with who,
when, from, to and why (kam.core.history). Reads (computing and caching analyses, the
active policy, what-if) are in kam.value.portfolio: this module imports that one, never
the reverse. `active_policy`, `run_analysis`, `compute`, `with_overrides` and `preview`
are still importable from here for callers written before the split.
"""

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.core import versions
from kam.core.concurrency import (
    Seen,
    Watched,
    lock,
    model_watch,
    refuse_if_stale,
    target_key,
)
from kam.core.history import change, record_change
from kam.core.models import FieldChange

from . import loaders
from .analytics.analysis import Analysis
from .analytics.policy import Policy
from .choices import Tier
from .config import policy_to_dict
from .models import AccountPotential, AccountTier, TierConfig
from .portfolio import (  # noqa: F401 (reads, still importable from here: see above)
    active_policy,
    compute,
    computed_tiers,
    preview,
    run_analysis,
    with_overrides,
)

logger = logging.getLogger(__name__)


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


def config_watches(config: TierConfig | None) -> list[Watched]:
    """What saving over a configuration concerns: its settings and its note."""
    if config is None:
        return []
    return [
        Watched("policy", _settings_label(), _policy_text(config.policy), show=None),
        model_watch(config, "note"),
    ]


def _settings_label() -> str:
    return str(capfirst(TierConfig._meta.get_field("policy").verbose_name))


def _policy_text(policy: dict) -> str:
    """A configuration's settings as history stores them: JSON with sorted keys."""
    return json.dumps(policy, sort_keys=True, ensure_ascii=False)


@transaction.atomic
def save_tier_config(
    name: str,
    policy: Policy,
    *,
    by=None,
    activate: bool = False,
    note: str = "",
    seen: Seen | None = None,
):
    """Save settings under a name, as a new configuration or over the one of that name.

    With `seen` (a form: what the user started from), saving over a configuration is
    refused when it is not the one the user started from, or when it changed since they
    opened it; history keeps each change of a configuration's settings and note."""
    name = name.strip()
    settings_ = policy_to_dict(policy)
    config = TierConfig.objects.select_for_update().filter(name=name).first()
    if config is None:
        try:
            with transaction.atomic():
                config = TierConfig.objects.create(
                    name=name, policy=settings_, note=note, created_by=by
                )
        except IntegrityError:
            raise ValidationError(
                _("Someone has just saved a configuration named “%(name)s”; reload the page.")
                % {"name": name}
            ) from None
    else:
        if seen is not None and seen.target != target_key(config):
            raise ValidationError(
                _(
                    "A configuration named “%(name)s” already exists and is not the one you "
                    "started from: start from it to change it, or save under another name."
                )
                % {"name": name}
            )
        refuse_if_stale(config, seen, config_watches(config))
        record_change(config, "policy", _policy_text(config.policy), _policy_text(settings_), by=by)
        record_change(config, "note", config.note, note, by=by)
        config.policy, config.note, config.created_by = settings_, note, by
        config.save(update_fields=["policy", "note", "created_by", "updated_at"])
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
    computed = computed_tiers(analysis.tiers).select("account_id", "tier", "score")
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


def tier_watch(account: Account, state: AccountTier | None) -> Watched:
    """The tier a manager sees before setting or clearing it by hand: the one shown (the
    override, else the computed tier), as history records it under "tier"."""
    return Watched(
        "tier",
        _("Tier"),
        state.tier if state is not None else "",
        lambda v: Tier(v).label if v in Tier.values else v,
        history=("tier", "computed_tier"),
        empty=_("No tier yet"),
    )


def _locked_tier(account: Account) -> AccountTier | None:
    """The account's tier row under the account's lock (every tier edit takes it first)."""
    lock(account)
    return AccountTier.objects.select_for_update().filter(account=account).first()


OVERRIDE_FIELDS = [
    "override_tier",
    "override_reason",
    "overridden_by",
    "overridden_at",
    "updated_at",
]


@transaction.atomic
def override_tier(
    account: Account, tier: str, *, reason: str, by, seen: Seen | None = None
) -> AccountTier:
    """A manager sets the tier by hand; the reason is required and kept in history.
    Only the override's columns are written, so a computed tier stored meanwhile stays."""
    if tier not in Tier.values:
        raise ValidationError(_("Unknown tier %(tier)s.") % {"tier": tier})
    if not reason.strip():
        raise ValidationError(_("Say why the tier is set by hand."))
    state = _locked_tier(account)
    refuse_if_stale(account, seen, [tier_watch(account, state)])
    if state is None:
        state = AccountTier.objects.create(account=account, computed_tier=Tier.ORDINARY)
    record_change(account, "tier", state.tier, tier, by=by, reason=reason)
    state.override_tier = tier
    state.override_reason = reason.strip()
    state.overridden_by = by
    state.overridden_at = timezone.now()
    state.save(update_fields=OVERRIDE_FIELDS)
    return state


@transaction.atomic
def clear_override(
    account: Account, *, reason: str, by, seen: Seen | None = None
) -> AccountTier | None:
    state = _locked_tier(account)
    refuse_if_stale(account, seen, [tier_watch(account, state)])
    if state is None or not state.override_tier:
        return state
    record_change(account, "tier", state.tier, state.computed_tier, by=by, reason=reason)
    state.override_tier = ""
    state.override_reason = ""
    state.overridden_by = None
    state.overridden_at = None
    state.save(update_fields=OVERRIDE_FIELDS)
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


def potential_watches(account: Account, potential: AccountPotential | None) -> list[Watched]:
    """The scorecard inputs as the page shows them (all of them: the form sends them all)."""
    potential = potential or AccountPotential(account=account)
    watched = [_potential_watch(potential, name) for name in POTENTIAL_FIELDS]
    return watched


def _potential_watch(potential: AccountPotential, name: str) -> Watched:
    watched = model_watch(potential, name)
    return dataclasses.replace(
        watched, name=f"potential.{name}", show=_POTENTIAL_SHOW.get(name, str)
    )


def _as_stored(field, value):
    """A decimal as its column keeps it (5000000 → 5000000.00), so that history's "to" is
    the value a later reading of the row gives, and compares equal to it."""
    if value is not None and getattr(field, "decimal_places", None) is not None:
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def _percent(value: str) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%"


_POTENTIAL_SHOW = {"share": _percent}


@transaction.atomic
def set_potential(
    account: Account, *, by=None, seen: Seen | None = None, **values
) -> AccountPotential:
    """Update the scorecard inputs; each changed input is kept in history, and inputs
    edited on a stale page are refused (`seen`: all of them, as the form sends them all)."""
    unknown = set(values) - set(POTENTIAL_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown inputs: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    lock(account)
    potential = AccountPotential.objects.select_for_update().filter(account=account).first()
    refuse_if_stale(account, seen, potential_watches(account, potential))
    if potential is None:
        potential = AccountPotential.objects.create(account=account)
    for name, value in values.items():
        value = _as_stored(AccountPotential._meta.get_field(name), value)
        record_change(account, f"potential.{name}", getattr(potential, name), value, by=by)
        setattr(potential, name, value)
    potential.updated_by = by
    potential.full_clean()
    potential.save()
    return potential

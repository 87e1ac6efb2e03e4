"""The company's upkeep settings (METHODOLOGY M5.2, M6.3, M8): how often each buying
influence must be met, when a decision chain counts as hostile or thin, how often our
executives visit, and which tiers the portfolio watches.

DEFAULTS below are the documented defaults; the one CarePolicy row stores only what the
company changed (JSON overrides), so a default improved in a later release reaches every
company that never touched it. `Policy` is a plain frozen value the pure rules read
(kam.care.coverage); `current()` reads it from the database in one query and
`set_policy()` changes it, validated, with history.

The defaults and why:

- ``cadence_days`` — days within which each identified buying influence must have been
  met face to face (a visit, meeting or executive visit; a call does not count, M5.2
  "never visited"). Diamond 30 (M8.2 counts visits per month: the top tier is seen at
  least monthly), gold 60, strategic 90 (small today, worth growing: every quarter),
  ordinary 180 (twice a year keeps the chain known). An account whose tier is unknown
  (never tiered) uses ``default_cadence_days`` (90) and the page says so.
- ``executive_cadence_days`` — days within which the account's executive sponsor must have
  made an executive visit (M6.3 高层定期拜访制): diamond monthly (30), gold quarterly (90),
  strategic twice a year (180), ordinary none (null: no executive cadence, no warning).
- ``key_tiers`` — the tiers the dashboard's coverage list shows and for which a missing
  executive sponsor is a warning: diamond and gold (M6.4 names the top tier; gold is the
  next that earns dedicated upkeep).
- ``unsupportive_share`` — "most key players not supportive" fires when more than this
  share (0.5) of the active contacts with influence >= ``key_influence`` (4) are not a
  mentor or supporter (neutral, hostile or not known yet). Altify's rule, M5.3.
- ``single_threaded_at`` — an account with at most this many (1) active contacts hangs on
  one thread: if that person leaves, we know nobody.
- ``key_influence`` — influence (1–5) from which a contact counts as a key player (4).
- ``left_recent_days`` — a key contact (a buying role, influence >= ``key_influence`` or
  a node person) who left within this many days (180), or on an unknown date, is a
  warning: their place in the chain must be filled again. Older departures are history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.concurrency import Seen, Watched, refuse_if_stale, target_key
from kam.core.history import record_change

TIERS = ("diamond", "gold", "strategic", "ordinary")
"""The value app's tiers (kam.value.choices.Tier), spelled here so the pure rules need no
Django model; the tests check both lists agree."""

DEFAULTS: dict[str, Any] = {
    "cadence_days": {"diamond": 30, "gold": 60, "strategic": 90, "ordinary": 180},
    "default_cadence_days": 90,
    "executive_cadence_days": {"diamond": 30, "gold": 90, "strategic": 180, "ordinary": None},
    "key_tiers": ["diamond", "gold"],
    "unsupportive_share": 0.5,
    "single_threaded_at": 1,
    "key_influence": 4,
    "left_recent_days": 180,
}


@dataclass(frozen=True)
class Policy:
    """The settings the coverage rules read; built from DEFAULTS plus the overrides."""

    cadence_days: dict = field(default_factory=lambda: dict(DEFAULTS["cadence_days"]))
    default_cadence_days: int = DEFAULTS["default_cadence_days"]
    executive_cadence_days: dict = field(
        default_factory=lambda: dict(DEFAULTS["executive_cadence_days"])
    )
    key_tiers: tuple = tuple(DEFAULTS["key_tiers"])
    unsupportive_share: float = DEFAULTS["unsupportive_share"]
    single_threaded_at: int = DEFAULTS["single_threaded_at"]
    key_influence: int = DEFAULTS["key_influence"]
    left_recent_days: int = DEFAULTS["left_recent_days"]

    def cadence(self, tier: str) -> tuple[int, bool]:
        """(days, known): the tier's meeting cadence, or the default one when the tier is
        unknown — `known` False so the page can say the default was used."""
        if tier in self.cadence_days:
            return self.cadence_days[tier], True
        return self.default_cadence_days, False

    def executive_cadence(self, tier: str) -> int | None:
        """Days between executive visits for the tier; None when the tier has none."""
        return self.executive_cadence_days.get(tier)

    def is_key(self, tier: str) -> bool:
        return tier in self.key_tiers


def _days(value, name: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
        raise ValidationError({name: _("Enter a whole number of days from 1 to 3650.")})
    return value


def _per_tier(value, name: str, *, allow_none: bool) -> dict:
    if not isinstance(value, dict) or set(value) - set(TIERS):
        raise ValidationError({name: _("Give a number of days for known tiers only.")})
    return {tier: _days(days, name, allow_none=allow_none) for tier, days in value.items()}


def validate(overrides: dict) -> dict:
    """The overrides, checked: known keys only, days 1–3650, share between 0 and 1, known
    tiers. Raises ValidationError naming the setting; returns the cleaned overrides."""
    if not isinstance(overrides, dict):
        raise ValidationError(_("The settings must be an object of named values."))
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValidationError(
            _("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name == "cadence_days":
            clean[name] = _per_tier(value, name, allow_none=False)
        elif name == "executive_cadence_days":
            clean[name] = _per_tier(value, name, allow_none=True)
        elif name in ("default_cadence_days", "left_recent_days"):
            clean[name] = _days(value, name)
        elif name == "key_tiers":
            if not isinstance(value, list) or set(value) - set(TIERS):
                raise ValidationError({name: _("Choose key tiers among the known tiers.")})
            clean[name] = list(value)
        elif name == "unsupportive_share":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
                raise ValidationError({name: _("Enter a share from 0 up to (not including) 1.")})
            clean[name] = float(value)
        else:  # single_threaded_at, key_influence
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise ValidationError({name: _("Enter a whole number from 1 to 5.")})
            clean[name] = value
    return clean


def build(overrides: dict | None = None) -> Policy:
    """A Policy from the defaults with `overrides` laid over them (per-tier dicts merge)."""
    values = {key: (dict(v) if isinstance(v, dict) else v) for key, v in DEFAULTS.items()}
    for name, value in (overrides or {}).items():
        if isinstance(value, dict):
            values[name].update(value)
        else:
            values[name] = value
    values["key_tiers"] = tuple(values["key_tiers"])
    return Policy(**values)


def current() -> Policy:
    """The company's policy now; one query (none stored yet: the defaults)."""
    from .models import CarePolicy

    row = CarePolicy.objects.order_by("pk").first()
    return build(row.policy if row else None)


def _text(overrides: dict) -> str:
    """Overrides as history shows them: sorted JSON, readable and comparable."""
    return json.dumps(overrides, sort_keys=True, ensure_ascii=False)


def policy_row():
    """The one stored row of settings, or None while the company keeps every default."""
    from .models import CarePolicy

    return CarePolicy.objects.order_by("pk").first()


def policy_watch(row) -> Watched:
    """The stored overrides as a stale-edit check sees them (kam.core.concurrency)."""
    return Watched("policy", _("Upkeep settings"), _text(row.policy if row else {}), show=None)


def overrides_from(values: dict) -> dict:
    """Only what differs from DEFAULTS, from a complete set of values (the settings
    page's form), so untouched defaults keep following the documented ones."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        default = DEFAULTS[name]
        if isinstance(default, dict):
            changed = {tier: days for tier, days in value.items() if default.get(tier) != days}
            if changed:
                out[name] = changed
        elif name == "key_tiers":
            if sorted(value) != sorted(default):
                out[name] = list(value)
        elif value != default:
            out[name] = value
    return out


@transaction.atomic
def set_policy(overrides: dict, *, by=None, reason: str = "", seen: Seen | None = None):
    """Replace the company's overrides (validated; nothing changes on bad input or when
    someone changed them since `seen`), keeping the before and after in history."""
    from .models import CarePolicy

    clean = validate(overrides)
    row = CarePolicy.objects.select_for_update().order_by("pk").first()
    if row is not None and seen is not None and seen.target == "":
        seen = Seen(target_key(row), seen.values)  # stored meanwhile: compare the values
    refuse_if_stale(row, seen, [policy_watch(row)])
    row = row or CarePolicy()
    before = dict(row.policy or {})
    row.policy = clean
    row.updated_by = by
    row.save()
    record_change(row, "policy", _text(before), _text(clean), by=by, reason=reason)
    return row

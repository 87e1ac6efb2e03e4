"""Policies to and from the JSON a TierConfig stores: only what differs from the defaults."""

import dataclasses
from decimal import Decimal

from .analytics.policy import Policy

RETIRED = {"flags": {"group_buy_min_lines"}}
"""Settings an older version had: a configuration saved with them still loads, without them."""


class PolicyError(ValueError):
    """A stored or submitted setting that does not fit the policy."""


def policy_from_dict(overrides: dict | None) -> Policy:
    """Defaults, with `overrides` ({"tiers": {"gold_share": 0.1}, …}) laid on top."""
    overrides = overrides or {}
    sections = {}
    default = Policy()
    for section in dataclasses.fields(Policy):
        current = getattr(default, section.name)
        given = overrides.get(section.name) or {}
        given = {k: v for k, v in given.items() if k not in RETIRED.get(section.name, ())}
        unknown = set(given) - {f.name for f in dataclasses.fields(current)}
        if unknown:
            raise PolicyError(f"unknown {section.name} settings: {', '.join(sorted(unknown))}")
        values = {key: _coerce(getattr(current, key), value) for key, value in given.items()}
        try:
            sections[section.name] = dataclasses.replace(current, **values)
        except (TypeError, ValueError) as error:
            raise PolicyError(str(error)) from error
    unknown_sections = set(overrides) - set(sections)
    if unknown_sections:
        raise PolicyError(f"unknown settings sections: {', '.join(sorted(unknown_sections))}")
    return Policy(**sections)


def policy_to_dict(policy: Policy) -> dict:
    """The settings of `policy` that differ from the defaults, JSON-ready."""
    out: dict = {}
    default = Policy()
    for section in dataclasses.fields(Policy):
        mine, base = getattr(policy, section.name), getattr(default, section.name)
        changed = {
            f.name: _plain(getattr(mine, f.name))
            for f in dataclasses.fields(mine)
            if getattr(mine, f.name) != getattr(base, f.name)
        }
        if changed:
            out[section.name] = changed
    return out


def _coerce(default, value):
    if isinstance(default, Decimal):
        return Decimal(str(value))
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int) and not isinstance(default, bool):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, dict):
        return {str(k): float(v) for k, v in dict(value).items()}
    return value


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value

"""The value analysis as pages read it: computed once per state of the data, then served
from memory until an import, an override or any other input changes the data's stamp
(kam.core.versions). A stamp check is one small query, so a dashboard costs a lookup,
not an analysis, for everyone after the first visitor.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

import polars as pl
from django.db import connection

from kam.core import versions

from . import loaders
from .analytics.analysis import Analysis, restrict
from .analytics.periods import Period
from .analytics.policy import Policy
from .config import policy_to_dict

KEEP = 6
"""Analyses kept per process: a few periods (this year, last year, a quarter) at once."""

_cache: OrderedDict[tuple, Computed] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Computed:
    """A company-wide analysis and the inputs needed to look at a part of it."""

    analysis: Analysis
    months: pl.DataFrame
    team: pl.DataFrame


def company(period: Period, policy: Policy | None = None) -> Computed:
    """The analysis of every account for `period`, from the cache when the data is unchanged."""
    from .services import active_policy, compute

    policy = policy or active_policy()
    stamps = versions.stamps()
    if "" in stamps.values():  # data written before stamps existed: nothing to key on
        return compute(period, policy)
    key = (
        connection.alias,
        connection.settings_dict["NAME"],
        tuple(sorted(stamps.items())),
        period,
        json.dumps(policy_to_dict(policy), sort_keys=True, default=str),
    )
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    computed = compute(period, policy)
    with _lock:
        _cache[key] = computed
        while len(_cache) > KEEP:
            _cache.popitem(last=False)
    return computed


def analysis_for(user, period: Period, policy: Policy | None = None) -> Analysis:
    """What `user` may see of the analysis: every account for the portfolio roles, else
    their accounts, with Pareto and health over those (see analytics.analysis.restrict)."""
    computed = company(period, policy)
    if user is not None and getattr(user, "sees_whole_portfolio", False):
        return computed.analysis
    return narrowed(computed, loaders.visible_ids(user))


def narrowed(computed: Computed, account_ids: pl.Series) -> Analysis:
    return restrict(computed.analysis, account_ids, computed.months, computed.team)


def clear() -> None:
    with _lock:
        _cache.clear()

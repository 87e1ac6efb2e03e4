"""The value analysis as pages read it: computed once per state of the data, then served
from memory until an import, an override or any other input changes the data's stamp
(kam.core.versions). A stamp check is one small query, so a dashboard costs a lookup,
not an analysis, for everyone after the first visitor.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import polars as pl
from django.db import connection
from django.db.models import Max, Min

from kam.core import versions
from kam.sales.models import AccountMonth

from . import loaders
from .analytics.analysis import Analysis, restrict
from .analytics.periods import Period
from .analytics.policy import Policy
from .config import policy_to_dict

KEEP = 6
"""Analyses kept per process: a few periods (this year, last year, a quarter) at once."""

_cache: OrderedDict[tuple, Computed] = OrderedDict()
_policies: dict[str, Policy] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Computed:
    """A company-wide analysis and the inputs needed to look at a part of it."""

    analysis: Analysis
    months: pl.DataFrame
    team: pl.DataFrame
    stamps: tuple = ()


def company(period: Period, policy: Policy | None = None) -> Computed:
    """The analysis of every account for `period`, from the cache when the data is unchanged."""
    from .services import compute

    stamps = versions.stamps()
    policy = policy or _active_policy(stamps[versions.VALUE])
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
    computed = dataclasses.replace(compute(period, policy), stamps=key[2])
    with _lock:
        _cache[key] = computed
        while len(_cache) > KEEP:
            _cache.popitem(last=False)
    return computed


def _active_policy(value_stamp: str) -> Policy:
    """The active tier configuration, read once per state of the data (saving or
    activating a configuration changes the value stamp)."""
    from .services import active_policy

    with _lock:
        if value_stamp and _policies.get(value_stamp) is not None:
            return _policies[value_stamp]
    policy = active_policy()
    if value_stamp:
        with _lock:
            _policies.clear()
            _policies[value_stamp] = policy
    return policy


def analysis_for(user, period: Period, policy: Policy | None = None) -> Analysis:
    """What `user` may see of the analysis: every account for the portfolio roles, else
    their accounts, with Pareto and health over those (see analytics.analysis.restrict)."""
    computed = company(period, policy)
    if user is not None and getattr(user, "sees_whole_portfolio", False):
        return computed.analysis
    return narrowed(computed, _visible_ids(user, computed.stamps))


def _visible_ids(user, stamps: tuple) -> pl.Series:
    """The user's account ids, asked once per request and state of the data (a page may
    look at two periods): kept on the user object, which Django makes for every request."""
    if user is None or not stamps:
        return loaders.visible_ids(user)
    memo = getattr(user, "_kam_visible_ids", None)
    if memo is None or memo[0] != stamps:
        memo = (stamps, loaders.visible_ids(user))
        user._kam_visible_ids = memo
    return memo[1]


def narrowed(computed: Computed, account_ids: pl.Series) -> Analysis:
    return restrict(computed.analysis, account_ids, computed.months, computed.team)


def clear() -> None:
    with _lock:
        _cache.clear()
        _policies.clear()
    with _spans_lock:
        _spans.clear()


@dataclass(frozen=True)
class DataSpan:
    """The first and last month any sales were recorded in, for the period pickers."""

    first: date | None
    last: date | None

    @property
    def years(self) -> list[int]:
        if self.first is None or self.last is None:
            return [date.today().year]
        return list(range(self.first.year, self.last.year + 1))

    @property
    def default_year(self) -> int:
        """The last whole year with data: a boss reviews last year, not three weeks of this one."""
        if self.last is None:
            return date.today().year
        if self.last.month == 12 or self.first is None or self.first.year == self.last.year:
            return self.last.year
        return self.last.year - 1

    def has_data_before(self, day: date) -> bool:
        return self.first is not None and self.first <= day


_spans: dict[str, DataSpan] = {}
_spans_lock = threading.Lock()


def data_span() -> DataSpan:
    """From the rollup, remembered until an import changes it (the rollup's stamp)."""
    stamp = versions.stamps()[versions.ROLLUP]
    with _spans_lock:
        if stamp and stamp in _spans:
            return _spans[stamp]
    bounds = AccountMonth.objects.aggregate(first=Min("month"), last=Max("month"))
    span = DataSpan(bounds["first"], bounds["last"])
    if stamp:
        with _spans_lock:
            _spans.clear()
            _spans[stamp] = span
    return span

"""The value analysis as pages read it: computed once per state of the data, then served
from memory until an import, an override or any other input changes the data's stamp
(kam.core.versions). A stamp check is one small query, so a dashboard costs a lookup,
not an analysis, for everyone after the first visitor.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import polars as pl
from django.db import connection
from django.db.models import Max, Min, Q

from kam.accounts import access
from kam.accounts.models import Account
from kam.core import versions
from kam.sales.models import AccountMonth

from . import loaders, snapshot
from .analytics.analysis import Analysis, restrict
from .analytics.periods import Period
from .analytics.policy import Policy
from .config import policy_to_dict

KEEP = 6
"""Analyses kept per process: a few periods (this year, last year, a quarter) at once."""

_cache: OrderedDict[tuple, Computed] = OrderedDict()
_policies: dict[str, Policy] = {}
KEEP_NARROWED = 64
"""Narrowed analyses kept per process: one per user and period in use."""
_narrowed: OrderedDict[tuple, Analysis] = OrderedDict()
_derived: dict[tuple, tuple[tuple[weakref.ref, ...], object]] = {}
T = TypeVar("T")
_lock = threading.Lock()


@dataclass(frozen=True)
class Computed:
    """A company-wide analysis and the inputs needed to look at a part of it."""

    analysis: Analysis
    months: pl.DataFrame
    team: pl.DataFrame
    key: tuple = ()
    """The cache key: database, data stamps, period and policy (empty when not cached)."""


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
        period.kind,  # the previous period depends on it (a year to date's is last year's)
        json.dumps(policy_to_dict(policy), sort_keys=True, default=str),
    )
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    computed = dataclasses.replace(compute(period, policy, stamps), key=key)
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
    their accounts, with Pareto and health over those (see analytics.analysis.restrict).

    A narrowed analysis is kept too, per state of the data and per what decides the
    user's scope (role, region, account teams — a team change changes the value stamp),
    so a KAM's second page costs no more than the boss's.
    """
    computed = company(period, policy)
    if access.sees_every_account(user):
        return computed.analysis
    if not computed.key or user is None:
        return narrowed(computed, loaders.visible_ids(user))
    key = (computed.key, access.scope_key(user))
    with _lock:
        if key in _narrowed:
            _narrowed.move_to_end(key)
            return _narrowed[key]
    analysis = narrowed(computed, loaders.visible_ids(user))
    with _lock:
        _narrowed[key] = analysis
        while len(_narrowed) > KEEP_NARROWED:
            _narrowed.popitem(last=False)
    return analysis


def derived(analysis: Analysis, name: str, build: Callable[[], T], *, also=None) -> T:
    """Something a page builds from an analysis (the list's joined table, the dashboard's
    figures), kept for as long as that analysis object — and `also`, a second analysis it
    was built from — live in the caches above."""
    sources = (analysis,) if also is None else (analysis, also)
    key = (*map(id, sources), name)
    with _lock:
        entry = _derived.get(key)
        if entry is not None and all(
            ref() is src for ref, src in zip(entry[0], sources, strict=True)
        ):
            return entry[1]
    value = build()
    with _lock:
        _derived[key] = (tuple(weakref.ref(src) for src in sources), value)
    for source in sources:
        weakref.finalize(source, _derived.pop, key, None)
    return value


def narrowed(computed: Computed, account_ids: pl.Series) -> Analysis:
    return restrict(computed.analysis, account_ids, computed.months, computed.team)


def clear() -> None:
    snapshot.forget()
    with _lock:
        _cache.clear()
        _policies.clear()
        _narrowed.clear()
        _derived.clear()
    with _spans_lock:
        _spans.clear()
        _visible.clear()


@dataclass(frozen=True)
class DataSpan:
    """The first and last month with any order line: what growth may compare."""

    first: date | None
    last: date | None

    @property
    def period(self) -> Period | None:
        """The whole months from the first to the last, None without data."""
        if self.first is None or self.last is None:
            return None
        return Period.between(self.first, self.last)


_spans: dict[str, DataSpan] = {}
_visible: OrderedDict[tuple, list[date]] = OrderedDict()
_spans_lock = threading.Lock()


def with_lines():
    """Rollup rows with an order line (or revenue, or an order): a month that only
    collected cash for earlier orders is no month of sales data."""
    return AccountMonth.objects.filter(Q(lines__gt=0) | Q(orders__gt=0) | ~Q(revenue=0))


def data_span(stamps: dict | None = None) -> DataSpan:
    """From the rollup, remembered until an import changes it (the rollup's stamp).
    `stamps`, when the caller has just read them, saves reading them again."""
    stamp = (stamps or versions.stamps())[versions.ROLLUP]
    with _spans_lock:
        if stamp and stamp in _spans:
            return _spans[stamp]
    bounds = with_lines().aggregate(first=Min("month"), last=Max("month"))
    span = DataSpan(bounds["first"], bounds["last"])
    if stamp:
        with _spans_lock:
            _spans.clear()
            _spans[stamp] = span
    return span


def months_with_data(user, stamps: dict | None = None) -> list[date]:
    """The months with sales on accounts `user` may see (every account for the portfolio
    roles and for None, the command line), newest first: what the period pickers offer.
    One query, remembered per state of the data and per what decides the user's scope (a
    team change changes the value stamp), like `analysis_for`."""
    stamps = stamps or versions.stamps()
    key = (connection.alias, tuple(sorted(stamps.items())), access.scope_key(user))
    cacheable = "" not in stamps.values()
    with _spans_lock:
        if cacheable and key in _visible:
            _visible.move_to_end(key)
            return _visible[key]
    rows = with_lines()
    if user is not None and not access.sees_every_account(user):
        rows = rows.filter(account__in=Account.objects.restrict(user).order_by().values("pk"))
    months = list(rows.order_by("-month").values_list("month", flat=True).distinct())
    if cacheable:
        with _spans_lock:
            _visible[key] = months
            while len(_visible) > KEEP_NARROWED:
                _visible.popitem(last=False)
    return months

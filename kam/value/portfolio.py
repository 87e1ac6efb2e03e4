"""The value analysis as pages read it: computed once per state of the data, then served
from memory until an import, an override or any other input changes the data's stamp
(kam.core.versions). A stamp check is one small query, so a dashboard costs a lookup,
not an analysis, for everyone after the first visitor.

This module is value's read side: computing and caching analyses, the active policy,
what-if previews, the data's span. Its writes (tier configurations, applied tiers,
overrides, potential, snapshots prepared after an import) are in kam.value.services,
which may import this module; this module never imports that one.

Accounts' names, codes and stages are shown and filtered by but not computed with: they
have a stamp of their own (`versions.labels`), so a stage move or a rename relabels the
cached analysis (a join) instead of computing it again.
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
from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, Q

from kam.accounts import access
from kam.accounts.models import Account
from kam.core import versions
from kam.sales.models import AccountMonth

from . import loaders, snapshot
from .analytics.analysis import Analysis, analyze, restrict
from .analytics.periods import Period
from .analytics.policy import Policy
from .analytics.tiers import WhatIf, what_if
from .config import policy_from_dict, policy_to_dict
from .models import AccountTier, TierConfig

KEEP = 6
"""Analyses kept per process: a few periods (this year, last year, a quarter) at once."""

_cache: OrderedDict[tuple, Computed] = OrderedDict()
_relabelled: OrderedDict[tuple, Computed] = OrderedDict()
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
    labels: str = ""
    """The stamp of the accounts' names and stages the analysis carries (versions.labels)."""


def company(period: Period, policy: Policy | None = None) -> Computed:
    """The analysis of every account for `period`, from the cache when the data is unchanged.

    The key holds the stamps of what the analysis computes with (rollup and value), not
    the accounts' labels: a stage move or a rename keeps the computed analysis and only
    relabels it (see `_labelled`)."""
    stamps = versions.stamps()
    policy = policy or _active_policy(stamps[versions.VALUE])
    if not all(stamps[kind] for kind in versions.COMPUTED_FROM):  # data written before stamps
        return compute(period, policy, stamps)  # existed: nothing to key on
    key = (
        connection.alias,
        connection.settings_dict["NAME"],
        tuple((kind, stamps[kind]) for kind in versions.COMPUTED_FROM),
        period,
        period.kind,  # the previous period depends on it (a year to date's is last year's)
        json.dumps(policy_to_dict(policy), sort_keys=True, default=str),
    )
    with _lock:
        computed = _cache.get(key)
        if computed is not None:
            _cache.move_to_end(key)
    if computed is None:
        computed = dataclasses.replace(compute(period, policy, stamps), key=key)
        with _lock:
            _cache[key] = computed
            while len(_cache) > KEEP:
                _cache.popitem(last=False)
    return _labelled(computed, stamps)


def _labelled(computed: Computed, stamps: dict) -> Computed:
    """`computed` with the accounts' current names, codes and stages, kept per state of
    the labels, its key naming that state: the caches keyed on it (narrowed analyses, the
    list's table) are built again with new labels; the analysis' other frames are shared."""
    current = versions.labels(stamps)
    key = (*computed.key, current)  # what the narrowed analyses are kept under
    with _lock:
        if key in _relabelled:
            _relabelled.move_to_end(key)
            return _relabelled[key]
    if computed.labels == current:
        relabelled = dataclasses.replace(computed, key=key)
    else:
        relabelled = _relabel(computed, loaders.labels(stamps), key, current)
    with _lock:
        _relabelled[key] = relabelled
        while len(_relabelled) > KEEP:
            _relabelled.popitem(last=False)
    return relabelled


def _relabel(computed: Computed, labels: pl.DataFrame, key: tuple, stamp: str) -> Computed:
    """The accounts frame with `labels`' columns swapped in, rows and columns in place."""
    accounts = computed.analysis.accounts
    kept = accounts.drop([c for c in labels.columns if c != "account_id"], strict=False)
    joined = kept.join(labels, on="account_id", how="left", maintain_order="left")
    analysis = dataclasses.replace(computed.analysis, accounts=joined.select(accounts.columns))
    return dataclasses.replace(computed, analysis=analysis, key=key, labels=stamp)


def _active_policy(value_stamp: str) -> Policy:
    """The active tier configuration, read once per state of the data (saving or
    activating a configuration changes the value stamp)."""
    with _lock:
        if value_stamp and _policies.get(value_stamp) is not None:
            return _policies[value_stamp]
    policy = active_policy()
    if value_stamp:
        with _lock:
            _policies.clear()
            _policies[value_stamp] = policy
    return policy


def active_policy() -> Policy:
    """The settings of the active tier configuration (the defaults when none is active)."""
    config = TierConfig.objects.filter(is_active=True).first()
    return policy_from_dict(config.policy if config else None)


def run_analysis(period: Period, *, user=None, policy: Policy | None = None) -> Analysis:
    """The whole value analysis, computed now, for the accounts `user` may see (everyone's
    for None). Tiers are the company's; see analytics.analysis.restrict."""
    computed = compute(period, policy or active_policy())
    if user is None:
        return computed.analysis
    return narrowed(computed, loaders.visible_ids(user))


def compute(period: Period, policy: Policy, stamps: dict | None = None) -> Computed:
    """The analysis of every account, computed now from the inputs' snapshots."""
    stamps = stamps or versions.stamps()
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
        data=inputs.data,
    )
    labels = versions.labels(stamps)
    return Computed(with_overrides(analysis), inputs.months, inputs.team, labels=labels)


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


def preview(analysis: Analysis, policy: Policy) -> WhatIf:
    """What-if: the tiers `policy` would give, against the computed ones, nothing saved."""
    return what_if(analysis.metrics, computed_tiers(analysis.tiers), policy)


def computed_tiers(tiers: pl.DataFrame) -> pl.DataFrame:
    """The tiers frame as the engine computed it, before manual overrides."""
    if "computed_tier" not in tiers.columns:
        return tiers
    return tiers.with_columns(tier=pl.col("computed_tier")).drop("computed_tier", "overridden")


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
        _relabelled.clear()
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
    computed_from = tuple(stamps[kind] for kind in versions.COMPUTED_FROM)
    key = (connection.alias, computed_from, access.scope_key(user))
    cacheable = all(computed_from)
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

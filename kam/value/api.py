"""The value analysis over the API: each account's figures and tier for a period, the
portfolio summary the dashboard shows, and the account's tier with the override a manager
sets by hand. Mounted at the API's root (PREFIX ""), so the paths read

- `GET /api/v1/metrics/` — one row per account the caller may see, for a period;
- `GET /api/v1/portfolio/` — the value pyramid, 80/20, health and false key accounts;
- `GET/PUT /api/v1/accounts/{id}/tier/` and `GET …/tier/history/` — the tier and its moves.

Every figure comes from the same cached analysis as the pages (`analysis_for`, the account
list's table, the dashboard's chart functions, the account page's tier), so the API and the
pages never disagree. Money is a decimal string in the company's currency; a figure the data
cannot give is null, and `unknown` says why, in the caller's language.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kam.accounts import access, listing
from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.accounts.views.listing import account_list_of
from kam.core import versions
from kam.core.history import history_of
from kam.core.rest import READ, WRITE, Id, Page, aware, if_match, set_etag
from kam.web.formatting import unknown_reason

from . import charts, periods, portfolio, sections, services
from .analytics.analysis import Analysis
from .analytics.flags import FLAG_KINDS, Flag
from .analytics.periods import Period
from .analytics.tiers import STANDINGS, TIERS
from .forms import period_form

PREFIX = ""
router = Router(tags=["value"])

TierKey = Literal[TIERS]  # type: ignore[valid-type]
Standing = Literal[STANDINGS]  # type: ignore[valid-type]
FlagKind = Literal[FLAG_KINDS]  # type: ignore[valid-type]
Money = str | None
SORTS = {  # the orderings a client may ask for → the account list's sort key
    "revenue": "revenue",
    "gross_profit": "gross_profit",
    "gross_margin": "gross_margin",
    "net_contribution": "net_contribution",
    "growth": "growth",
    "orders": "orders",
    "days_to_pay": "days_to_pay",
    "score": "score",
    "standing": "tier",
    "name": "name",
    "code": "code",
}
Ordering = Literal[tuple(f"{sign}{key}" for key in SORTS for sign in ("", "-"))]  # type: ignore[valid-type]

MONEY_FIGURES = (
    "revenue",
    "cost",
    "gross_profit",
    "uncosted_revenue",
    "cash_collected",
    "receivables",
    "revenue_prev",
    "cost_to_serve",
    "financing_cost",
    "net_contribution",
)
SHARES = ("gross_margin", "discount_rate", "return_rate", "uncosted_share", "growth")
RATIOS = ("gross_margin", "discount_rate", "return_rate", "uncosted_share", "days_to_pay")
"""Figures that divide: null also when what they divide by is zero (nothing to divide)."""


def money(value) -> str | None:
    """A decimal string with two places ("1234.50"); None stays None (unknown, not 0)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


# ---------------------------------------------------------------- the period


class PeriodQuery(Schema):
    """A period named as the pages name it in their address; none: the pages' default."""

    period: str | None = Field(
        None,
        max_length=20,
        description="2025, 2025-Q2, 2025-11, ytd-2026-11 (year to date), 12m-2026-11 (12 "
        "months to), or `range` with `from` and `to`. Default: the period the pages open on.",
    )
    first: str | None = Field(
        None, alias="from", max_length=10, description="first month of a span (YYYY-MM)"
    )
    last: str | None = Field(
        None, alias="to", max_length=10, description="last month of a span (YYYY-MM)"
    )


def period_of(request: HttpRequest, query: PeriodQuery) -> Period:
    """The period asked for, the pages' default when none; a period that names nothing
    is a 400 (where a page quietly shows its default)."""
    params = {"period": query.period, "from": query.first, "to": query.last}
    try:
        period = periods.parse_query(params)
    except (ValueError, TypeError):
        message = _(
            "Name a period as 2025, 2025-Q2, 2025-11, ytd-2025-11 or 12m-2025-11, or a "
            "span of months with from and to (YYYY-MM)."
        )
        raise ValidationError({"period": [message]}) from None
    return period if period is not None else period_form(None, request.auth).period()


class PeriodOut(Schema):
    token: str = Field(..., description="the `period` value naming it (`range`: from–to)")
    label: str
    kind: str
    start: str = Field(..., description="first month, YYYY-MM")
    end: str = Field(..., description="last month, YYYY-MM")
    previous_start: str = Field(..., description="the period growth compares with")
    previous_end: str


def period_out(period: Period) -> dict:
    before = period.previous()
    return {
        "token": periods.token(period),
        "label": periods.label(period),
        "kind": period.kind,
        "start": periods.month_text(period.start),
        "end": periods.month_text(period.end),
        "previous_start": periods.month_text(before.start),
        "previous_end": periods.month_text(before.end),
    }


# ---------------------------------------------------------------- unknown figures


def nothing_to_divide() -> str:
    return _("Nothing to divide by: the figure it is a share of is zero in this period.")


def why_unknown(name: str, row: dict, comparison) -> str | None:
    """Why the account's figure `name` is null, as the pages say it beside the "—"."""
    if name in ("growth", "revenue_prev"):
        return periods.account_growth_unknown(row, comparison) or nothing_to_divide()
    if name == "gross_margin" and row.get("cost") is None:
        return unknown_reason("gross_margin")
    if name in RATIOS:
        return nothing_to_divide()
    if name == "score":
        return _("Not scored: the account bought nothing in this period.")
    return unknown_reason(name, row)


def unknown_of(row: dict, comparison) -> dict[str, str]:
    """Each null figure of the row → why it is unknown."""
    names = (*MONEY_FIGURES, *RATIOS, "growth", "score")
    reasons = {name: why_unknown(name, row, comparison) for name in names if row[name] is None}
    return {name: str(reason) for name, reason in reasons.items() if reason}


# ---------------------------------------------------------------- metrics and tiers


class FlagOut(Schema):
    kind: FlagKind
    label: str
    summary: str = Field(..., description="the finding in one sentence, with its figures")
    month: str | None = Field(None, description="the month of the triggering purchase")
    evidence: list[dict[str, Any]] = Field(
        ..., description="each threshold crossed: metric, value, op, threshold"
    )


def flag_out(flag: Flag) -> dict:
    return {**flag.as_dict(), "label": flag.label}


class MetricsOut(Schema):
    """One account's figures for the period; money in `currency`, shares as fractions."""

    id: int
    code: str | None
    name: str
    region: int | None
    owner: int | None
    period: str = Field(..., description="the `period` value of the figures' period")
    period_from: str = Field(..., description="its first month, YYYY-MM")
    period_to: str = Field(..., description="its last month, YYYY-MM")
    currency: str
    revenue: Money
    cost: Money
    gross_profit: Money
    gross_margin: float | None
    discount_rate: float | None
    uncosted_revenue: Money = Field(..., description="revenue without a known cost")
    uncosted_share: float | None
    cash_collected: Money
    days_to_pay: float | None
    receivables: Money = Field(..., description="owed at the period's end")
    orders: int
    active_months: int = Field(..., description="months with purchases")
    revenue_prev: Money = Field(..., description="revenue of the previous period")
    growth: float | None = Field(..., description="on the previous period")
    return_rate: float | None
    cost_to_serve: Money
    financing_cost: Money
    net_contribution: Money
    score: float | None = Field(..., description="weighted value score, 0–1")
    score_metrics: list[str] = Field(..., description="the weighted metrics the score used")
    computed_tier: TierKey | None = Field(..., description="the tier the figures give")
    tier: TierKey | None = Field(..., description="the tier it holds: set by hand, else computed")
    overridden: bool = Field(..., description="whether a manager set the tier by hand")
    standing: Standing = Field(
        ..., description="its row of the value pyramid: the tier, `none` if it bought nothing"
    )
    uncapped_tier: TierKey | None = Field(
        ..., description="the tier before false-key-account flags"
    )
    flags: list[FlagOut] = Field(..., description="false key account findings")
    unknown: dict[str, str] = Field(..., description="each null figure → why it is unknown")


class MetricsFilters(PeriodQuery):
    q: str | None = Field(None, max_length=100, description="name or code contains")
    tier: TierKey | None = Field(None, description="the tier it holds (set by hand or computed)")
    standing: Standing | None = Field(None, description="the pyramid's row (`none`: no purchases)")
    flag: FlagKind | Literal["any"] | None = Field(None, description="flagged (`any` kind)")
    bought: bool | None = Field(None, description="bought something in the period")
    region: Id | None = None
    owner: Id | None = Field(None, description="owner (user) id")
    account: Id | None = Field(None, description="only this account")
    updated_since: datetime | None = Field(
        None,
        description="figures that may have changed at or after (ISO 8601): every row when "
        "their inputs changed since (an import, a tier set by hand, settings, a team), else "
        "the accounts whose own record changed since (a new name or code)",
    )
    ordering: Ordering | None = Field(
        None, description="sort field, - for descending; default -revenue"
    )


class Rows:
    """A page's worth of rows built only when the paginator slices: a list of 100,000
    accounts costs a filter and a sort in Polars, and Python dicts for one page."""

    def __init__(self, analysis: Analysis, accounts: listing.AccountList, numbers: pl.Series):
        self.analysis, self.accounts, self.numbers = analysis, accounts, numbers

    def count(self) -> int:
        return self.numbers.len()

    def __getitem__(self, part: slice) -> list[dict]:
        frame = self.accounts.rows(self.numbers[part])
        details = self.analysis.tiers.filter(
            pl.col("account_id").is_in(frame.get_column("account_id").implode())
        )
        tiers = {row["account_id"]: row for row in details.iter_rows(named=True)}
        build = RowBuilder(self.analysis, self.accounts.flags)
        return [build(row, tiers.get(row["account_id"], {})) for row in frame.iter_rows(named=True)]


class RowBuilder:
    """One account's row of the table as the API shows it."""

    def __init__(self, analysis: Analysis, flags: dict[int, list[Flag]]):
        self.comparison = analysis.comparison
        self.flags = flags
        self.period = {
            "period": periods.token(analysis.period),
            "period_from": periods.month_text(analysis.period.start),
            "period_to": periods.month_text(analysis.period.end),
        }

    def __call__(self, row: dict, tier: dict) -> dict:
        computed = tier.get("computed_tier", tier.get("tier"))
        return {
            **{name: row[name] for name in ("code", "name", "orders", "active_months")},
            **{name: row[name] for name in (*SHARES, "days_to_pay", "score")},
            **{name: money(row[name]) for name in MONEY_FIGURES},
            "id": row["account_id"],
            "region": row["region_id"],
            "owner": row["owner_id"],
            **self.period,
            "currency": settings.KAM_CURRENCY,
            "score_metrics": list(tier.get("score_metrics") or []),
            "computed_tier": None if computed is None else str(computed),
            "tier": row["held_tier"],
            "overridden": bool(row["overridden"]),
            "standing": row["tier"],
            "uncapped_tier": _text(tier.get("uncapped_tier")),
            "flags": [flag_out(f) for f in self.flags.get(row["account_id"], [])],
            "unknown": unknown_of(row, self.comparison),
        }


def _text(value) -> str | None:
    return None if value is None else str(value)


def _filters(filters: MetricsFilters) -> listing.Filters:
    """The account list's own filters, as its page would read them."""
    bought = None if filters.bought is None else ("yes" if filters.bought else "no")
    sort = filters.ordering or listing.DEFAULT_SORT
    key = SORTS[sort.lstrip("-")]
    return listing.Filters(
        tier=filters.standing,
        bought=bought,
        flag=filters.flag,
        region=filters.region,
        owner=filters.owner,
        q=" ".join((filters.q or "").split()),
        sort=f"-{key}" if sort.startswith("-") else key,
    )


def _within(table: pl.DataFrame, filters: MetricsFilters) -> pl.Series | None:
    """Account ids the filters the account list lacks allow (None: no such filter)."""
    wanted = []
    if filters.tier is not None:
        wanted.append(pl.col("held_tier") == filters.tier)
    if filters.account is not None:
        wanted.append(pl.col("account_id") == filters.account)
    if filters.updated_since is not None:
        changed = changed_since(aware(filters.updated_since))
        if changed is not None:
            wanted.append(pl.col("account_id").is_in(changed))
    if not wanted:
        return None
    return table.filter(pl.all_horizontal(wanted)).get_column("account_id")


def changed_since(moment: datetime) -> list[int] | None:
    """The accounts whose figures may differ from what they were at `moment`: all (None)
    when an input of the analysis changed since — a tier by share and the Pareto depend on
    every account, so one import can move anyone — else those whose own record (name,
    code) changed since."""
    last = versions.changed_at(*versions.COMPUTED_FROM)
    if last is None or last >= moment:
        return None
    return list(Account.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))


@router.get("/metrics/", response={200: list[MetricsOut], **READ}, summary="Figures and tiers")
@paginate(Page)
def list_metrics(request: HttpRequest, filters: Query[MetricsFilters]):
    """Each account you may see (as on the accounts page) with its figures and tier for the
    period: the same numbers the account list and the account page show. A null figure is
    unknown (no cost in the data, no payment data, a previous period the data covers only
    in part …) and `unknown` says why; it never counts as zero."""
    analysis = portfolio.analysis_for(request.auth, period_of(request, filters))
    accounts = account_list_of(analysis)
    chosen = accounts.select(_filters(filters), _within(accounts.table, filters))
    return Rows(analysis, accounts, chosen)


# ---------------------------------------------------------------- the portfolio


class TierRow(Schema):
    tier: Standing
    label: str
    accounts: int
    revenue: str
    account_share: float | None = Field(..., description="of the accounts that bought")
    revenue_share: float | None = Field(..., description="of the period's revenue")


class Headline(Schema):
    accounts: int = Field(..., description="accounts in your view")
    buyers: int = Field(..., description="accounts that bought in the period")
    revenue: str
    gross_profit: Money
    net_contribution: Money
    uncosted_revenue: str
    uncosted_share: float | None
    revenue_prev: Money
    growth: float | None
    score_gaps: dict[str, int] = Field(
        ..., description="weighted metric → scored accounts whose score had to leave it out"
    )


class ParetoOut(Schema):
    top_share: float = Field(..., description="the top share of accounts (0.2: the top 20%)")
    accounts: int = Field(..., description="accounts that bought, the curve's population")
    revenue_share: float | None = Field(..., description="their share of revenue")
    gross_profit_share: float | None = Field(..., description="their share of gross profit")


class HealthYear(Schema):
    year: int
    months: int | None = Field(..., description="months with data (a partial year has fewer)")
    accounts: int
    revenue: Money
    top_revenue_share: float | None
    meets_minimum: bool | None
    change: float | None = Field(..., description="on the year before")
    hhi: float | None


class HealthOut(Schema):
    top_n: int
    top_revenue_share: float | None = Field(..., description="the top N accounts' share")
    minimum: float = Field(..., description="the share they must reach (0.5)")
    meets_minimum: bool | None
    hhi: float | None = Field(..., description="Herfindahl–Hirschman index, 0–1")
    by_year: list[HealthYear]


class FlaggedAccount(Schema):
    id: int
    code: str | None
    name: str
    revenue: Money
    gross_margin: float | None
    tier: TierKey | None
    overridden: bool
    uncapped_tier: TierKey | None = Field(..., description="what the figures alone would give")
    flags: list[FlagOut]


class FlagCount(Schema):
    kind: FlagKind
    label: str
    accounts: int


class FalseKeyAccounts(Schema):
    total: int = Field(..., description="flagged accounts (all of them: see /metrics/?flag=any)")
    kinds: list[FlagCount]
    accounts: list[FlaggedAccount] = Field(..., description="the largest by revenue, as shown")


class PortfolioOut(Schema):
    period: PeriodOut
    currency: str
    whole_portfolio: bool = Field(..., description="false: the accounts you may see")
    headline: Headline
    pyramid: list[TierRow]
    pareto: ParetoOut
    health: HealthOut
    false_key_accounts: FalseKeyAccounts
    unknown: dict[str, str] = Field(..., description="each null figure (its path) → why")


@router.get("/portfolio/", response={200: PortfolioOut, **READ}, summary="Portfolio summary")
def portfolio_summary(request: HttpRequest, query: Query[PeriodQuery]):
    """The dashboard's figures for the period, over the accounts you may see: the value
    pyramid, the 80/20 shares, the top ten's share against the 50% minimum, and the false
    key accounts with their evidence."""
    period = period_of(request, query)
    analysis = portfolio.analysis_for(request.auth, period)
    name = f"api portfolio {get_language()}"
    summary = portfolio.derived(analysis, name, lambda: summary_of(analysis))
    return {**summary, "whole_portfolio": access.sees_every_account(request.auth)}


def summary_of(analysis: Analysis) -> dict:
    """Every figure of the summary, once per cached analysis and language."""
    headline = charts.headline(analysis)
    return {
        "period": period_out(analysis.period),
        "currency": analysis.currency,
        "headline": headline_out(analysis, headline),
        "pyramid": [
            {**row, "revenue": money(row["revenue"])} for row in charts.tier_summary(analysis)
        ],
        "pareto": {
            "top_share": analysis.revenue_pareto.top_share,
            "accounts": analysis.revenue_pareto.accounts,
            "revenue_share": analysis.revenue_pareto.top_value_share,
            "gross_profit_share": analysis.profit_pareto.top_value_share,
        },
        "health": health_out(analysis),
        "false_key_accounts": false_key_accounts(analysis),
        "unknown": summary_unknown(analysis, headline),
    }


def headline_out(analysis: Analysis, headline: charts.Headline) -> dict:
    return {
        "accounts": analysis.accounts.height,
        "buyers": headline.buyers,
        "revenue": money(headline.revenue),
        "gross_profit": money(headline.gross_profit),
        "net_contribution": money(headline.net_contribution),
        "uncosted_revenue": money(headline.uncosted_revenue),
        "uncosted_share": headline.uncosted_share,
        "revenue_prev": money(headline.revenue_prev),
        "growth": headline.growth,
        "score_gaps": headline.score_gaps,
    }


def health_out(analysis: Analysis) -> dict:
    health = analysis.health
    years = analysis.health_by_year.rename({"top10_revenue_share": "top_revenue_share"})
    return {
        "top_n": health.top_n,
        "top_revenue_share": health.top_revenue_share,
        "minimum": analysis.policy.portfolio.health_minimum,
        "meets_minimum": health.meets_minimum,
        "hhi": health.hhi,
        "by_year": [
            {**row, "revenue": money(row["revenue"])} for row in years.iter_rows(named=True)
        ],
    }


def false_key_accounts(analysis: Analysis) -> dict:
    """The dashboard's false key accounts, each with its findings' raw evidence."""
    found = charts.false_key_accounts(analysis)
    flags: dict[int, list[dict]] = {}
    for flag in analysis.flags:
        flags.setdefault(flag.account_id, []).append(flag_out(flag))
    accounts = [
        {
            **{key: row[key] for key in ("id", "code", "name", "gross_margin", "overridden")},
            "revenue": money(row["revenue"]),
            "tier": row["tier"] or None,
            "uncapped_tier": row["uncapped_tier"] or None,
            "flags": flags[row["id"]],
        }
        for row in found.accounts
    ]
    return {"total": found.total, "kinds": found.kinds, "accounts": accounts}


def summary_unknown(analysis: Analysis, headline: charts.Headline) -> dict[str, str]:
    """Each null figure of the summary → why, as the dashboard says it."""
    no_sales = _("No sales in this period")
    growth = periods.growth_unknown(analysis.comparison) or _(
        "no sales in the previous period to compare"
    )
    profit = unknown_reason("gross_profit") if headline.gross_profit is None else no_sales
    reasons = {
        "headline.gross_profit": (headline.gross_profit, unknown_reason("gross_profit")),
        "headline.net_contribution": (
            headline.net_contribution,
            unknown_reason("net_contribution"),
        ),
        "headline.uncosted_share": (headline.uncosted_share, no_sales),
        "headline.revenue_prev": (headline.revenue_prev, growth),
        "headline.growth": (headline.growth, growth),
        "pareto.revenue_share": (analysis.revenue_pareto.top_value_share, no_sales),
        "pareto.gross_profit_share": (analysis.profit_pareto.top_value_share, profit),
        "health.top_revenue_share": (analysis.health.top_revenue_share, no_sales),
    }
    return {path: str(why) for path, (value, why) in reasons.items() if value is None}


# ---------------------------------------------------------------- the tier of an account

TIERED = Account.objects.select_related("tier_state", "tier_state__overridden_by")


class TierOut(Schema):
    """The account's tier in the period, as its page shows it. Send the ETag back as
    If-Match with a change."""

    account: int
    period: str = Field(..., description="the `period` value of the computed tier's period")
    period_from: str = Field(..., description="its first month, YYYY-MM")
    period_to: str = Field(..., description="its last month, YYYY-MM")
    tier: TierKey | None = Field(..., description="set by hand, else computed")
    computed_tier: TierKey | None = Field(..., description="what the figures give")
    uncapped_tier: TierKey | None = Field(..., description="before false-key-account flags")
    capped_by_flags: list[FlagKind]
    overridden: bool
    override_reason: str | None
    overridden_by: int | None
    overridden_by_name: str | None
    overridden_at: datetime | None


def tier_out(account: Account, period: Period) -> dict:
    """The account page's tier (`sections.tier_of`) for the period, over the company's
    analysis as the page reads it."""
    tier = sections.tier_of(account, portfolio.company(period).analysis)
    state = tier["state"] if tier["overridden"] else None
    return {
        "account": account.pk,
        "period": periods.token(period),
        "period_from": periods.month_text(period.start),
        "period_to": periods.month_text(period.end),
        "tier": tier["key"] or None,
        "computed_tier": tier["computed"] or None,
        "uncapped_tier": tier["uncapped"] or None,
        "capped_by_flags": tier["capped_by_flags"],
        "overridden": tier["overridden"],
        "override_reason": state and state.override_reason,
        "overridden_by": state and state.overridden_by_id,
        "overridden_by_name": state and state.overridden_by and str(state.overridden_by),
        "overridden_at": state and state.overridden_at,
    }


def answer_tier(response: HttpResponse, account: Account, period: Period) -> dict:
    """The tier, with the ETag a change sends back (the tier as history stores it)."""
    state = getattr(account, "tier_state", None)
    set_etag(response, account, [services.tier_watch(account, state)])
    return tier_out(account, period)


@router.get(
    "/accounts/{int:account_id}/tier/", response={200: TierOut, **READ}, summary="Account tier"
)
def get_tier(
    request: HttpRequest, account_id: Id, query: Query[PeriodQuery], response: HttpResponse
):
    """404 when you may not see the account."""
    account = access.get_account(request.auth, account_id, queryset=TIERED)
    return answer_tier(response, account, period_of(request, query))


class TierIn(Schema):
    override: TierKey | None = Field(
        ..., description="the tier to set by hand; null goes back to the computed tier"
    )
    reason: str = Field("", max_length=1000, description="why (required to set a tier)")


@router.put(
    "/accounts/{int:account_id}/tier/", response={200: TierOut, **WRITE}, summary="Set the tier"
)
def set_tier(
    request: HttpRequest,
    account_id: Id,
    data: TierIn,
    query: Query[PeriodQuery],
    response: HttpResponse,
):
    """Set the tier by hand with a reason, or go back to the computed one (null), as the
    account page's tier card does; for those who steer tiers (403 for others who see the
    account). History names you. With If-Match, a tier changed since you read it is 409."""
    account = access.get_account(request.auth, account_id, Action.STEER_VALUE, queryset=TIERED)
    period = period_of(request, query)
    seen = if_match(request, account)
    if data.override is None:
        services.clear_override(account, reason=data.reason, by=request.auth, seen=seen)
    else:
        services.override_tier(
            account, data.override, reason=data.reason, by=request.auth, seen=seen
        )
    return answer_tier(response, TIERED.get(pk=account.pk), period)


class TierChangeOut(Schema):
    id: int
    kind: Literal["override", "computed"] = Field(
        ..., description="set (or cleared) by hand, or stored from a computation"
    )
    old_tier: str | None
    new_tier: str | None
    reason: str
    changed_by: int | None = Field(None, alias="changed_by_id")
    changed_by_name: str | None
    changed_at: datetime

    @staticmethod
    def resolve_kind(change) -> str:
        return "override" if change.field == "tier" else "computed"

    @staticmethod
    def resolve_old_tier(change) -> str | None:
        return change.old_value or None

    @staticmethod
    def resolve_new_tier(change) -> str | None:
        return change.new_value or None

    @staticmethod
    def resolve_changed_by_name(change) -> str | None:
        return str(change.changed_by) if change.changed_by_id else None


class HistoryFilters(Schema):
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")


@router.get(
    "/accounts/{int:account_id}/tier/history/",
    response={200: list[TierChangeOut], **READ},
    summary="Tier history",
)
@paginate(Page)
def list_tier_changes(request: HttpRequest, account_id: Id, filters: Query[HistoryFilters]):
    """Every change of the tier, set by hand or computed, newest first: who, when, from,
    to, why."""
    account = access.get_account(request.auth, account_id)
    rows = history_of(account).filter(field__in=sections.TIER_FIELDS)
    if filters.updated_since is not None:
        rows = rows.filter(changed_at__gte=aware(filters.updated_since))
    return rows.select_related("changed_by").order_by("-changed_at", "-pk")

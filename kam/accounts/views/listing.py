"""The accounts list and its export: the user's accounts with the period's figures.

The figures come from the cached analysis (`analysis_for`), already narrowed to what the
user may see; filters, search, sort and paging run in Polars (kam.accounts.listing).
The database is asked only for names: regions, owners and group names, one query each,
so the number of queries does not grow with the rows shown or the data's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kam.accounts import listing
from kam.accounts.choices import RelationshipStage, SalesStage
from kam.accounts.exports import accounts_xlsx
from kam.accounts.models import Account, Region
from kam.value import periods, portfolio
from kam.value.analytics.analysis import Analysis
from kam.value.analytics.flags import FLAG_KINDS, FLAG_LABELS
from kam.value.analytics.periods import Period
from kam.value.analytics.tiers import TIER_LABELS
from kam.value.forms import PeriodForm, period_form
from kam.value.portfolio import analysis_for

NUMERIC = ("money", "share", "days", "count")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Selection:
    """What both the page and the export need: the user's accounts and the chosen rows."""

    picker: PeriodForm
    period: Period
    filters: listing.Filters
    accounts: listing.AccountList
    growth_unknown: str | None = None
    """Why no account has a growth figure for the period (see kam.value.periods)."""

    @property
    def period_query(self) -> str:
        """The period part of every link of the page (empty for the default period)."""
        return self.picker.query


def account_list_of(analysis: Analysis) -> listing.AccountList:
    """The list of an analysis (joined table, sort orders), built once per cached analysis."""
    return portfolio.derived(analysis, "account list", lambda: _build(analysis))


def _build(analysis: Analysis) -> listing.AccountList:
    table = listing.account_table(analysis.accounts, analysis.metrics, analysis.tiers)
    return listing.AccountList(table, analysis.flags)


def _select(request) -> Selection:
    picker = period_form(request.GET, request.user)
    period = picker.period()
    analysis = analysis_for(request.user, period)
    accounts = account_list_of(analysis)
    filters = listing.Filters.from_params(request.GET)
    unknown = periods.growth_unknown(analysis.comparison)
    return Selection(picker, period, filters, accounts, unknown)


def _names(accounts: listing.AccountList, rows: pl.DataFrame, group: int | None) -> listing.Names:
    """Names of every region and owner in the user's accounts (the filters' dropdowns
    need them all, and they cover the rows), and of the rows' groups: one query each.
    Group names the visible table already holds are not fetched again."""
    region_ids = accounts.distinct_ids("region_id")
    owner_ids = accounts.distinct_ids("owner_id")
    regions = dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "name"))
    users = get_user_model().objects.filter(pk__in=owner_ids)
    owners = {user.pk: str(user) for user in users.only("username", "first_name", "last_name")}
    wanted = set(listing.distinct_ids(rows, "parent_id"))
    if group and _group_in_view(accounts.table, group):
        wanted.add(group)
    known = accounts.table.filter(pl.col("account_id").is_in(list(wanted))).select(
        "account_id", "name"
    )
    accounts = dict(known.iter_rows())
    missing = wanted - accounts.keys()
    if missing:
        # A visible subsidiary's group may be another team's account: its name is shown
        # with the subsidiary (as on the subsidiary's own page), nothing more.
        accounts |= dict(Account.objects.filter(pk__in=missing).values_list("pk", "name"))
    return listing.Names(regions=regions, owners=owners, accounts=accounts)


def _group_in_view(table: pl.DataFrame, group: int) -> bool:
    """A group the user may name: one of their accounts, or the group of one of them.
    Any other id gives an empty list and no name, so `group=` reveals nothing."""
    ids = pl.col("account_id") == group
    return table.filter(ids | (pl.col("parent_id") == group)).height > 0


def _choices(names: listing.Names) -> dict:
    return {
        "tiers": [(key, str(TIER_LABELS[key])) for key in listing.TIER_KEYS],
        "flags": [(listing.ANY_FLAG, _("Any flag"))]
        + [(kind, str(FLAG_LABELS[kind])) for kind in FLAG_KINDS],
        "regions": sorted(names.regions.items(), key=lambda item: item[1]),
        "owners": sorted(names.owners.items(), key=lambda item: item[1]),
        "stages": SalesStage.choices,
        "rstages": RelationshipStage.choices,
        "sorts": _sort_choices(),
    }


def _sort_choices() -> list[tuple[str, str]]:
    out = []
    for column in listing.COLUMNS:
        if column.sortable:
            first = column.key if column.key in ("code", "name") else f"-{column.key}"
            out.append((first, str(column.label)))
    return out


@login_required
def account_list(request):
    chosen = _select(request)
    filters = chosen.filters
    page = chosen.accounts.page(filters)
    names = _names(chosen.accounts, page.rows, filters.group)
    rows = listing.display_rows(page.rows, names, chosen.accounts.flags)
    context = {
        "rows": rows,
        "page": page,
        "columns": listing.COLUMNS,
        "filters": filters,
        "picker": chosen.picker,
        "period": chosen.period,
        "period_label": chosen.picker.label,
        "growth_unknown": chosen.growth_unknown or periods.new_account_reason(),
        "year_query": chosen.period_query,
        "group_name": names.accounts.get(filters.group) if filters.group else None,
        "visible_count": len(chosen.accounts),
        **_choices(names),
    }
    context["query"] = _with_year(filters.query(page=1), context["year_query"])
    context["headers"] = _headers(filters, context["year_query"])
    context["sort_keys"] = [key for key, _label in context["sorts"]]
    context["page_links"] = {
        "previous": _with_year(filters.query(page=page.number - 1), context["year_query"]),
        "next": _with_year(filters.query(page=page.number + 1), context["year_query"]),
        "last": _with_year(filters.query(page=page.pages), context["year_query"]),
        "first": _with_year(filters.query(page=1), context["year_query"]),
    }
    if request.headers.get("HX-Target") == "account-page":
        return render(request, "accounts/_list_page.html", context)
    return render(request, "accounts/list.html", context)


def _headers(filters: listing.Filters, year_query: str) -> list[dict]:
    return [
        {
            "key": column.key,
            "label": column.label,
            "numeric": column.kind in NUMERIC,
            "sorted": filters.sort_key == column.key,
            "link": _with_year(filters.sort_link(column.key), year_query)
            if column.sortable
            else None,
        }
        for column in listing.COLUMNS
    ]


def _with_year(query: str, year_query: str) -> str:
    return "&".join(part for part in (year_query, query) if part)


@login_required
def account_export(request):
    """Every account the filters select, in the list's order and columns: all pages."""
    chosen = _select(request)
    selected = chosen.accounts.frame(chosen.filters)
    names = _names(chosen.accounts, selected, chosen.filters.group)
    rows = listing.display_rows(selected, names, chosen.accounts.flags)
    sheet = _("Accounts %(year)s") % {"year": periods.file_label(chosen.period)}
    response = HttpResponse(accounts_xlsx(rows, listing.COLUMNS, sheet=sheet), content_type=XLSX)
    filename = f"accounts-{periods.file_label(chosen.period)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

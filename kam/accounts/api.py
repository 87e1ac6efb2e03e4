"""The accounts' API: the same queries, access rules and services as the pages
(mounted at /api/v1/accounts/ by kam.api)."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kam.core.rest import READ, Page, deletions, ordered, since

from . import access
from .access import Action, account_filter
from .choices import AccountStatus, RelationshipStage, SalesStage
from .models import Account

PREFIX = "accounts"
router = Router(tags=["accounts"])

Status = Literal[tuple(AccountStatus.values)]  # type: ignore[valid-type]
Sales = Literal[tuple(SalesStage.values)]  # type: ignore[valid-type]
Relationship = Literal[tuple(RelationshipStage.values)]  # type: ignore[valid-type]
ACCOUNT_ORDERING = Literal[  # the fields a client may sort by, each either way
    "name", "-name", "code", "-code", "created_at", "-created_at", "updated_at", "-updated_at"
]


class AccountOut(Schema):
    id: int
    name: str
    short_name: str
    code: str | None
    uscc: str
    industry: str
    region: int | None = Field(None, alias="region_id")
    region_name: str | None
    parent: int | None = Field(None, alias="parent_id")
    referred_by: int | None = Field(None, alias="referred_by_id")
    owner: int | None = Field(None, alias="owner_id")
    owner_name: str | None
    status: Status
    sales_stage: Sales
    relationship_stage: Relationship
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_region_name(account: Account) -> str | None:
        return account.region.name if account.region_id else None

    @staticmethod
    def resolve_owner_name(account: Account) -> str | None:
        return str(account.owner) if account.owner_id else None


class AccountFilters(Schema):
    q: str | None = Field(None, max_length=200, description="name, short name or code contains")
    region: int | None = Field(None, description="region id")
    owner: int | None = Field(None, description="owner (user) id")
    status: Status | None = None
    sales_stage: Sales | None = None
    relationship_stage: Relationship | None = None
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: ACCOUNT_ORDERING | None = Field(None, description="sort field; - for descending")


def visible_accounts(user):
    """What the list page shows this user, as the list page asks for it."""
    return Account.objects.restrict(user, Action.VIEW).select_related("region", "owner")


@router.get("/", response={200: list[AccountOut], **READ}, summary="List accounts")
@paginate(Page)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]):
    """The accounts you may see (the same as the accounts page), filtered and ordered."""
    rows = visible_accounts(request.auth)
    if filters.q:
        from django.db.models import Q

        rows = rows.filter(
            Q(name__icontains=filters.q)
            | Q(short_name__icontains=filters.q)
            | Q(code__icontains=filters.q)
        )
    for name in ("status", "sales_stage", "relationship_stage"):
        if (value := getattr(filters, name)) is not None:
            rows = rows.filter(**{name: value})
    if filters.region is not None:
        rows = rows.filter(region_id=filters.region)
    if filters.owner is not None:
        rows = rows.filter(owner_id=filters.owner)
    return ordered(since(rows, filters.updated_since), filters.ordering, "name")


@router.get("/{int:account_id}/", response={200: AccountOut, **READ}, summary="One account")
def get_account(request: HttpRequest, account_id: int):
    """404 when you may not see it."""
    return access.get_account(
        request.auth, account_id, queryset=Account.objects.select_related("region", "owner")
    )


@deletions("account")
def deleted_accounts(user):
    """Deleted accounts the user could see while they lived (ids and times only)."""
    rule = account_filter(user, Action.VIEW)
    rows = Account.objects.filter(deleted_at__isnull=False)
    return rows if rule is None else rows.filter(rule)

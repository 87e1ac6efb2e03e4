"""The accounts' API: the same queries, access rules and services as the pages
(mounted at /api/v1/accounts/ by kam.api)."""

from datetime import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kam.core.history import history_of
from kam.core.rest import (
    READ,
    WRITE,
    Id,
    Page,
    aware,
    deletions,
    if_match,
    ordered,
    set_etag,
    since,
)

from . import access, services, stages
from .access import Action, account_filter
from .choices import AccountStatus, RelationshipStage, SalesStage, StageTrack, TeamRole
from .models import Account, AccountTeamMember

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
    region: Id | None = Field(None, description="region id")
    owner: Id | None = Field(None, description="owner (user) id")
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


DETAIL = Account.objects.select_related("region", "owner")
STAGE_FIELDS = {StageTrack.SALES: "sales_stage", StageTrack.RELATIONSHIP: "relationship_stage"}


def _account(request, account_id: int, action: Action = Action.VIEW) -> Account:
    """404 when hidden from the caller, 403 when seen but `action` is not theirs."""
    return access.get_account(request.auth, account_id, action, queryset=DETAIL)


def _etag(response: HttpResponse, account: Account) -> None:
    """What a stale-edit check compares: the master data and the stages as the client now
    sees them (each change compares its own part)."""
    stages = [services.stage_watch(account, f) for f in STAGE_FIELDS.values()]
    set_etag(response, account, [*services.master_watches(account), *stages])


@router.get("/{int:account_id}/", response={200: AccountOut, **READ}, summary="One account")
def get_account(request: HttpRequest, account_id: Id, response: HttpResponse):
    """404 when you may not see it. The ETag is what you send back as If-Match with a change."""
    account = _account(request, account_id)
    _etag(response, account)
    return account


class AccountPatch(Schema):
    """Master data; fields left out stay as they are. Ids name regions, users and accounts."""

    name: str | None = Field(None, min_length=1, max_length=200)
    short_name: str | None = Field(None, max_length=100)
    code: str | None = Field(None, max_length=50)
    uscc: str | None = Field(None, max_length=18)
    industry: str | None = Field(None, max_length=100)
    region: Id | None = None
    parent: Id | None = None
    referred_by: Id | None = None
    owner: Id | None = None
    status: Status | None = None


class AccountIn(AccountPatch):
    name: str = Field(..., min_length=1, max_length=200)


def _related(user, data: dict) -> dict:
    """Ids to rows, each only among those the caller may choose (else a field error)."""
    choices = {
        "region": access.manageable_regions(user),
        "owner": get_user_model().objects.filter(is_active=True),
        "parent": Account.objects.restrict(user, Action.VIEW),
        "referred_by": Account.objects.restrict(user, Action.VIEW),
    }
    fields, problems = dict(data), {}
    for name, rows in choices.items():
        if fields.get(name) is not None:
            fields[name] = rows.filter(pk=fields[name]).first()
            if fields[name] is None:
                problems[name] = [_("Choose one of the allowed values.")]
    if problems:
        raise ValidationError(problems)
    return fields


@router.post("/", response={201: AccountOut, **WRITE}, summary="Create an account")
def create_account(request: HttpRequest, data: AccountIn):
    """For regional managers (in their region) and the portfolio, as in the admin."""
    if not access.manages_any(request.auth):
        raise PermissionDenied
    fields = _related(request.auth, data.dict(exclude_unset=True))
    owner = fields.pop("owner", None)
    account = services.create_account(by=request.auth, **fields)
    if owner is not None:
        services.change_owner(account, owner, by=request.auth)
    return Answer(201, DETAIL.get(pk=account.pk))


@router.patch("/{int:account_id}/", response={200: AccountOut, **WRITE}, summary="Change")
def update_account(
    request: HttpRequest, account_id: Id, data: AccountPatch, response: HttpResponse
):
    """Master data, for those who manage the account (else 403). Send the ETag of what you
    read as If-Match: a change made since is refused with 409 and what changed."""
    account = access.get_account(request.auth, account_id, Action.MANAGE, queryset=DETAIL)
    seen = if_match(request, account)
    fields = _related(request.auth, data.dict(exclude_unset=True))
    services.update_account(account, by=request.auth, seen=seen, **fields)
    account = DETAIL.get(pk=account.pk)
    _etag(response, account)
    return account


@router.delete("/{int:account_id}/", response={204: None, **WRITE}, summary="Delete (softly)")
def delete_account(request: HttpRequest, account_id: Id):
    """The account leaves every list and can be restored; its lines and history stay."""
    account = access.get_account(request.auth, account_id, Action.MANAGE)
    if account.deleted_at is None:
        services.delete_account(account, by=request.auth)
    return Answer(204, None)


@router.post("/{int:account_id}/restore/", response={200: AccountOut, **WRITE}, summary="Restore")
def restore_account(request: HttpRequest, account_id: Id):
    """A softly deleted account back in the lists (for those who manage it)."""
    account = access.get_account(request.auth, account_id, Action.MANAGE)
    if account.deleted_at is not None:
        services.restore_account(account, by=request.auth)
    return DETAIL.get(pk=account.pk)


# ---------------------------------------------------------------- team

Role = Literal[tuple(TeamRole.values)]  # type: ignore[valid-type]


class MemberOut(Schema):
    id: int
    user: int = Field(..., alias="user_id")
    user_name: str
    role: Role
    department: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_user_name(member: AccountTeamMember) -> str:
        return str(member.user)


class MemberIn(Schema):
    user: Id
    role: Role
    department: str = Field("", max_length=100)


class TeamFilters(Schema):
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")


@router.get(
    "/{int:account_id}/team/", response={200: list[MemberOut], **READ}, summary="Account team"
)
@paginate(Page)
def list_team(request: HttpRequest, account_id: Id, filters: Query[TeamFilters]):
    """Who works on the account, in which role."""
    account = _account(request, account_id)
    rows = AccountTeamMember.objects.filter(account=account).select_related("user")
    return since(rows, filters.updated_since).order_by("role", "user__username", "pk")


@router.post(
    "/{int:account_id}/team/", response={201: MemberOut, **WRITE}, summary="Add to the team"
)
def add_member(request: HttpRequest, account_id: Id, data: MemberIn):
    """For those who manage the team (owner, regional manager, portfolio)."""
    account = _account(request, account_id, Action.MANAGE_TEAM)
    user = get_user_model().objects.filter(pk=data.user, is_active=True).first()
    if user is None:
        raise ValidationError({"user": [_("Choose one of the allowed values.")]})
    member = services.add_to_team(
        account, user, data.role, department=data.department, by=request.auth
    )
    return Answer(201, AccountTeamMember.objects.select_related("user").get(pk=member.pk))


@router.delete(
    "/{int:account_id}/team/{int:member_id}/",
    response={204: None, **WRITE},
    summary="Remove from the team",
)
def remove_member(request: HttpRequest, account_id: Id, member_id: Id):
    """The owner's own KAM row stays (hand the account over first): 400."""
    account = _account(request, account_id, Action.MANAGE_TEAM)
    member = AccountTeamMember.objects.filter(account=account, pk=member_id).first()
    if member is None:
        raise Http404
    services.remove_team_member(account, member.user, member.role, by=request.auth)
    return Answer(204, None)


# ---------------------------------------------------------------- stage moves

Track = Literal[tuple(StageTrack.values)]  # type: ignore[valid-type]


class MoveOut(Schema):
    id: int
    track: Track
    old_stage: str = Field(..., alias="old_value")
    new_stage: str = Field(..., alias="new_value")
    reason: str
    changed_by: int | None = Field(None, alias="changed_by_id")
    changed_at: datetime

    @staticmethod
    def resolve_track(change) -> str:
        return {f: t for t, f in STAGE_FIELDS.items()}[change.field]


class MoveIn(Schema):
    track: Track
    stage: str = Field(..., min_length=1, max_length=32)
    reason: str = Field("", max_length=2000)


class MoveFilters(Schema):
    track: Track | None = None
    updated_since: datetime | None = Field(None, description="moved at or after (ISO 8601)")


@router.get(
    "/{int:account_id}/stages/", response={200: list[MoveOut], **READ}, summary="Stage moves"
)
@paginate(Page)
def list_moves(request: HttpRequest, account_id: Id, filters: Query[MoveFilters]):
    """Every move of the sales and relationship stages, newest first: who, when, from, to, why."""
    account = _account(request, account_id)
    fields = [STAGE_FIELDS[filters.track]] if filters.track else list(STAGE_FIELDS.values())
    rows = history_of(account).filter(field__in=fields)
    if filters.updated_since is not None:
        rows = rows.filter(changed_at__gte=aware(filters.updated_since))
    return rows.order_by("-changed_at", "-pk")


@router.post(
    "/{int:account_id}/stages/", response={200: AccountOut, **WRITE}, summary="Move a stage"
)
def move_stage(request: HttpRequest, account_id: Id, data: MoveIn, response: HttpResponse):
    """A move up past unproven checklist items or over a stage needs a reason (400 says
    which); If-Match with the account's ETag refuses a move on a stale copy (409)."""
    account = _account(request, account_id, Action.EDIT)
    seen = if_match(request, account)
    keys = stages.stage_keys(data.track)
    if data.stage not in keys:
        raise ValidationError({"stage": [_("Choose one of the allowed values.")]})
    change = (
        services.change_sales_stage
        if data.track == StageTrack.SALES
        else services.change_relationship_stage
    )
    change(account, data.stage, by=request.auth, reason=data.reason, seen=seen)
    account = DETAIL.get(pk=account.pk)
    _etag(response, account)
    return account


@deletions("account")
def deleted_accounts(user):
    """Deleted accounts the user could see while they lived (ids and times only)."""
    rule = account_filter(user, Action.VIEW)
    rows = Account.objects.filter(deleted_at__isnull=False)
    return rows if rule is None else rows.filter(rule)

"""The contacts' API (mounted at /api/v1/contacts/ by kam.api): the contacts of the accounts
the caller sees, with their place in the decision chain (M5), through the same access rules
and services as the pages and the admin. `…/{id}/history/` reads every recorded change of
a contact (its attitude history among them: field "support")."""

from datetime import date, datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kam.accounts import access
from kam.accounts.access import Action, account_filter
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

from . import services
from .choices import BuyingRole, Concern, ContactStatus, Level, Orientation, Support
from .models import Contact

PREFIX = "contacts"
router = Router(tags=["contacts"])

ORDERING = Literal["name", "-name", "updated_at", "-updated_at"]
LevelValue = Literal[tuple(Level.values)]
RoleValue = Literal[tuple(BuyingRole.values)]
SupportValue = Literal[tuple(Support.values)]
OrientationValue = Literal[tuple(Orientation.values)]
ConcernValue = Literal[tuple(Concern.values)]
StatusValue = Literal[tuple(ContactStatus.values)]
OneToFive = int | None

CHOSEN = ("level", "support", "orientation")
"""Choice fields stored as "" when not known: null in JSON, both ways."""
LINES = ("business_line", "technical_line", "management_line")


class ContactOut(Schema):
    id: int
    account: int = Field(..., alias="account_id")
    name: str
    title: str
    department: str
    phone: str
    email: str
    level: LevelValue | None = Field(None, description="null: not known")
    reports_to: int | None = Field(None, alias="reports_to_id")
    on_chart: bool
    roles: list[str] = Field(..., description="buying roles: " + ", ".join(BuyingRole.values))
    support: SupportValue | None = Field(None, description="null: not known")
    influence: int | None = Field(None, description="1 = low … 5 = high; null: not known")
    orientation: OrientationValue | None = None
    concerns: list[str]
    concerns_note: str
    relationship: int | None = Field(None, description="1 … 5; null: not known")
    relationship_goal: int | None = None
    status: str
    left_on: date | None
    is_node: bool
    business_line: int | None = Field(None, alias="business_line_id", description="a user id")
    technical_line: int | None = Field(None, alias="technical_line_id")
    management_line: int | None = Field(None, alias="management_line_id")
    last_met_on: date | None = Field(None, description="null: no visit logged (never met)")
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_level(contact) -> str | None:
        return contact.level or None

    @staticmethod
    def resolve_support(contact) -> str | None:
        return contact.support or None

    @staticmethod
    def resolve_orientation(contact) -> str | None:
        return contact.orientation or None


class ContactPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    level: LevelValue | None = None
    reports_to: Id | None = Field(None, description="a contact of the same account; null: nobody")
    on_chart: bool | None = None
    roles: list[RoleValue] | None = Field(None, max_length=len(BuyingRole.values))
    support: SupportValue | None = None
    influence: OneToFive = Field(None, ge=1, le=5)
    orientation: OrientationValue | None = None
    concerns: list[ConcernValue] | None = Field(None, max_length=len(Concern.values))
    concerns_note: str | None = Field(None, max_length=5000)
    relationship: OneToFive = Field(None, ge=1, le=5)
    relationship_goal: OneToFive = Field(None, ge=1, le=5)
    status: StatusValue | None = None
    left_on: date | None = None
    is_node: bool | None = None
    business_line: Id | None = Field(None, description="a user id; null: nobody")
    technical_line: Id | None = None
    management_line: Id | None = None
    notes: str | None = Field(None, max_length=10000)
    reason: str = Field("", max_length=2000, description="kept in history with each change")


class ContactIn(ContactPatch):
    account: Id
    name: str = Field(..., min_length=1, max_length=100)


class ContactFilters(Schema):
    account: Id | None = Field(None, description="only this account's contacts")
    q: str | None = Field(None, max_length=200, description="name contains")
    status: StatusValue | None = Field(None, description="active, or left the company")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: ORDERING | None = Field(None, description="sort field; - for descending")


def _service_fields(data: ContactPatch, account) -> dict:
    """The fields the client sent, as the services take them: unknown choices as "",
    ids as the rows they name — a manager among the account's living contacts, a line
    among our active users; anything else is a 400 naming the field, nothing changed."""
    fields = data.dict(exclude_unset=True, exclude={"account", "reason"})
    for name in CHOSEN:
        if name in fields and fields[name] is None:
            fields[name] = ""
    for name in ("roles", "concerns", "concerns_note", "notes", "on_chart", "is_node"):
        if name in fields and fields[name] is None:
            fields.pop(name)  # null for a list or a flag: leave it as it is
    problems = {}
    if fields.get("reports_to") is not None:
        manager = Contact.objects.alive().filter(account=account, pk=fields["reports_to"]).first()
        if manager is None:
            problems["reports_to"] = [_("The manager must be a contact of the same account.")]
        fields["reports_to"] = manager
    for name in LINES:
        if fields.get(name) is not None:
            user = get_user_model().objects.filter(pk=fields[name], is_active=True).first()
            if user is None:
                problems[name] = [_("Choose one of our active users.")]
            fields[name] = user
    if problems:
        raise ValidationError(problems)
    return fields


@router.get("/", response={200: list[ContactOut], **READ}, summary="List contacts")
@paginate(Page)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]):
    """The contacts of the accounts you see; `account` narrows to one of them."""
    rows = Contact.objects.restrict(request.auth, Action.VIEW).alive()
    if filters.account is not None:
        rows = rows.filter(account_id=filters.account)
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    return ordered(since(rows, filters.updated_since), filters.ordering, "name")


def _contact(request, contact_id: int, action: Action = Action.VIEW) -> Contact:
    """404 when its account is hidden, 403 when seen but not `action`."""
    return access.get_for(request.auth, Contact.objects.alive(), action, pk=contact_id)


@router.get("/{int:contact_id}/", response={200: ContactOut, **READ}, summary="One contact")
def get_contact(request: HttpRequest, contact_id: Id, response: HttpResponse):
    """The ETag is what you send back as If-Match with a change."""
    contact = _contact(request, contact_id)
    set_etag(response, contact, services.contact_watches(contact))
    return contact


@router.post("/", response={201: ContactOut, **WRITE}, summary="Create a contact")
def create_contact(request: HttpRequest, data: ContactIn):
    """For those who may edit the account (its team, the region's manager, the portfolio)."""
    account = access.get_account(request.auth, data.account, Action.EDIT)
    fields = _service_fields(data, account)
    return Answer(201, services.create_contact(account, by=request.auth, **fields))


@router.patch("/{int:contact_id}/", response={200: ContactOut, **WRITE}, summary="Change")
def update_contact(
    request: HttpRequest, contact_id: Id, data: ContactPatch, response: HttpResponse
):
    """For those who may edit the account. Send the ETag of what you read as If-Match: a
    change made since is refused with 409 and what changed."""
    contact = _contact(request, contact_id, Action.EDIT)
    seen = if_match(request, contact)
    fields = _service_fields(data, contact.account)
    contact = services.update_contact(
        contact, by=request.auth, seen=seen, reason=data.reason, **fields
    )
    set_etag(response, contact, services.contact_watches(contact))
    return contact


class ChangeOut(Schema):
    field: str
    before: str | None = Field(None, description="null: empty (not known)")
    after: str | None = Field(None, description="null: empty (not known)")
    reason: str
    changed_by: int | None = Field(None, alias="changed_by_id")
    changed_by_name: str | None = None
    changed_at: datetime

    @staticmethod
    def resolve_before(change) -> str | None:
        return change.old_value or None

    @staticmethod
    def resolve_after(change) -> str | None:
        return change.new_value or None

    @staticmethod
    def resolve_changed_by_name(change) -> str | None:
        return str(change.changed_by) if change.changed_by_id else None


class HistoryFilters(Schema):
    field: str | None = Field(None, max_length=64, description="one field, e.g. support")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")


@router.get(
    "/{int:contact_id}/history/",
    response={200: list[ChangeOut], **READ},
    summary="A contact's history",
)
@paginate(Page)
def list_changes(request: HttpRequest, contact_id: Id, filters: Query[HistoryFilters]):
    """Every recorded change of the contact, newest first: who, when, which field, before,
    after, why. `field=support` is the attitude history. Values are as history stores
    them: choice keys, ids of people, lists joined with commas."""
    rows = history_of(_contact(request, contact_id))
    if filters.field:
        rows = rows.filter(field=filters.field)
    if filters.updated_since is not None:
        rows = rows.filter(changed_at__gte=aware(filters.updated_since))
    return rows.select_related("changed_by").order_by("-changed_at", "-pk")


@router.delete("/{int:contact_id}/", response={204: None, **WRITE}, summary="Delete (softly)")
def delete_contact(request: HttpRequest, contact_id: Id):
    """Hidden everywhere and restorable from the admin; the deletion is in history."""
    services.delete_contact(_contact(request, contact_id, Action.EDIT), by=request.auth)
    return Answer(204, None)


@deletions("contact")
def deleted_contacts(user):
    """Deleted contacts of accounts the user sees."""
    rule = account_filter(user, Action.VIEW, "account__")
    rows = Contact.objects.filter(deleted_at__isnull=False, account__deleted_at__isnull=True)
    return rows if rule is None else rows.filter(rule)


def _more_routers():
    from . import api_cards, api_network

    return [("cards", api_cards.router), *api_network.ROUTERS]


ROUTERS = _more_routers()
"""Besides the contacts (PREFIX), the people app serves cards, third parties, connections and
paths, each module with its own routers (see kam.api.main)."""

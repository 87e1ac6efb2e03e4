"""The contacts' API (mounted at /api/v1/contacts/ by kam.api): the contacts of the accounts
the caller sees, through the same access rules and services as the admin."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kam.accounts import access
from kam.accounts.access import Action, account_filter
from kam.core.rest import READ, WRITE, Id, Page, deletions, if_match, ordered, set_etag, since

from . import services
from .models import Contact

PREFIX = "contacts"
router = Router(tags=["contacts"])

ORDERING = Literal["name", "-name", "updated_at", "-updated_at"]


class ContactOut(Schema):
    id: int
    account: int = Field(..., alias="account_id")
    name: str
    title: str
    department: str
    phone: str
    email: str
    created_at: datetime
    updated_at: datetime


class ContactPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)


class ContactIn(ContactPatch):
    account: Id
    name: str = Field(..., min_length=1, max_length=100)


class ContactFilters(Schema):
    account: Id | None = Field(None, description="only this account's contacts")
    q: str | None = Field(None, max_length=200, description="name contains")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: ORDERING | None = Field(None, description="sort field; - for descending")


@router.get("/", response={200: list[ContactOut], **READ}, summary="List contacts")
@paginate(Page)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]):
    """The contacts of the accounts you see; `account` narrows to one of them."""
    rows = Contact.objects.restrict(request.auth, Action.VIEW).alive()
    if filters.account is not None:
        rows = rows.filter(account_id=filters.account)
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
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
    fields = data.dict(exclude_unset=True, exclude={"account"})
    return Answer(201, services.create_contact(account, by=request.auth, **fields))


@router.patch("/{int:contact_id}/", response={200: ContactOut, **WRITE}, summary="Change")
def update_contact(
    request: HttpRequest, contact_id: Id, data: ContactPatch, response: HttpResponse
):
    """For those who may edit the account. Send the ETag of what you read as If-Match: a
    change made since is refused with 409 and what changed."""
    contact = _contact(request, contact_id, Action.EDIT)
    seen = if_match(request, contact)
    fields = data.dict(exclude_unset=True)
    contact = services.update_contact(contact, by=request.auth, seen=seen, **fields)
    set_etag(response, contact, services.contact_watches(contact))
    return contact


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

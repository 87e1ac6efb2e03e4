"""The network's API (mounted by kam.people.api): third parties, connections and paths
(METHODOLOGY M6.2).

Who may write:
- a third party: any active user may record one (they are company-wide, like our people);
  its recorder changes or deletes it, and so may those who manage accounts (regional
  managers, the portfolio), so a stale entry never waits for somebody who left;
- a connection with a customer contact at an end: those who may EDIT that contact's
  account (for both ends when both are contacts); a connection without a contact (our
  colleague and a third party): any active user records it, its recorder or a manager
  changes it.
A connection is listed only when both its ends are visible to the caller; a path's target
is a contact the caller may VIEW (404 otherwise) and its hops go only through people the
caller may see (kam.people.network)."""

from datetime import date, datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kam.accounts import access
from kam.accounts.access import Action, account_filter, manages_any
from kam.core.rest import READ, WRITE, Id, Page, deletions, if_match, not_found, ordered, set_etag
from kam.core.rest import since as changed_since

from . import network, services
from .choices import ConnectionKind, ThirdPartyKind
from .models import Connection, Contact, ThirdParty
from .paths import (
    CONTACT,
    MAX_INTERMEDIARIES,
    THIRD,
    USER,
    Hop,
    Path,
    Person,
    inverse_name,
    key,
    kind_name,
)

third_parties = Router(tags=["third parties"])
connections = Router(tags=["connections"])
paths = Router(tags=["paths"])

ROUTERS = [("third-parties", third_parties), ("connections", connections), ("paths", paths)]

PERSON_TYPES = {USER: "user", CONTACT: "contact", THIRD: "third_party"}
PersonType = Literal["user", "contact", "third_party"]


# ---------------------------------------------------------------- third parties


class ThirdPartyOut(Schema):
    id: int
    name: str
    kind: ThirdPartyKind
    organisation: str
    role: str
    phone: str
    notes: str
    created_by: int | None = Field(None, alias="created_by_id")
    created_at: datetime
    updated_at: datetime


class ThirdPartyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: ThirdPartyKind | None = None
    organisation: str | None = Field(None, max_length=200)
    role: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    notes: str | None = None


class ThirdPartyIn(ThirdPartyPatch):
    name: str = Field(..., min_length=1, max_length=100)
    kind: ThirdPartyKind


class ThirdPartyFilters(Schema):
    q: str | None = Field(None, max_length=200, description="name or organisation contains")
    kind: ThirdPartyKind | None = None
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: Literal["name", "-name", "updated_at", "-updated_at"] | None = None


def may_change_third_party(user, person: ThirdParty) -> bool:
    """Its recorder, or somebody who manages accounts (module docstring)."""
    return person.created_by_id == user.pk or manages_any(user)


def _third_party(request, third_party_id: int, *, change: bool = False) -> ThirdParty:
    person = ThirdParty.objects.alive().filter(pk=third_party_id).first()
    if person is None:
        raise not_found()
    if change and not may_change_third_party(request.auth, person):
        raise PermissionDenied
    return person


def _plain(data: Schema) -> dict:
    """The sent fields, choices as their stored strings, absent text as ""."""
    fields = data.dict(exclude_unset=True)
    return {
        k: ("" if v is None and k != "kind" else getattr(v, "value", v)) for k, v in fields.items()
    }


@third_parties.get("/", response={200: list[ThirdPartyOut], **READ}, summary="List third parties")
@paginate(Page)
def list_third_parties(request: HttpRequest, filters: Query[ThirdPartyFilters]):
    """Everybody's: third parties are company-wide."""
    rows = ThirdParty.objects.alive()
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(organisation__icontains=filters.q))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return ordered(changed_since(rows, filters.updated_since), filters.ordering, "name")


@third_parties.get(
    "/{int:third_party_id}/", response={200: ThirdPartyOut, **READ}, summary="One third party"
)
def get_third_party(request: HttpRequest, third_party_id: Id, response: HttpResponse):
    person = _third_party(request, third_party_id)
    set_etag(response, person, services.third_party_watches(person))
    return person


@third_parties.post("/", response={201: ThirdPartyOut, **WRITE}, summary="Record a third party")
def create_third_party(request: HttpRequest, data: ThirdPartyIn):
    """Any active user may record one."""
    return Answer(201, services.create_third_party(by=request.auth, **_plain(data)))


@third_parties.patch(
    "/{int:third_party_id}/", response={200: ThirdPartyOut, **WRITE}, summary="Change"
)
def update_third_party(
    request: HttpRequest, third_party_id: Id, data: ThirdPartyPatch, response: HttpResponse
):
    """Its recorder or a manager. Send the ETag as If-Match: a change since is a 409."""
    person = _third_party(request, third_party_id, change=True)
    seen = if_match(request, person)
    fields = _plain(data)
    if fields.get("kind", "") is None:
        fields.pop("kind")
    person = services.update_third_party(person, by=request.auth, seen=seen, **fields)
    set_etag(response, person, services.third_party_watches(person))
    return person


@third_parties.delete(
    "/{int:third_party_id}/", response={204: None, **WRITE}, summary="Delete (softly)"
)
def delete_third_party(request: HttpRequest, third_party_id: Id):
    """Its recorder or a manager; restorable from the admin."""
    services.delete_third_party(_third_party(request, third_party_id, change=True), by=request.auth)
    return Answer(204, None)


@deletions("third_party")
def deleted_third_parties(user):
    return ThirdParty.objects.filter(deleted_at__isnull=False)


# ---------------------------------------------------------------- connections


class PersonRef(Schema):
    type: PersonType
    id: int


class ConnectionOut(Schema):
    id: int
    a: PersonRef
    b: PersonRef
    kind: ConnectionKind
    name: str = Field(..., description='the kind read from a to b ("regulator of")')
    inverse_name: str = Field(..., description='read from b to a ("regulated by")')
    strength: int
    valid_from: date | None
    valid_to: date | None
    notes: str
    created_by: int | None = Field(None, alias="created_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_a(connection: Connection) -> dict:
        return _ref(connection, "a")

    @staticmethod
    def resolve_b(connection: Connection) -> dict:
        return _ref(connection, "b")

    @staticmethod
    def resolve_name(connection: Connection) -> str:
        return kind_name(connection.kind)

    @staticmethod
    def resolve_inverse_name(connection: Connection) -> str:
        return inverse_name(connection.kind)


class ConnectionPatch(Schema):
    kind: ConnectionKind | None = None
    strength: int | None = Field(None, ge=1, le=5)
    valid_from: date | None = None
    valid_to: date | None = None
    notes: str | None = None


class ConnectionIn(ConnectionPatch):
    a: PersonRef
    b: PersonRef
    kind: ConnectionKind
    strength: int = Field(3, ge=1, le=5)


class ConnectionFilters(Schema):
    contact: Id | None = Field(None, description="connections of this contact")
    third_party: Id | None = Field(None, description="connections of this third party")
    user: Id | None = Field(None, description="connections of this colleague of ours")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")


def _ref(connection: Connection, side: str) -> dict:
    for kind, column in ((USER, "user"), (CONTACT, "contact"), (THIRD, "third")):
        pk = getattr(connection, f"{side}_{column}_id")
        if pk is not None:
            return {"type": PERSON_TYPES[kind], "id": pk}
    return {"type": "user", "id": 0}


def _connection_fields(data: Schema) -> dict:
    """The sent fields for the service: choices as strings, no notes as "", a null kind or
    strength as not sent (dates may be null: an open end)."""
    fields = {k: getattr(v, "value", v) for k, v in data.dict(exclude_unset=True).items()}
    if "notes" in fields and fields["notes"] is None:
        fields["notes"] = ""
    for name in ("kind", "strength"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    return fields


def visible_connections(user):
    """Connections whose ends the user may all see: a contact end only of an account they
    may VIEW (and alive); our people and third parties alive."""
    rows = Connection.objects.alive()
    for side in "ab":
        rule = account_filter(user, Action.VIEW, f"{side}_contact__account__")
        contact_ok = Q(**{f"{side}_contact__deleted_at__isnull": True}) & Q(
            **{f"{side}_contact__account__deleted_at__isnull": True}
        )
        if rule is not None:
            contact_ok &= rule
        rows = rows.filter(
            Q(**{f"{side}_contact__isnull": True}) | contact_ok,
            Q(**{f"{side}_third__isnull": True}) | Q(**{f"{side}_third__deleted_at__isnull": True}),
        )
    return rows


def _person(user, ref: PersonRef, action: Action = Action.EDIT):
    """The person a reference names: a contact through the access layer (404 hidden, 403
    when not `action`), a third party or an active colleague (404 when unknown)."""
    if ref.type == "contact":
        return access.get_for(user, Contact.objects.alive(), action, pk=ref.id)
    if ref.type == "third_party":
        found = ThirdParty.objects.alive().filter(pk=ref.id).first()
    else:
        found = get_user_model().objects.filter(pk=ref.id, is_active=True).first()
    if found is None:
        raise not_found()
    return found


def may_change_connection(user, connection: Connection) -> bool:
    """EDIT on each contact end's account; without a contact, its recorder or a manager."""
    contacts = [c for c in (connection.a_contact, connection.b_contact) if c is not None]
    if contacts:
        return all(access.may(user, Action.EDIT, c.account) for c in contacts)
    return connection.created_by_id == user.pk or manages_any(user)


def _connection(request, connection_id: int, *, change: bool = False) -> Connection:
    related = ("a_contact__account", "b_contact__account")
    connection = (
        visible_connections(request.auth).select_related(*related).filter(pk=connection_id).first()
    )
    if connection is None:
        raise not_found()
    if change and not may_change_connection(request.auth, connection):
        raise PermissionDenied
    return connection


@connections.get("/", response={200: list[ConnectionOut], **READ}, summary="List connections")
@paginate(Page)
def list_connections(request: HttpRequest, filters: Query[ConnectionFilters]):
    """The connections whose ends you may see; narrowed to one person's with a filter."""
    rows = visible_connections(request.auth)
    for name, column in (("contact", "contact"), ("third_party", "third"), ("user", "user")):
        pk = getattr(filters, name)
        if pk is not None:
            rows = rows.filter(Q(**{f"a_{column}_id": pk}) | Q(**{f"b_{column}_id": pk}))
    rows = changed_since(rows, filters.updated_since).order_by("id")
    return rows


@connections.get(
    "/{int:connection_id}/", response={200: ConnectionOut, **READ}, summary="One connection"
)
def get_connection(request: HttpRequest, connection_id: Id, response: HttpResponse):
    connection = _connection(request, connection_id)
    set_etag(response, connection, services.connection_watches(connection))
    return connection


@connections.post("/", response={201: ConnectionOut, **WRITE}, summary="Record a connection")
def create_connection(request: HttpRequest, data: ConnectionIn):
    """Directed kinds read from a to b. With a contact at an end: EDIT on its account."""
    a, b = _person(request.auth, data.a), _person(request.auth, data.b)
    fields = _connection_fields(data)
    fields.pop("a"), fields.pop("b")
    fields["strength"] = data.strength
    kind = fields.pop("kind")
    connection = services.connect(a, b, kind=kind, by=request.auth, **fields)
    return Answer(201, connection)


@connections.patch(
    "/{int:connection_id}/", response={200: ConnectionOut, **WRITE}, summary="Change"
)
def update_connection(
    request: HttpRequest, connection_id: Id, data: ConnectionPatch, response: HttpResponse
):
    """End it with `valid_to` (the last day it held). Send the ETag as If-Match."""
    connection = _connection(request, connection_id, change=True)
    seen = if_match(request, connection)
    fields = _connection_fields(data)
    connection = services.update_connection(connection, by=request.auth, seen=seen, **fields)
    set_etag(response, connection, services.connection_watches(connection))
    return connection


@connections.delete(
    "/{int:connection_id}/", response={204: None, **WRITE}, summary="Delete (softly)"
)
def delete_connection(request: HttpRequest, connection_id: Id):
    services.delete_connection(_connection(request, connection_id, change=True), by=request.auth)
    return Answer(204, None)


@deletions("connection")
def deleted_connections(user):
    rows = Connection.objects.filter(deleted_at__isnull=False)
    for side in "ab":
        rule = account_filter(user, Action.VIEW, f"{side}_contact__account__")
        if rule is not None:
            rows = rows.filter(Q(**{f"{side}_contact__isnull": True}) | rule)
    return rows


# ---------------------------------------------------------------- paths


class PersonOut(Schema):
    type: PersonType
    id: int
    name: str
    detail: str = Field(..., description="title and organisation (a contact: title, account)")
    account: int | None = Field(None, description="a contact's account")


class HopOut(Schema):
    source: PersonOut = Field(..., description="the person the hop starts from")
    target: PersonOut = Field(..., description="the person it reaches")
    connection: int
    kind: ConnectionKind
    name: str = Field(..., description="the kind's name")
    inverse_name: str
    reads: str = Field(..., description="how source stands to target: the name or its inverse")
    strength: int
    strength_word: str


class PathOut(Schema):
    start: PersonOut = Field(..., description="our colleague who holds the first hop")
    intermediaries: int
    weakest: int = Field(..., description="the weakest hop's strength (ranked on first)")
    total: int = Field(..., description="the sum of the strengths")
    sentence: str
    hops: list[HopOut]


class PathsOut(Schema):
    to: PersonOut
    on: date
    max_intermediaries: int
    paths: list[PathOut]


class PathFilters(Schema):
    to: Id = Field(..., description="the target contact")
    start: Id | None = Field(
        None, alias="from", description="start from this colleague (default: our executives)"
    )
    max_intermediaries: int = Field(1, ge=1, le=MAX_INTERMEDIARIES, description="1 or 2")


def person_out(person: Person) -> dict:
    return {
        "type": PERSON_TYPES[person.kind],
        "id": person.id,
        "name": person.name,
        "detail": person.detail,
        "account": person.account_id,
    }


def hop_out(hop: Hop) -> dict:
    return {
        "source": person_out(hop.source),
        "target": person_out(hop.target),
        "connection": hop.link.id,
        "kind": hop.link.kind,
        "name": kind_name(hop.link.kind),
        "inverse_name": inverse_name(hop.link.kind),
        "reads": hop.reads,
        "strength": hop.link.strength,
        "strength_word": hop.strength_word,
    }


def path_out(path: Path) -> dict:
    return {
        "start": person_out(path.start),
        "intermediaries": len(path.intermediaries),
        "weakest": path.weakest,
        "total": path.total,
        "sentence": path.sentence(),
        "hops": [hop_out(hop) for hop in path.hops],
    }


@paths.get("/", response={200: PathsOut, **READ}, summary="Paths to a contact")
def find_paths(request: HttpRequest, filters: Query[PathFilters]):
    """Ranked paths from our executives (or `from`) to the contact `to`, over recorded
    connections valid today, with at most `max_intermediaries` people between: the weakest
    hop first, then fewer hops, then the sum of strengths. 404 when you may not see `to`."""
    target = access.get_for(request.auth, Contact.objects.alive(), pk=filters.to)
    graph = network.load(request.auth)
    starts = None
    if filters.start is not None:
        if key(USER, filters.start) not in graph.people:
            raise not_found()
        starts = [key(USER, filters.start)]
    today = timezone.localdate()
    found = graph.paths(
        key(CONTACT, target.pk), starts, on=today, max_intermediaries=filters.max_intermediaries
    )
    return {
        "to": person_out(graph.people[key(CONTACT, target.pk)]),
        "on": today,
        "max_intermediaries": filters.max_intermediaries,
        "paths": [path_out(p) for p in found],
    }

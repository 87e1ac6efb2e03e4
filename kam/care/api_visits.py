"""The visits' and tasks' API (mounted by kam.care.api at /api/v1/visits/ and
/api/v1/tasks/): the visits of the accounts the caller sees, written through the same
services and access rules as the account page (so "last met" and the next steps' tasks
follow), and the caller's own tasks."""

import datetime as dt
from datetime import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kam.accounts import access
from kam.accounts.access import Action, account_filter, manages_any
from kam.core.rest import (
    READ,
    WRITE,
    Id,
    Page,
    deletions,
    errors,
    if_match,
    not_found,
    ordered,
    set_etag,
    since,
)
from kam.people import services as people

from . import services
from .choices import TaskOrigin, VisitKind
from .models import Task, Visit

visits = Router(tags=["visits"])
tasks = Router(tags=["tasks"])

Kind = Literal[tuple(VisitKind.values)]  # type: ignore[valid-type]
Origin = Literal[tuple(TaskOrigin.values)]  # type: ignore[valid-type]
VISIT_ORDERING = Literal["date", "-date", "updated_at", "-updated_at"]


class VisitOut(Schema):
    id: int
    account: int = Field(..., alias="account_id")
    kind: Kind
    date: dt.date
    our_people: list[int] = Field(..., description="ids of our users who took part")
    their_people: list[int] = Field(..., description="ids of the account's contacts met")
    notes: str
    next_step: str
    next_step_on: dt.date | None
    created_by: int | None = Field(None, alias="created_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_our_people(obj) -> list[int]:
        return sorted(user.pk for user in obj.our_people.all())

    @staticmethod
    def resolve_their_people(obj) -> list[int]:
        return sorted(contact.pk for contact in obj.their_people.all())


class VisitPatch(Schema):
    kind: Kind | None = None
    date: dt.date | None = Field(None, description="when it happened; never in the future")
    our_people: list[Id] | None = Field(None, description="user ids")
    their_people: list[Id] | None = Field(None, description="contact ids of the account")
    notes: str | None = Field(None, max_length=20000)
    next_step: str | None = Field(None, max_length=300)
    next_step_on: dt.date | None = Field(
        None, description="with a next step, a task for whoever logged the visit"
    )


class VisitIn(VisitPatch):
    account: Id
    kind: Kind = VisitKind.VISIT.value
    date: dt.date


class VisitFilters(Schema):
    account: Id | None = Field(None, description="only this account's visits")
    kind: Kind | None = Field(None, description="only this kind")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: VISIT_ORDERING | None = Field(None, description="sort field; - for descending")


def _rows():
    return Visit.objects.alive().prefetch_related("our_people", "their_people")


@visits.get("/", response={200: list[VisitOut], **READ}, summary="List visits")
@paginate(Page)
def list_visits(request: HttpRequest, filters: Query[VisitFilters]):
    """The visits of the accounts you see, newest first; `account` narrows to one of them
    (404 when you may not see it)."""
    rows = _rows().restrict(request.auth, Action.VIEW)
    if filters.account is not None:
        access.get_account(request.auth, filters.account)
        rows = rows.filter(account_id=filters.account)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return ordered(since(rows, filters.updated_since), filters.ordering, "-date")


def _visit(request, visit_id: int, action: Action = Action.VIEW) -> Visit:
    """404 when its account is hidden, 403 when seen but not `action`."""
    return access.get_for(request.auth, _rows(), action, pk=visit_id)


def _our_people(ids: list[int] | None, visit: Visit | None = None):
    """Active users (and, for a change, whoever is on the visit already); an unknown id is
    a 400 naming the field, not a silent drop."""
    if ids is None:
        return None
    wanted = set(ids)
    users = get_user_model().objects.filter(pk__in=wanted, is_active=True)
    found = {user.pk: user for user in users}
    if visit is not None:
        found.update({u.pk: u for u in visit.our_people.all() if u.pk in wanted})
    if set(found) != wanted:
        raise ValidationError({"our_people": _("Our participants must be active users.")})
    return list(found.values())


def _their_people(account, ids: list[int] | None, visit: Visit | None = None):
    """Living contacts of the visit's account (people.contacts_of; for a change also those
    on it already); any other id — another account's contact among them — is refused."""
    if ids is None:
        return None
    wanted = set(ids)
    found = {c.pk: c for c in people.contacts_of(account, wanted)}
    if visit is not None:
        found.update({c.pk: c for c in visit.their_people.all() if c.pk in wanted})
    if set(found) != wanted:
        raise ValidationError(
            {"their_people": _("Their participants must be contacts of this account.")}
        )
    return list(found.values())


def _fields(data: Schema, exclude: set) -> dict:
    """The fields the client sent; an empty text is "", a kind or date sent as null is
    refused (a visit always has both)."""
    fields = data.dict(exclude_unset=True, exclude=exclude)
    for name in ("kind", "date"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    for name in ("notes", "next_step"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


def _answer(response: HttpResponse, visit: Visit) -> Visit:
    """The visit as it is now, read again with its people, and its ETag."""
    visit = _rows().get(pk=visit.pk)
    set_etag(response, visit, services.visit_watches(visit))
    return visit


@visits.get("/{int:visit_id}/", response={200: VisitOut, **READ}, summary="One visit")
def get_visit(request: HttpRequest, visit_id: Id, response: HttpResponse):
    """The ETag is what you send back as If-Match with a change."""
    return _answer(response, _visit(request, visit_id))


@visits.post("/", response={201: VisitOut, **WRITE}, summary="Log a visit")
def create_visit(request: HttpRequest, data: VisitIn, response: HttpResponse):
    """For those who may edit the account. Their participants' "last met" follows; a next
    step with a date becomes a task for you."""
    account = access.get_account(request.auth, data.account, Action.EDIT)
    fields = _fields(data, exclude={"account", "our_people", "their_people"})
    fields.setdefault("kind", data.kind)
    visit = services.log_visit(
        account,
        by=request.auth,
        our_people=_our_people(data.our_people) or (),
        their_people=_their_people(account, data.their_people) or (),
        **fields,
    )
    return Answer(201, _answer(response, visit))


@visits.patch("/{int:visit_id}/", response={200: VisitOut, **WRITE}, summary="Change a visit")
def update_visit(request: HttpRequest, visit_id: Id, data: VisitPatch, response: HttpResponse):
    """For those who may edit the account. Send the ETag of what you read as If-Match: a
    change made since is refused with 409 and what changed."""
    visit = _visit(request, visit_id, Action.EDIT)
    seen = if_match(request, visit)
    fields = _fields(data, exclude={"our_people", "their_people"})
    visit = services.update_visit(
        visit,
        by=request.auth,
        seen=seen,
        our_people=_our_people(data.our_people, visit),
        their_people=_their_people(visit.account, data.their_people, visit),
        **fields,
    )
    return _answer(response, visit)


@visits.delete("/{int:visit_id}/", response={204: None, **WRITE}, summary="Delete (softly)")
def delete_visit(request: HttpRequest, visit_id: Id):
    """Restorable from the admin; "last met" falls back and its open next step goes."""
    services.delete_visit(_visit(request, visit_id, Action.EDIT), by=request.auth)
    return Answer(204, None)


@deletions("visit")
def deleted_visits(user):
    """Deleted visits of accounts the user sees."""
    rule = account_filter(user, Action.VIEW, "account__")
    rows = Visit.objects.filter(deleted_at__isnull=False, account__deleted_at__isnull=True)
    return rows if rule is None else rows.filter(rule)


# ---------------------------------------------------------------- tasks


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    due_on: dt.date | None
    overdue: bool = Field(..., description="due before today and not done")
    origin: Origin
    assignee: int = Field(..., alias="assignee_id")
    account: int | None = Field(None, alias="account_id")
    contact: int | None = Field(None, alias="contact_id")
    visit: int | None = Field(None, alias="visit_id")
    done_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.done_at is None and obj.due_on is not None and obj.due_on < timezone.localdate()


class TaskFilters(Schema):
    all: bool = Field(
        False,
        description="managers: the open tasks of everybody on the accounts you see, not just yours",
    )


LIVING_ACCOUNT = Q(account__isnull=True) | Q(account__deleted_at__isnull=True)
"""A deleted account's tasks are hidden with it until it is restored (user guide, "Roles")."""


@tasks.get("/", response={200: list[TaskOut], **errors(400, 403)}, summary="List open tasks")
@paginate(Page)
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]):
    """Your open tasks, the earliest due first (so the overdue lead), undated last. With
    `all`, a regional manager or the portfolio gets everybody's open tasks on the accounts
    they see (403 for others)."""
    rows = Task.objects.open().filter(LIVING_ACCOUNT)
    if filters.all:
        if not manages_any(request.auth):
            raise PermissionDenied
        rule = account_filter(request.auth, Action.VIEW, "account__")
        rows = rows.filter(account__deleted_at__isnull=True)
        rows = rows if rule is None else rows.filter(rule)
    else:
        rows = rows.filter(assignee=request.auth)
    return rows.order_by(F("due_on").asc(nulls_last=True), "id")


@tasks.post("/{int:task_id}/done/", response={200: TaskOut, **WRITE}, summary="Mark done")
def task_done(request: HttpRequest, task_id: Id):
    """Tick one of your own tasks (done again changes nothing); another's is 404."""
    task = Task.objects.alive().filter(LIVING_ACCOUNT, pk=task_id, assignee=request.auth).first()
    if task is None:
        raise not_found()
    return services.complete_task(task, by=request.auth)


ROUTERS = [("visits", visits), ("tasks", tasks)]

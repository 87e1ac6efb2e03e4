"""Writes to the customer's people; views, the API, the admin, the demo and the CLI call these."""

from collections.abc import Iterable, Mapping
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from kam.core.concurrency import Seen, Watched, model_watch, refuse_if_stale
from kam.core.history import record_change

from .models import Connection, Contact, ThirdParty

CONTACT_DETAILS = ("name", "title", "department", "phone", "email")
DECISION_CHAIN = (
    "level",
    "reports_to",
    "on_chart",
    "roles",
    "support",
    "influence",
    "orientation",
    "concerns",
    "concerns_note",
    "relationship",
    "relationship_goal",
    "status",
    "left_on",
    "is_node",
    "business_line",
    "technical_line",
    "management_line",
    "notes",
)
CONTACT_FIELDS = CONTACT_DETAILS + DECISION_CHAIN
"""Everything a user edits on a contact; each change goes to history (support's changes
are the attitude history of M5, read with `history_of(contact, "support")`)."""

RELATED = {"reports_to", "business_line", "technical_line", "management_line"}


@transaction.atomic
def delete_contact(contact: Contact, *, by=None, reason: str = "") -> None:
    """Soft delete: hidden everywhere, restorable, and the deletion is in history. Their
    reports keep their place: they now report to nobody on the chart until restored."""
    record_change(contact, "deleted", "", "yes", by=by, reason=reason)
    contact.soft_delete()


@transaction.atomic
def restore_contact(contact: Contact, *, by=None) -> None:
    record_change(contact, "deleted", "yes", "", by=by)
    contact.restore()


def _unknown(fields: Mapping) -> None:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contact's details: {sorted(unknown)}")


@transaction.atomic
def create_contact(account, *, by=None, **fields) -> Contact:
    """A new contact of `account`, checked as every form checks it; what it starts with is
    in history too (so the attitude history begins at the first known attitude)."""
    _unknown(fields)
    contact = Contact(account=account, **fields)
    contact.full_clean()
    contact.save()
    for name in ("support", "roles"):
        record_change(contact, name, "", getattr(contact, name), by=by)
    return contact


def contact_watches(contact: Contact) -> list[Watched]:
    """Every field as the stale-edit check compares it: the API's ETag covers them."""
    return [model_watch(contact, name) for name in CONTACT_FIELDS]


@transaction.atomic
def update_contact(
    contact: Contact, *, by=None, seen: Seen | None = None, reason: str = "", **fields
) -> Contact:
    """Change a contact (CONTACT_FIELDS) under a lock, so two edits at once do not mix; each
    changed field is in history with `reason`. `seen` (a form's token, the API's If-Match)
    is refused when a field moved on since the user read it."""
    _unknown(fields)
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    refuse_if_stale(current, seen, contact_watches(current))
    for name, value in fields.items():
        old = getattr(current, name)
        if old != value:
            record_change(current, name, old, value, by=by, reason=reason)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


def set_last_met(met: Mapping[int, date | None]) -> None:
    """Store each contact's latest meeting, as the visits compute it (kam.care keeps it:
    a logged, changed or deleted visit recomputes its people). Not history: a figure."""
    for contact_id, day in met.items():
        Contact.objects.filter(pk=contact_id).update(last_met_on=day)


def contacts_of(account, ids: Iterable[int]) -> list[Contact]:
    """The living contacts of `account` among `ids`: a form's choice of "their people"
    never reaches another account's contact."""
    return list(Contact.objects.alive().filter(account=account, pk__in=list(ids)))


THIRD_PARTY_FIELDS = ("name", "kind", "organisation", "role", "phone", "notes")
CONNECTION_FIELDS = ("kind", "strength", "valid_from", "valid_to", "notes")


@transaction.atomic
def create_third_party(*, by=None, **fields) -> ThirdParty:
    """Somebody outside both companies who can open doors (M6.2)."""
    person = ThirdParty(created_by=by, **fields)
    person.full_clean()
    person.save()
    return person


def third_party_watches(person: ThirdParty) -> list[Watched]:
    """A third party's fields as the stale-edit check compares them (page token, ETag)."""
    return [model_watch(person, name) for name in THIRD_PARTY_FIELDS]


@transaction.atomic
def update_third_party(
    person: ThirdParty, *, by=None, seen: Seen | None = None, **fields
) -> ThirdParty:
    current = ThirdParty.objects.select_for_update().get(pk=person.pk)
    refuse_if_stale(current, seen, third_party_watches(current))
    for name, value in fields.items():
        if name not in THIRD_PARTY_FIELDS:
            raise ValueError(f"not a third party's field: {name}")
        record_change(current, name, getattr(current, name), value, by=by)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


def _end(side: str, person) -> dict:
    """The column of `side` that `person` (a user, contact or third party) goes in."""
    if isinstance(person, Contact):
        return {f"{side}_contact": person}
    if isinstance(person, ThirdParty):
        return {f"{side}_third": person}
    if isinstance(person, get_user_model()):
        return {f"{side}_user": person}
    raise TypeError(f"not a person: {person!r}")


@transaction.atomic
def connect(a, b, *, kind: str, by=None, **fields) -> Connection:
    """Record that `a` and `b` know each other (directed kinds read from a to b)."""
    connection = Connection(kind=kind, created_by=by, **_end("a", a), **_end("b", b), **fields)
    connection.full_clean()
    connection.save()
    return connection


def connection_watches(connection: Connection) -> list[Watched]:
    """A connection's fields as the stale-edit check compares them (page token, ETag)."""
    return [model_watch(connection, name) for name in CONNECTION_FIELDS]


@transaction.atomic
def update_connection(
    connection: Connection, *, by=None, seen: Seen | None = None, **fields
) -> Connection:
    current = Connection.objects.select_for_update().get(pk=connection.pk)
    refuse_if_stale(current, seen, connection_watches(current))
    for name, value in fields.items():
        if name not in CONNECTION_FIELDS:
            raise ValueError(f"not a connection's field: {name}")
        record_change(current, name, getattr(current, name), value, by=by)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def delete_connection(connection: Connection, *, by=None) -> None:
    record_change(connection, "deleted", "", "yes", by=by)
    connection.soft_delete()


@transaction.atomic
def delete_third_party(person: ThirdParty, *, by=None) -> None:
    record_change(person, "deleted", "", "yes", by=by)
    person.soft_delete()

"""Writes to the customer's people; views, the API, the admin and the CLI call these."""

from django.db import transaction

from kam.core.concurrency import Seen, Watched, model_watch, refuse_if_stale
from kam.core.history import record_change

from .models import Contact


@transaction.atomic
def delete_contact(contact: Contact, *, by=None, reason: str = "") -> None:
    """Soft delete: hidden everywhere, restorable, and the deletion is in history."""
    record_change(contact, "deleted", "", "yes", by=by, reason=reason)
    contact.soft_delete()


@transaction.atomic
def restore_contact(contact: Contact, *, by=None) -> None:
    record_change(contact, "deleted", "yes", "", by=by)
    contact.restore()


CONTACT_FIELDS = ("name", "title", "department", "phone", "email")


@transaction.atomic
def create_contact(account, *, by=None, **fields) -> Contact:
    """A new contact of `account`; checked as the admin's form checks it."""
    contact = Contact(account=account, **fields)
    contact.full_clean()
    contact.save()
    return contact


def contact_watches(contact: Contact) -> list[Watched]:
    """Every detail as the stale-edit check compares it: the API's ETag covers them."""
    return [model_watch(contact, name) for name in CONTACT_FIELDS]


@transaction.atomic
def update_contact(contact: Contact, *, by=None, seen: Seen | None = None, **fields) -> Contact:
    """Change a contact's details (CONTACT_FIELDS) under a lock, so two edits at once do not
    mix; each change is in history. `seen` (the API's If-Match) is refused when a changed
    field moved on since the client read it."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contact's details: {sorted(unknown)}")
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    refuse_if_stale(current, seen, contact_watches(current))
    for name, value in fields.items():
        if getattr(current, name) != value:
            record_change(current, name, getattr(current, name), value, by=by)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current

"""Writes to the customer's people; views, the API, the admin and the CLI call these."""

from django.db import transaction

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


@transaction.atomic
def update_contact(contact: Contact, *, by=None, **fields) -> Contact:
    """Change a contact's details (CONTACT_FIELDS) under a lock, so two edits at once do not
    mix; the row is read again, so the caller's copy may be stale."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contact's details: {sorted(unknown)}")
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current

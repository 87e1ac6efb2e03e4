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

"""The people app's section of the account page: how many contacts the account has and
the first few names (see kam.accounts.sections for how sections work)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kam.accounts.sections import Page, Section, register

from .models import Contact

CONTACTS_SHOWN = 5


def contacts_context(page: Page) -> dict:
    """The count and the first names, alphabetically; two queries."""
    contacts = Contact.objects.filter(account=page.account, deleted_at__isnull=True)
    names = list(contacts.order_by("name").values_list("name", "title")[:CONTACTS_SHOWN])
    return {"contacts": {"count": contacts.count(), "names": names}}


def register_sections() -> None:
    """Called from PeopleConfig.ready()."""
    register(
        Section(
            key="people",
            anchor="people-tab",
            title=gettext_lazy("People and activity"),
            order=30,
            template="people/sections/contacts.html",
            context=contacts_context,
        )
    )

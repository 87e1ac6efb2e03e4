"""The people app's section of the account page: the decision chain (M5) — the account's
living contacts with their level, buying roles, support, influence, relationship, node
mark, our three counterpart lines and when we last met them; those who left shown apart;
each one's attitude history. Those who may edit the account add, edit and remove
contacts here (kam.people.views.contacts); see kam.accounts.sections for how sections work.

The section reads a constant number of queries whatever the number of contacts: the
contacts with their manager and our three lines, and one query for every contact's
support changes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kam.accounts.access import Action
from kam.accounts.sections import Endpoint, Page, Section, register

from . import chain
from .choices import BuyingRole
from .views import contacts as views
from .views.contacts import (
    ADD_KEY,
    EDIT_KEY,
    ERROR_KEY,
    contact_form,
    living_contacts,
    open_id_of,
    support_changes,
)


def contacts_context(page: Page) -> dict:
    """The chain as the section shows it; the forms only for those who may edit."""
    contacts = living_contacts(page.account)
    history = support_changes(contacts)
    may_edit = page.may(Action.EDIT)
    open_id = open_id_of(page) if may_edit else None
    roles = dict(BuyingRole.choices)
    for contact in contacts:
        contact.attitude = history.get(contact.pk, [])
        contact.role_labels = [roles.get(r, r) for r in contact.roles]
        contact.gap = chain.relationship_gap(contact.relationship, contact.relationship_goal)
        contact.edit_form = None
        if contact.pk == open_id:
            contact.edit_form = page.form(
                EDIT_KEY, lambda contact=contact: contact_form(page, contacts, contact)
            )
    active, left = chain.split_by_status(contacts)
    return {
        "contacts": {"count": len(contacts), "active": active, "left": left},
        "may_edit": may_edit,
        "may_see_personal": page.may(Action.SEE_PERSONAL),
        "add_form": page.form(ADD_KEY, lambda: contact_form(page, contacts, None))
        if may_edit
        else None,
        "contact_error": page.bound.get(ERROR_KEY),
    }


def register_sections() -> None:
    """Called from PeopleConfig.ready()."""
    register(
        Section(
            key="people",
            anchor="people-tab",
            title=gettext_lazy("People"),
            order=30,
            template="people/sections/contacts.html",
            context=contacts_context,
            endpoints=(
                Endpoint("contact_add", "contacts/add/", views.add_contact),
                Endpoint(
                    "contact_open",
                    "contacts/<int:contact_id>/",
                    views.open_contact,
                    Action.EDIT,
                    method="GET",
                ),
                Endpoint("contact_edit", "contacts/<int:contact_id>/edit/", views.edit_contact),
                Endpoint(
                    "contact_delete", "contacts/<int:contact_id>/delete/", views.delete_contact
                ),
            ),
        )
    )

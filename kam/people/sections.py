"""The people app's section of the account page: the decision chain (M5) — the account's
living contacts with their level, buying roles, support, influence, relationship, node
mark, our three counterpart lines and when we last met them; those who left shown apart;
each one's attitude history. Those who may edit the account add, edit and remove
contacts here (kam.people.views.contacts); see kam.accounts.sections for how sections work.

The section reads a constant number of queries whatever the number of contacts: the
contacts with their manager and our three lines, and one query for every contact's
support changes."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts.access import Action
from kam.accounts.sections import Endpoint, Page, Section, register
from kam.core.models import FieldChange

from . import chain, services
from .choices import BuyingRole, Support
from .forms import ContactForm, initial_of
from .models import Contact

LINE_RELATED = ("business_line", "technical_line", "management_line")
ADD_KEY, EDIT_KEY, OPEN_KEY, ERROR_KEY = "contact_add", "contact_edit", "contact_open", "contact_error"


def living_contacts(account) -> list[Contact]:
    """The account's contacts not deleted, with their manager and our lines; one query."""
    return list(
        Contact.objects.alive()
        .filter(account=account)
        .select_related("reports_to", *LINE_RELATED)
        .order_by("name", "pk")
    )


def support_changes(contacts: list[Contact]) -> dict[int, list[chain.AttitudeMove]]:
    """Every contact's attitude history (support changes), newest first; one query."""
    if not contacts:
        return {}
    rows = (
        FieldChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Contact),
            object_id__in=[c.pk for c in contacts],
            field="support",
        )
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )
    return chain.attitude_history(rows, dict(Support.choices), _("not known"))


def our_people(page: Page, contacts: list[Contact]) -> list:
    """Who a counterpart line may go to: the account team, and whoever holds a line now
    (so an edit does not silently drop a holder who left the team). No query of its own."""
    people = {m.user.pk: m.user for m in page.team()}
    for contact in contacts:
        for name in LINE_RELATED:
            user = getattr(contact, name)
            if user is not None:
                people.setdefault(user.pk, user)
    return sorted(people.values(), key=lambda u: (u.get_full_name() or u.username))


def contact_form(page: Page, contacts: list[Contact], contact: Contact | None, **kwargs):
    """The add form (no `contact`) or the edit form of `contact`, with what the user sees now."""
    people = our_people(page, contacts)
    if contact is None:
        return ContactForm(contacts=contacts, people=people, prefix="new", **kwargs)
    return ContactForm(
        contacts=contacts,
        people=people,
        contact=contact,
        prefix=f"c{contact.pk}",
        initial=initial_of(contact),
        seen_of=contact,
        watched=services.contact_watches(contact),
        **kwargs,
    )


def _open_id(page: Page) -> int | None:
    """The contact whose edit form is open: the refused one, the one asked for, or none."""
    value = page.bound.get(OPEN_KEY) or page.request.GET.get("contact")
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def contacts_context(page: Page) -> dict:
    """The chain as the section shows it; the forms only for those who may edit."""
    contacts = living_contacts(page.account)
    history = support_changes(contacts)
    may_edit = page.may(Action.EDIT)
    open_id = _open_id(page) if may_edit else None
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
        "add_form": page.form(ADD_KEY, lambda: contact_form(page, contacts, None))
        if may_edit
        else None,
        "contact_error": page.bound.get(ERROR_KEY),
    }


def register_sections() -> None:
    """Called from PeopleConfig.ready()."""
    from .views import contacts as views

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

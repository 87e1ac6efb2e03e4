"""The People section's edits (endpoints of the account page's "people" section, served at
/customers/<id>/s/people/contacts/…; the shell checks Action.EDIT on the account first:
404 when hidden, 403 when seen but not editable).

Each validates the contact form, hands it to kam.people.services (which keeps history and
refuses a stale edit) and answers Saved or Refused; the shell re-renders only the section
(htmx) or the whole page."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kam.accounts import sections as registry
from kam.accounts.sections import Page, Refused, Saved, submit
from kam.core.models import FieldChange

from .. import chain, services
from ..choices import Support
from ..forms import ContactForm, initial_of
from ..models import Contact

ANCHOR = "people-tab"

LINE_RELATED = ("business_line", "technical_line", "management_line")
ADD_KEY, EDIT_KEY, OPEN_KEY, ERROR_KEY = (
    "contact_add",
    "contact_edit",
    "contact_open",
    "contact_error",
)


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
    return sorted(people.values(), key=lambda u: u.get_full_name() or u.username)


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


def open_id_of(page: Page) -> int | None:
    """The contact whose edit form is open: the refused one, the one asked for, or none."""
    value = page.bound.get(OPEN_KEY) or page.request.GET.get("contact")
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


urlpatterns: list = []  # served as section endpoints (kam.people.sections), not here


def _contact(page: Page, contact_id: int) -> Contact:
    """A living contact of this account, else 404 (another account's id never reaches it)."""
    contact = Contact.objects.alive().filter(account=page.account, pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact


def add_contact(page: Page) -> Saved | Refused:
    """A new contact of the account; what it starts with is in history."""
    account, by = page.account, page.user
    form = contact_form(page, living_contacts(account), None, data=page.request.POST)
    return submit(
        form,
        ADD_KEY,
        lambda data: services.create_contact(account, by=by, **form.fields_for_service()),
        ANCHOR,
    )


def open_contact(page: Page, contact_id: int) -> HttpResponse:
    """The section with this contact's edit form open (htmx), or the page so (no htmx)."""
    contact = _contact(page, contact_id)
    if page.request.headers.get("HX-Request") != "true":
        url = reverse("accounts:detail", args=[page.account.pk])
        return redirect(f"{url}?contact={contact.pk}#{ANCHOR}")
    from kam.accounts.views.detail import render_section

    shown = Page(page.request, page.account, {OPEN_KEY: contact.pk})
    return HttpResponse(render_section(shown, registry.get("people")))


def edit_contact(page: Page, contact_id: int) -> Saved | Refused:
    """Change a contact; refused with the reason when someone changed it since it was shown."""
    contact = _contact(page, contact_id)
    by = page.user
    form = contact_form(page, living_contacts(page.account), contact, data=page.request.POST)
    refused = submit(
        form,
        EDIT_KEY,
        lambda data: services.update_contact(
            contact,
            by=by,
            seen=data["seen"],
            reason=data["reason"],
            **form.fields_for_service(),
        ),
        ANCHOR,
    )
    if isinstance(refused, Refused):
        return Refused({**refused.bound, OPEN_KEY: contact.pk})
    return refused


def delete_contact(page: Page, contact_id: int) -> Saved | Refused:
    """Remove a contact softly: hidden everywhere, restorable from the admin, in history."""
    contact = _contact(page, contact_id)
    try:
        services.delete_contact(contact, by=page.user, reason=page.request.POST.get("reason", ""))
    except ValidationError as error:
        return Refused({ERROR_KEY: " ".join(error.messages)})
    return Saved(ANCHOR)

"""The People section's edits (endpoints of the account page's "people" section, served at
/customers/<id>/s/people/contacts/…; the shell checks Action.EDIT on the account first:
404 when hidden, 403 when seen but not editable).

Each validates the contact form, hands it to kam.people.services (which keeps history and
refuses a stale edit) and answers Saved or Refused; the shell re-renders only the section
(htmx) or the whole page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from kam.accounts import sections as registry
from kam.accounts.sections import Page, Refused, Saved, submit

from .. import services
from ..models import Contact
from ..sections import ADD_KEY, EDIT_KEY, ERROR_KEY, OPEN_KEY, contact_form, living_contacts

ANCHOR = "people-tab"

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

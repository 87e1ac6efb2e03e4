"""Who reaches a relationship card, for the pages and the API alike: those the access layer
lets *see personal data* on the contact's account. For everybody else the card does not
exist (404, never 403: a refusal would tell them there is one)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kam.accounts import access
from kam.accounts.access import Action

from .models import Contact


def entitled_contact(user, contact_id: int, action: Action | None = None) -> Contact:
    """The living contact whose card `user` may see (404 otherwise, as if there were none),
    and, for a change, on whose account they may also `action` (403)."""
    contact = (
        Contact.objects.alive()
        .restrict(user, Action.SEE_PERSONAL)
        .select_related("account")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404
    if action is not None and not access.may(user, action, contact.account):
        raise PermissionDenied
    return contact

"""Writes to and reads of relationship cards (M8.1); pages and the API call these.

Personal data lives in one place only: the card's own row. A change is recorded as a
CardEvent naming the fields that changed, never their values, and *not* in the field history
(kam.core.history), whose rows keep old and new values: a history of a birthday or of a
family note would be a second copy that an erasure must hunt down. So an erasure has
exactly one row to blank, and it still deletes any FieldChange rows of the card, should
another writer (the admin, a future import) ever have left some.

The stale-edit token (a form's hidden field, the API's ETag) covers the card's fields as
digests, not values, so that the token, which travels in headers and proxies' logs, carries
no personal data; a conflict names the field that moved, without quoting it.

Services do not check permissions; callers ask the access layer for Action.SEE_PERSONAL
(and EDIT to change or erase).
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from kam.core.concurrency import Seen, Watched, refuse_if_stale
from kam.core.history import stored_value
from kam.core.models import FieldChange

from . import birthdays
from .birthdays import Birthday
from .models import CardEvent, Contact, RelationshipCard

BIRTHDAY_FIELDS = (
    "birthday_calendar",
    "birthday_year",
    "birthday_month",
    "birthday_day",
    "birthday_leap_month",
)
TEXT_FIELDS = ("interests", "family", "calls_seller_by_name", "notes")
CARD_FIELDS = BIRTHDAY_FIELDS + TEXT_FIELDS
"""Every personal field of a card: what an edit changes and an erasure blanks."""

BLANK = {
    "birthday_calendar": "",
    "birthday_year": None,
    "birthday_month": None,
    "birthday_day": None,
    "birthday_leap_month": False,
    "interests": "",
    "family": "",
    "calls_seller_by_name": None,
    "notes": "",
}

UNCHANGED = object()


def card_of(contact: Contact) -> RelationshipCard:
    """The contact's card, or an unsaved blank one (a look does not create a row)."""
    card = RelationshipCard.objects.filter(contact=contact).select_related("erased_by").first()
    return card if card is not None else RelationshipCard(contact=contact, **BLANK)


def _digest(value) -> str:
    """A value as the stale-edit token carries it: a digest, equal when the value is."""
    return hashlib.sha256(stored_value(value).encode()).hexdigest()[:16]


def card_watches(card: RelationshipCard) -> list[Watched]:
    """The card's fields for the stale-edit check (digests only, see the module's note)."""
    return [
        Watched(
            name,
            str(capfirst(RelationshipCard._meta.get_field(name).verbose_name)),
            _digest(getattr(card, name)),
            show=None,
        )
        for name in CARD_FIELDS
    ]


def stored_birthday(card: RelationshipCard) -> birthdays.Stored | None:
    """The birthday the card keeps, None when it has none."""
    if not card.birthday_calendar or card.birthday_month is None or card.birthday_day is None:
        return None
    return birthdays.Stored(
        card.birthday_calendar,
        card.birthday_year,
        card.birthday_month,
        card.birthday_day,
        card.birthday_leap_month,
    )


def birthday_of(card: RelationshipCard) -> Birthday | None:
    """The birthday as it was entered (solar or lunar), None when the card has none."""
    stored = stored_birthday(card)
    return birthdays.from_stored(stored) if stored is not None else None


def next_birthday(card: RelationshipCard, today: date | None = None) -> date | None:
    """The solar date of the next birthday from `today` (for the care reminders), None when
    the card has no birthday."""
    stored = stored_birthday(card)
    if stored is None:
        return None
    return birthdays.next_birthday(stored, today or timezone.localdate())


def _birthday_fields(birthday: Birthday | None) -> dict:
    if birthday is None:
        return {name: BLANK[name] for name in BIRTHDAY_FIELDS}
    stored = birthdays.to_stored(birthday)
    return {
        "birthday_calendar": stored.calendar,
        "birthday_year": stored.year,
        "birthday_month": stored.month,
        "birthday_day": stored.day,
        "birthday_leap_month": stored.leap_month,
    }


@transaction.atomic
def save_card(
    contact: Contact, *, by=None, seen: Seen | None = None, birthday=UNCHANGED, **fields
) -> RelationshipCard:
    """Create or change the contact's card. `birthday` is a Birthday as entered (None clears
    it; left out, it stays); `fields` are TEXT_FIELDS. Under a lock on the contact, so two
    first edits do not make two cards; `seen` (the token the user's form or If-Match
    carried, for the contact) is refused when a field moved on since. The change is a
    CardEvent naming the fields, without values."""
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a card's field: {sorted(unknown)}")
    if birthday is not UNCHANGED:
        fields.update(_birthday_fields(birthday))
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    card = card_of(contact)
    refuse_if_stale(contact, seen, card_watches(card))
    changed = [
        name for name in CARD_FIELDS if name in fields and getattr(card, name) != fields[name]
    ]
    for name in changed:
        setattr(card, name, fields[name])
    card.full_clean()
    if changed or card.pk is None:
        card.save()
    if changed:
        CardEvent.objects.create(
            contact=contact, kind=CardEvent.Kind.CHANGED, fields=",".join(changed), by=by
        )
    return card


def record_view(contact: Contact, *, by) -> CardEvent:
    """Somebody looked at the card (a page or the API): on the card's log."""
    return CardEvent.objects.create(contact=contact, kind=CardEvent.Kind.VIEWED, by=by)


@transaction.atomic
def erase_card(card: RelationshipCard, *, by) -> RelationshipCard:
    """Erase the personal information for good (PIPL): every personal field blanked, any
    field history of the card deleted (values and all), and the erasure recorded: who and
    when on the card, and as a CardEvent naming the fields that held something."""
    current = RelationshipCard.objects.select_for_update().get(pk=card.pk)
    held = [name for name in CARD_FIELDS if getattr(current, name) != BLANK[name]]
    for name, value in BLANK.items():
        setattr(current, name, value)
    current.erased_at = timezone.now()
    current.erased_by = by
    current.save()
    FieldChange.objects.filter(
        content_type=ContentType.objects.get_for_model(RelationshipCard), object_id=current.pk
    ).delete()
    CardEvent.objects.create(
        contact=current.contact, kind=CardEvent.Kind.ERASED, fields=",".join(held), by=by
    )
    return current


@transaction.atomic
def erase_contact_card(contact: Contact, *, by) -> RelationshipCard:
    """Erase the contact's card; a contact with none gets an empty, erased one, so the
    request to erase is on record all the same."""
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    card = card_of(contact)
    if card.pk is None:
        card.save()
    return erase_card(card, by=by)


def events_of(contact: Contact):
    """The card's log, newest first: who viewed, changed or erased it, when."""
    return CardEvent.objects.filter(contact=contact).select_related("by")

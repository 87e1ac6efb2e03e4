"""The relationship cards' API (mounted at /api/v1/cards/ by kam.people.api): one card per
contact, for those the access layer lets *see personal data* on its account; for anyone else
the card does not exist (404). Every GET is on the card's log, like a look at its page."""

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from kam.accounts.access import Action
from kam.core.rest import READ, WRITE, Id, if_match, set_etag

from . import birthdays, cards
from .birthdays import FIRST_YEAR, LAST_YEAR, Birthday
from .card_access import entitled_contact
from .models import Contact, RelationshipCard

router = Router(tags=["relationship cards"])


class LunarDateOut(Schema):
    year: int | None
    month: int
    day: int
    leap_month: bool


class BirthdayOut(Schema):
    calendar: Literal["solar", "lunar"] = Field(..., description="the calendar it was given in")
    year: int | None = Field(..., description="in that calendar; null when not known")
    month: int
    day: int
    leap_month: bool = Field(..., description="a lunar leap month (闰月)")
    next_solar_date: date = Field(..., description="the next birthday on or after today")
    lunar: LunarDateOut | None = Field(
        ..., description="the lunar date kept; null for a solar birthday without its year"
    )


class CardOut(Schema):
    contact: int
    birthday: BirthdayOut | None
    interests: str
    family: str
    calls_seller_by_name: bool | None
    notes: str
    erased_at: datetime | None
    erased_by: int | None
    updated_at: datetime | None = Field(..., description="null: nothing entered yet")


class BirthdayIn(Schema):
    calendar: Literal["solar", "lunar"]
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    month: int = Field(..., ge=1, le=12)
    day: int = Field(..., ge=1, le=31)
    leap_month: bool = False


class CardPatch(Schema):
    birthday: BirthdayIn | None = Field(None, description="null clears it")
    interests: str | None = Field(None, max_length=5000)
    family: str | None = Field(None, max_length=5000)
    calls_seller_by_name: bool | None = None
    notes: str | None = Field(None, max_length=5000)


class CardIn(CardPatch):
    """The whole card: what is left out is emptied."""


def card_out(contact: Contact, card: RelationshipCard) -> dict:
    """The card as JSON: the birthday as it was given, with its next solar date."""
    return {
        "contact": contact.pk,
        "birthday": _birthday_out(card),
        **{name: getattr(card, name) for name in cards.TEXT_FIELDS},
        "erased_at": card.erased_at,
        "erased_by": card.erased_by_id,
        "updated_at": card.updated_at if card.pk else None,
    }


def _birthday_out(card: RelationshipCard) -> dict | None:
    birthday = cards.birthday_of(card)
    if birthday is None:
        return None
    lunar = birthdays.lunar_date(cards.stored_birthday(card))
    return {
        "calendar": birthday.calendar,
        "year": birthday.year,
        "month": birthday.month,
        "day": birthday.day,
        "leap_month": birthday.leap_month,
        "next_solar_date": cards.next_birthday(card),
        "lunar": None
        if lunar is None
        else {
            "year": lunar.year,
            "month": lunar.month,
            "day": lunar.day,
            "leap_month": lunar.leap_month,
        },
    }


def _answer(response: HttpResponse, contact: Contact, card: RelationshipCard) -> dict:
    set_etag(response, contact, cards.card_watches(card))
    return card_out(contact, card)


@router.get("/{int:contact_id}/", response={200: CardOut, **READ}, summary="A contact's card")
def get_card(request: HttpRequest, contact_id: Id, response: HttpResponse):
    """The card (empty fields when nothing is entered yet); this look goes on its log. The
    ETag is what you send back as If-Match with a change."""
    contact = entitled_contact(request.auth, contact_id)
    cards.record_view(contact, by=request.auth)
    return _answer(response, contact, cards.card_of(contact))


def _save(request, contact_id: int, data: CardPatch, fields: dict) -> tuple:
    contact = entitled_contact(request.auth, contact_id, Action.EDIT)
    seen = if_match(request, contact)
    if "birthday" in fields:
        given = data.birthday
        fields["birthday"] = None if given is None else Birthday(**given.dict())
    card = cards.save_card(contact, by=request.auth, seen=seen, **fields)
    return contact, card


@router.put("/{int:contact_id}/", response={200: CardOut, **WRITE}, summary="Replace a card")
def put_card(request: HttpRequest, contact_id: Id, data: CardIn, response: HttpResponse):
    """The whole card; a field left out is emptied. Send the ETag you read as If-Match: a
    change made since is refused with 409."""
    fields = data.dict()
    for name in ("interests", "family", "notes"):
        fields[name] = fields[name] or ""
    return _answer(response, *_save(request, contact_id, data, fields))


@router.patch("/{int:contact_id}/", response={200: CardOut, **WRITE}, summary="Change a card")
def patch_card(request: HttpRequest, contact_id: Id, data: CardPatch, response: HttpResponse):
    """Only the fields sent; `"birthday": null` clears the birthday. If-Match as for PUT."""
    fields = data.dict(exclude_unset=True)
    for name in ("interests", "family", "notes"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return _answer(response, *_save(request, contact_id, data, fields))


@router.post("/{int:contact_id}/erase/", response={200: CardOut, **WRITE}, summary="Erase a card")
def erase_card(request: HttpRequest, contact_id: Id, response: HttpResponse):
    """Erase the personal information for good; the card then says who erased it and when."""
    contact = entitled_contact(request.auth, contact_id, Action.EDIT)
    return _answer(response, contact, cards.erase_contact_card(contact, by=request.auth))

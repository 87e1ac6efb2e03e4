"""The relationship card pages (M8.1) under /people/cards/<contact id>/: see, edit, erase.

Only those the access layer lets *see personal data* on the contact's account reach them;
for everybody else the card does not exist (404, never 403: a refusal would tell them there
is one). Every look at the card (the card page, the edit form) is on the card's log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.concurrency import SeenMixin

from .. import birthdays, cards
from ..birthdays import FIRST_YEAR, LAST_YEAR, LUNAR, SOLAR, Birthday
from ..card_access import entitled_contact
from ..choices import Calendar
from ..models import Contact, RelationshipCard


class CardForm(SeenMixin, forms.Form):
    """The card as people fill it: the birthday in the calendar they know it by."""

    birthday_calendar = forms.ChoiceField(
        label=gettext_lazy("Birthday by"),
        choices=[("", gettext_lazy("No birthday known")), *Calendar.choices],
        required=False,
    )
    birthday_year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=gettext_lazy("Optional."),
    )
    birthday_month = forms.IntegerField(
        label=gettext_lazy("Month"), required=False, min_value=1, max_value=12
    )
    birthday_day = forms.IntegerField(
        label=gettext_lazy("Day"), required=False, min_value=1, max_value=31
    )
    birthday_leap_month = forms.BooleanField(
        label=gettext_lazy("Leap month (闰月)"),
        required=False,
        help_text=gettext_lazy("Lunar birthdays only."),
    )
    interests = forms.CharField(
        label=gettext_lazy("Interests and hobbies"), required=False, widget=forms.Textarea
    )
    family = forms.CharField(
        label=gettext_lazy("Family situation"),
        required=False,
        widget=forms.Textarea,
        help_text=gettext_lazy(
            "Where help would be welcome: children's schooling, elderly parents' care …"
        ),
    )
    calls_seller_by_name = forms.NullBooleanField(
        label=gettext_lazy("Calls our seller by name"),
        required=False,
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea)

    def clean(self):
        """The birthday, checked and turned into a Birthday (None: none known)."""
        data = super().clean()
        calendar = data.get("birthday_calendar")
        if not calendar:
            data["birthday"] = None
            return data
        month, day = data.get("birthday_month"), data.get("birthday_day")
        if month is None or day is None:
            raise ValidationError(_("A birthday needs its month and day."))
        birthday = Birthday(
            calendar, data.get("birthday_year"), month, day, bool(data.get("birthday_leap_month"))
        )
        try:
            birthdays.check(birthday)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        data["birthday"] = birthday
        return data


def _initial(card: RelationshipCard) -> dict:
    birthday = cards.birthday_of(card)
    initial = {name: getattr(card, name) for name in cards.TEXT_FIELDS}
    if birthday is not None:
        initial.update(
            birthday_calendar=birthday.calendar,
            birthday_year=birthday.year,
            birthday_month=birthday.month,
            birthday_day=birthday.day,
            birthday_leap_month=birthday.leap_month,
        )
    return initial


def birthday_text(birthday: Birthday | None) -> str:
    """A birthday as people read it, in the calendar it was given in; "—" for none."""
    if birthday is None:
        return "—"
    params = {"month": birthday.month, "day": birthday.day, "year": birthday.year}
    if birthday.calendar == SOLAR:
        if birthday.year is None:
            return _("solar: month %(month)d, day %(day)d (year not known)") % params
        return _("solar: %(year)d-%(month)02d-%(day)02d") % params
    if birthday.leap_month:
        text = _("lunar: leap month %(month)d (闰%(month)d月), day %(day)d") % params
    else:
        text = _("lunar: month %(month)d, day %(day)d") % params
    if birthday.year is None:
        return _("%(date)s (year not known)") % {"date": text}
    return _("%(date)s, lunar year %(year)d") % {"date": text, "year": birthday.year}


def lunar_text(card: RelationshipCard) -> str:
    """The lunar date the card keeps, for a birthday entered by the solar calendar."""
    stored = cards.stored_birthday(card)
    if stored is None or stored.calendar == LUNAR:
        return ""
    lunar = birthdays.lunar_date(stored)
    if lunar is None:
        return _("A solar birthday without its year has no lunar date.")
    return _("Kept as %(date)s") % {"date": birthday_text(lunar)}


def _field_labels(fields: str) -> str:
    """An event's field names as people read them (the birthday's parts as one)."""
    labels: list[str] = []
    for name in filter(None, fields.split(",")):
        if name in cards.BIRTHDAY_FIELDS:
            label = str(_("birthday"))
        else:
            label = str(RelationshipCard._meta.get_field(name).verbose_name)
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def _events(contact: Contact) -> list[dict]:
    return [
        {"event": event, "fields": _field_labels(event.fields)}
        for event in cards.events_of(contact)[:200]
    ]


@login_required
@require_http_methods(["GET"])
def card_detail(request, contact_id: int):
    """The card, its next birthday and its log; the look itself goes on the log first."""
    contact = entitled_contact(request.user, contact_id)
    cards.record_view(contact, by=request.user)
    card = cards.card_of(contact)
    context = {
        "contact": contact,
        "card": card,
        "birthday": birthday_text(cards.birthday_of(card)),
        "lunar": lunar_text(card),
        "next_birthday": cards.next_birthday(card),
        "events": _events(contact),
        "may_edit": access.may(request.user, Action.EDIT, contact.account),
    }
    return render(request, "people/cards/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def card_edit(request, contact_id: int):
    """Fill in or change the card; an edit on a stale copy is refused and nothing changes."""
    contact = entitled_contact(request.user, contact_id, Action.EDIT)
    if request.method == "POST":
        form = CardForm(request.POST, seen_of=contact)
        if form.is_valid() and _saved(request, contact, form):
            messages.success(request, _("The relationship card is saved."))
            return redirect("people:card", contact_id=contact.pk)
        status = 400
    else:
        cards.record_view(contact, by=request.user)
        card = cards.card_of(contact)
        form = CardForm(initial=_initial(card), seen_of=contact, watched=cards.card_watches(card))
        status = 200
    context = {"contact": contact, "form": form}
    return render(request, "people/cards/edit.html", context, status=status)


def _saved(request, contact: Contact, form: CardForm) -> bool:
    data = form.cleaned_data
    fields = {name: data[name] for name in cards.TEXT_FIELDS}
    try:
        cards.save_card(
            contact, by=request.user, seen=data["seen"], birthday=data["birthday"], **fields
        )
    except ValidationError as error:
        for field, errors in _by_field(error).items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _by_field(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


@login_required
@require_http_methods(["GET", "POST"])
def card_erase(request, contact_id: int):
    """Erase the personal information, after a confirmation page (which shows none of it)."""
    contact = entitled_contact(request.user, contact_id, Action.EDIT)
    if request.method == "POST":
        cards.erase_contact_card(contact, by=request.user)
        messages.success(request, _("The personal information on this card is erased for good."))
        return redirect("people:card", contact_id=contact.pk)
    return render(request, "people/cards/erase.html", {"contact": contact})


urlpatterns = [
    path("cards/<int:contact_id>/", card_detail, name="card"),
    path("cards/<int:contact_id>/edit/", card_edit, name="card_edit"),
    path("cards/<int:contact_id>/erase/", card_erase, name="card_erase"),
]

"""Relationship cards (M8.1) through the services and the pages: who sees them (404 for the
rest), every look and change logged without values, erasure leaving no value anywhere."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kam.core.concurrency import StaleEdit, seen_of
from kam.core.history import record_change
from kam.core.models import FieldChange
from kam.people import cards, services
from kam.people.birthdays import LUNAR, SOLAR, Birthday
from kam.people.models import CardEvent, RelationshipCard

pytestmark = pytest.mark.django_db

SECRET = "女儿明年考高中，想去上海中学"


@pytest.fixture
def contact(cast):
    return services.create_contact(
        cast.east_account, by=cast.owner_kam, name="王总", title="总经理"
    )


@pytest.fixture
def filled(contact, cast):
    cards.save_card(
        contact,
        by=cast.owner_kam,
        birthday=Birthday(LUNAR, 1970, 4, 1, leap_month=False),
        interests="钓鱼, 围棋",
        family=SECRET,
        calls_seller_by_name=True,
        notes="不喝酒",
    )
    return contact


def client_of(user) -> Client:
    """A logged-in browser that asks for English (the tests read the English strings)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def kinds(contact) -> list[str]:
    return list(CardEvent.objects.filter(contact=contact).values_list("kind", flat=True))


# ---------------------------------------------------------------- services


def test_a_change_is_logged_by_field_name_and_kept_nowhere_else(contact, cast):
    cards.save_card(contact, by=cast.owner_kam, family=SECRET)
    event = CardEvent.objects.get(contact=contact)
    assert (event.kind, event.fields, event.by) == ("changed", "family", cast.owner_kam)
    assert not FieldChange.objects.filter(new_value__contains="女儿").exists()
    assert not FieldChange.objects.filter(old_value__contains="女儿").exists()


def test_saving_the_same_values_logs_no_change(filled, cast):
    before = kinds(filled)
    cards.save_card(filled, by=cast.owner_kam, notes="不喝酒")
    assert kinds(filled) == before


def test_a_solar_birthday_is_stored_as_the_lunar_date(contact, cast):
    card = cards.save_card(contact, by=cast.owner_kam, birthday=Birthday(SOLAR, 2020, 5, 23))
    card.refresh_from_db()
    assert (card.birthday_calendar, card.birthday_year, card.birthday_month) == (SOLAR, 2020, 4)
    assert (card.birthday_day, card.birthday_leap_month) == (1, True)
    assert cards.birthday_of(card) == Birthday(SOLAR, 2020, 5, 23)
    assert cards.next_birthday(card, date(2026, 12, 2)) == date(2027, 5, 23)


def test_an_impossible_birthday_changes_nothing(filled, cast):
    with pytest.raises(ValidationError):
        cards.save_card(filled, by=cast.owner_kam, birthday=Birthday(LUNAR, 2021, 4, 1, True))
    assert RelationshipCard.objects.get(contact=filled).birthday_month == 4
    assert RelationshipCard.objects.get(contact=filled).birthday_leap_month is False


def test_a_stale_edit_is_refused_without_quoting_the_values(filled, cast):
    seen = seen_of(filled, cards.card_watches(cards.card_of(filled)))
    cards.save_card(filled, by=cast.team_specialist, notes="改了")
    with pytest.raises(StaleEdit) as refused:
        cards.save_card(filled, by=cast.owner_kam, seen=seen, notes="我的")
    assert RelationshipCard.objects.get(contact=filled).notes == "改了"
    assert "改了" not in str(refused.value.messages)


def test_two_first_edits_do_not_both_win(contact, cast):
    seen = seen_of(contact, cards.card_watches(cards.card_of(contact)))
    cards.save_card(contact, by=cast.owner_kam, seen=seen, notes="first")
    with pytest.raises(StaleEdit):
        cards.save_card(contact, by=cast.team_specialist, seen=seen, notes="second")
    assert RelationshipCard.objects.get(contact=contact).notes == "first"


def test_erasure_leaves_no_value_anywhere_and_is_recorded(filled, cast):
    card = RelationshipCard.objects.get(contact=filled)
    # A value some other writer once put in the card's field history goes too.
    record_change(card, "family", "", SECRET, by=cast.boss)
    cards.erase_card(card, by=cast.east_manager)

    card.refresh_from_db()
    for name, blank in cards.BLANK.items():
        assert getattr(card, name) == blank, name
    assert card.erased_by == cast.east_manager and card.erased_at is not None
    card_type = ContentType.objects.get_for_model(RelationshipCard)
    assert not FieldChange.objects.filter(content_type=card_type, object_id=card.pk).exists()
    assert not FieldChange.objects.filter(new_value__contains="女儿").exists()
    erased = CardEvent.objects.filter(contact=filled, kind="erased").get()
    assert erased.by == cast.east_manager
    assert "family" in erased.fields and "女儿" not in erased.fields
    assert cards.next_birthday(card) is None


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("who", ["owner_kam", "team_specialist", "east_manager", "director"])
def test_the_team_and_managers_above_see_the_card_and_each_look_is_logged(filled, cast, who):
    url = reverse("people:card", args=[filled.pk])
    client = client_of(getattr(cast, who))
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        assert SECRET in page.content.decode()
    views = CardEvent.objects.filter(contact=filled, kind="viewed", by=getattr(cast, who))
    assert views.count() == 2


@pytest.mark.parametrize("who", ["outsider_kam", "finance_user"])
@pytest.mark.parametrize("name", ["people:card", "people:card_edit", "people:card_erase"])
def test_everybody_else_gets_404_and_leaves_no_trace(filled, cast, who, name):
    client = client_of(getattr(cast, who))
    url = reverse(name, args=[filled.pk])
    assert client.get(url).status_code == 404
    if name != "people:card":  # the card page takes GET only (405 for anybody)
        assert client.post(url, {"notes": "x"}).status_code == 404
    card = RelationshipCard.objects.get(contact=filled)
    assert card.family == SECRET and card.erased_at is None
    assert "viewed" not in kinds(filled)


def test_a_card_of_a_contact_who_does_not_exist_is_404_too(cast):
    assert client_of(cast.owner_kam).get(reverse("people:card", args=[999999])).status_code == 404


def test_the_card_page_shows_the_log_and_an_empty_card_as_unknown(contact, cast):
    page = client_of(cast.owner_kam).get(reverse("people:card", args=[contact.pk]))
    html = page.content.decode()
    assert "no birthday known" in html
    assert not RelationshipCard.objects.filter(contact=contact).exists()  # a look creates none
    assert 'data-kind="viewed"' in html


def test_editing_on_the_page_saves_a_lunar_leap_month_birthday(contact, cast):
    client = client_of(cast.team_specialist)
    url = reverse("people:card_edit", args=[contact.pk])
    form = client.get(url).context["form"]
    answer = client.post(
        url,
        {
            "seen": form.initial["seen"],
            "birthday_calendar": "lunar",
            "birthday_year": "2025",
            "birthday_month": "6",
            "birthday_day": "10",
            "birthday_leap_month": "on",
            "interests": "书法",
            "calls_seller_by_name": "unknown",
        },
    )
    assert answer.status_code == 302
    card = RelationshipCard.objects.get(contact=contact)
    assert (card.birthday_year, card.birthday_month, card.birthday_leap_month) == (2025, 6, True)
    assert card.interests == "书法" and card.calls_seller_by_name is None
    assert kinds(contact)[:2] == ["changed", "viewed"]
    page = client.get(reverse("people:card", args=[contact.pk])).content.decode()
    assert "leap month 6" in page


def test_an_impossible_birthday_on_the_page_is_an_error_and_changes_nothing(contact, cast):
    client = client_of(cast.owner_kam)
    answer = client.post(
        reverse("people:card_edit", args=[contact.pk]),
        {
            "birthday_calendar": "lunar",
            "birthday_year": "2021",
            "birthday_month": "4",
            "birthday_day": "1",
            "birthday_leap_month": "on",
            "calls_seller_by_name": "unknown",
        },
    )
    assert answer.status_code == 400
    assert "has no leap month 4" in answer.content.decode()
    assert not RelationshipCard.objects.filter(contact=contact).exists()


def test_erasing_on_the_page_asks_first_then_leaves_who_and_when(filled, cast):
    client = client_of(cast.owner_kam)
    url = reverse("people:card_erase", args=[filled.pk])
    confirm = client.get(url).content.decode()
    assert "cannot be undone" in confirm and SECRET not in confirm
    assert RelationshipCard.objects.get(contact=filled).family == SECRET
    client.post(url)
    page = client.get(reverse("people:card", args=[filled.pk])).content.decode()
    assert SECRET not in page and "钓鱼" not in page
    assert "Personal information erased on" in page
    assert str(cast.owner_kam) in page
    assert RelationshipCard.objects.get(contact=filled).family == ""


def test_the_card_page_reads_its_log_in_one_query_however_long(filled, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(cast.team_specialist)
    url = reverse("people:card", args=[filled.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for who in (cast.boss, cast.director, cast.east_manager, cast.owner_kam):
        cards.record_view(filled, by=who)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)

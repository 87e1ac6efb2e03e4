"""The relationship cards' API (/api/v1/cards/): only the entitled get a card (404 for the
rest), each GET logged, birthdays as JSON with their next solar date, stale edits refused,
and erasure."""

import json

import pytest
from django.test import Client

from kam.core.concurrency import read_token
from kam.people import cards, services
from kam.people.birthdays import LUNAR, Birthday
from kam.people.models import CardEvent, RelationshipCard
from kam.users import services as user_services

pytestmark = pytest.mark.django_db

SECRET = "父亲住院，需要好的骨科医生"


@pytest.fixture
def api_as(cast):
    """api_as("owner_kam") → a client sending that user's fresh API token."""

    def make(username: str) -> Client:
        _row, token = user_services.create_api_token(getattr(cast, username), "test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


@pytest.fixture
def contact(cast):
    contact = services.create_contact(cast.east_account, by=cast.owner_kam, name="李处长")
    cards.save_card(
        contact,
        by=cast.owner_kam,
        birthday=Birthday(LUNAR, None, 4, 1, leap_month=True),
        family=SECRET,
    )
    return contact


def url(contact, tail: str = "") -> str:
    return f"/api/v1/cards/{contact.pk}/{tail}"


def send(client, method: str, path: str, body: dict, **headers):
    call = getattr(client, method)
    return call(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_team_gets_the_card_with_its_birthday_and_the_look_is_logged(api_as, contact, cast):
    answer = api_as("team_specialist").get(url(contact))
    assert answer.status_code == 200
    body = answer.json()
    assert body["family"] == SECRET
    birthday = body["birthday"]
    assert {k: birthday[k] for k in ("calendar", "year", "month", "day", "leap_month")} == {
        "calendar": "lunar",
        "year": None,
        "month": 4,
        "day": 1,
        "leap_month": True,
    }
    assert birthday["next_solar_date"] == str(cards.next_birthday(cards.card_of(contact)))
    event = CardEvent.objects.filter(contact=contact).first()
    assert (event.kind, event.by) == ("viewed", cast.team_specialist)


@pytest.mark.parametrize("who", ["outsider_kam", "finance_user"])
def test_everybody_else_gets_404_for_every_operation(api_as, contact, who):
    client = api_as(who)
    assert client.get(url(contact)).status_code == 404
    assert send(client, "patch", url(contact), {"notes": "x"}).status_code == 404
    assert send(client, "put", url(contact), {"notes": "x"}).status_code == 404
    assert client.post(url(contact, "erase/")).status_code == 404
    assert RelationshipCard.objects.get(contact=contact).family == SECRET
    assert not CardEvent.objects.filter(contact=contact, kind="viewed").exists()


def test_patch_changes_only_what_is_sent_and_a_stale_copy_gets_409(api_as, contact, cast):
    owner, member = api_as("owner_kam"), api_as("team_specialist")
    etag = owner.get(url(contact))["ETag"]
    assert SECRET not in read_token(etag.strip('"')).values.values()  # digests, not values
    changed = send(
        member,
        "patch",
        url(contact),
        {"birthday": {"calendar": "solar", "year": 2020, "month": 5, "day": 23}},
    )
    assert changed.status_code == 200
    assert changed.json()["birthday"]["lunar"] == {
        "year": 2020,
        "month": 4,
        "day": 1,
        "leap_month": True,
    }
    assert changed.json()["family"] == SECRET
    stale = send(owner, "patch", url(contact), {"notes": "late"}, **{"If-Match": etag})
    assert stale.status_code == 409
    assert stale.json()["conflicts"][0]["field"].startswith("birthday_")
    assert RelationshipCard.objects.get(contact=contact).notes == ""
    fresh = member.get(url(contact))["ETag"]
    assert (
        send(owner, "patch", url(contact), {"notes": "ok"}, **{"If-Match": fresh}).status_code
        == 200
    )


def test_put_replaces_the_whole_card(api_as, contact):
    answer = send(api_as("owner_kam"), "put", url(contact), {"interests": "高尔夫"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["interests"], body["family"], body["birthday"]) == ("高尔夫", "", None)


@pytest.mark.parametrize(
    "birthday",
    [
        {"calendar": "lunar", "year": 2021, "month": 4, "day": 1, "leap_month": True},
        {"calendar": "solar", "year": 2021, "month": 2, "day": 29},
        {"calendar": "lunar", "month": 13, "day": 1},
        {"calendar": "gregorian", "month": 1, "day": 1},
    ],
)
def test_an_impossible_birthday_is_refused_and_nothing_changes(api_as, contact, birthday):
    answer = send(api_as("owner_kam"), "patch", url(contact), {"birthday": birthday})
    assert answer.status_code in (400, 422)
    assert answer.json()["errors"]
    assert RelationshipCard.objects.get(contact=contact).birthday_leap_month is True


def test_erase_through_the_api(api_as, contact, cast):
    owner = api_as("owner_kam")
    answer = owner.post(url(contact, "erase/"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["family"] == "" and body["birthday"] is None
    assert body["erased_by"] == cast.owner_kam.pk and body["erased_at"]
    again = owner.get(url(contact)).json()
    assert SECRET not in json.dumps(again, ensure_ascii=False)
    assert again["erased_by"] == cast.owner_kam.pk


def test_a_contact_with_no_card_reads_as_empty_not_as_missing(api_as, cast):
    contact = services.create_contact(cast.east_account, by=cast.owner_kam, name="新人")
    body = api_as("owner_kam").get(url(contact)).json()
    assert body["birthday"] is None and body["updated_at"] is None
    assert body["calls_seller_by_name"] is None

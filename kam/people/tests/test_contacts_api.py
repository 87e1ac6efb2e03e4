"""The contacts' API with the decision chain: list and filter, create and patch the chain's
fields (validated, nothing changed on a refusal), the history with the attitude changes,
ETag / If-Match for stale copies, and 404 for contacts of accounts the token may not see."""

from datetime import date

import pytest
from django.test import Client

from kam.people import services
from kam.people.models import Contact
from kam.users import services as user_services

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"
JSON = "application/json"


@pytest.fixture
def api_as(cast):
    """api_as("owner_kam") → a client that sends that member of the cast's token."""

    def make(username: str) -> Client:
        _row, token = user_services.create_api_token(getattr(cast, username), "test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")

    return make


@pytest.fixture
def boss_contact(cast):
    return services.create_contact(
        cast.east_account,
        by=cast.owner_kam,
        name="张总",
        level="senior",
        roles=["decision_maker"],
        support="supporter",
        influence=5,
        relationship=2,
        relationship_goal=4,
        is_node=True,
        business_line=cast.owner_kam,
    )


def test_the_list_gives_the_decision_chain_of_one_account(cast, api_as, boss_contact):
    services.set_last_met({boss_contact.pk: date(2025, 6, 9)})
    engineer = services.create_contact(cast.east_account, name="李工", reports_to=boss_contact)
    services.create_contact(cast.east_other, name="别家")
    services.create_contact(
        cast.east_account, name="王前任", status="left", left_on=date(2025, 3, 1)
    )
    owner = api_as("owner_kam")
    rows = owner.get(CONTACTS, {"account": cast.east_account.pk}).json()["results"]
    assert [r["name"] for r in rows] == ["张总", "李工", "王前任"]
    boss = rows[0]
    assert boss["roles"] == ["decision_maker"] and boss["support"] == "supporter"
    assert boss["level"] == "senior" and boss["influence"] == 5 and boss["is_node"] is True
    assert (boss["relationship"], boss["relationship_goal"]) == (2, 4)
    assert boss["business_line"] == cast.owner_kam.pk and boss["technical_line"] is None
    assert boss["last_met_on"] == "2025-06-09" and boss["status"] == "active"
    li = rows[1]
    assert li["reports_to"] == boss_contact.pk
    # unknown is null, never a made-up value
    assert li["support"] is None and li["level"] is None and li["influence"] is None
    assert li["last_met_on"] is None and li["orientation"] is None
    assert rows[2]["left_on"] == "2025-03-01"
    left = owner.get(CONTACTS, {"account": cast.east_account.pk, "status": "left"}).json()
    assert [r["name"] for r in left["results"]] == ["王前任"]
    assert engineer.pk in [r["id"] for r in rows]


def test_create_with_the_chain_fields_keeps_the_first_attitude_in_history(
    cast, api_as, boss_contact
):
    owner = api_as("owner_kam")
    body = {
        "account": cast.east_account.pk,
        "name": "赵主任",
        "level": "middle",
        "roles": ["user", "coach"],
        "support": "mentor",
        "reports_to": boss_contact.pk,
        "technical_line": cast.team_specialist.pk,
        "concerns": ["price", "stability"],
        "orientation": "financial",
    }
    created = owner.post(CONTACTS, body, JSON)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (
        data["reports_to"] == boss_contact.pk and data["technical_line"] == cast.team_specialist.pk
    )
    assert data["concerns"] == ["price", "stability"] and data["orientation"] == "financial"
    history = owner.get(f"{CONTACTS}{data['id']}/history/", {"field": "support"}).json()
    assert [(h["before"], h["after"], h["changed_by"]) for h in history["results"]] == [
        (None, "mentor", cast.owner_kam.pk)
    ]


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"support": "friendly"}, "support", 422),
        ({"influence": 6}, "influence", 422),
        ({"roles": ["user", "user"]}, "roles", 400),
        ({"status": "active", "left_on": "2025-01-01"}, "left_on", 400),
        ({"technical_line": 10**9}, "technical_line", 400),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(
    cast, api_as, boss_contact, change, field, status
):
    owner = api_as("owner_kam")
    response = owner.patch(f"{CONTACTS}{boss_contact.pk}/", change, content_type=JSON)
    assert response.status_code == status
    body = response.json()
    assert set(body) >= {"detail", "errors"} and any(field in key for key in body["errors"])
    fresh = Contact.objects.get(pk=boss_contact.pk)
    assert (fresh.support, fresh.influence, fresh.roles, fresh.left_on) == (
        "supporter",
        5,
        ["decision_maker"],
        None,
    )


def test_reports_to_must_be_of_the_same_account_and_never_loop(cast, api_as, boss_contact):
    owner = api_as("owner_kam")
    elsewhere = services.create_contact(cast.east_other, name="外人")
    engineer = services.create_contact(cast.east_account, name="李工", reports_to=boss_contact)
    url = f"{CONTACTS}{boss_contact.pk}/"
    other = owner.patch(url, {"reports_to": elsewhere.pk}, content_type=JSON)
    assert other.status_code == 400 and "reports_to" in other.json()["errors"]
    loop = owner.patch(url, {"reports_to": engineer.pk}, content_type=JSON)
    assert loop.status_code == 400 and "loop" in loop.json()["errors"]["reports_to"][0]
    assert Contact.objects.get(pk=boss_contact.pk).reports_to is None


def test_patch_changes_the_attitude_with_a_reason_and_history_says_so(cast, api_as, boss_contact):
    specialist = api_as("team_specialist")
    url = f"{CONTACTS}{boss_contact.pk}/"
    etag = specialist.get(url)["ETag"]
    body = {"support": "enemy", "reason": "we lost the tender", "level": None}
    patched = specialist.patch(url, body, content_type=JSON, HTTP_IF_MATCH=etag)
    assert patched.status_code == 200
    assert patched.json()["support"] == "enemy" and patched.json()["level"] is None
    history = specialist.get(f"{url}history/").json()["results"]
    latest = {h["field"]: h for h in history if h["changed_by"] == cast.team_specialist.pk}
    assert latest["support"]["before"] == "supporter" and latest["support"]["after"] == "enemy"
    assert latest["support"]["reason"] == "we lost the tender"
    assert latest["support"]["changed_by_name"] == str(cast.team_specialist)
    assert latest["level"]["before"] == "senior" and latest["level"]["after"] is None


def test_a_patch_on_a_stale_copy_is_409(cast, api_as, boss_contact):
    owner = api_as("owner_kam")
    url = f"{CONTACTS}{boss_contact.pk}/"
    etag = owner.get(url)["ETag"]
    services.update_contact(boss_contact, by=cast.east_manager, support="neutral")
    stale = owner.patch(url, {"is_node": False}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert [c["field"] for c in stale.json()["conflicts"]] == ["support"]
    assert Contact.objects.get(pk=boss_contact.pk).is_node is True


def test_an_outsider_token_gets_404_for_contacts_and_their_history(cast, api_as, boss_contact):
    outsider = api_as("outsider_kam")
    url = f"{CONTACTS}{boss_contact.pk}/"
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"{url}history/").status_code == 404
    assert outsider.patch(url, {"support": "enemy"}, content_type=JSON).status_code == 404
    listed = outsider.get(CONTACTS, {"account": cast.east_account.pk}).json()
    assert listed["results"] == []
    assert Contact.objects.get(pk=boss_contact.pk).support == "supporter"

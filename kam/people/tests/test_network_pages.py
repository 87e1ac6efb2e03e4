"""The network's pages in kam.people: third parties and a person's connections."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.people import services
from kam.people.choices import ConnectionKind
from kam.people.models import Connection, ThirdParty

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_recording_and_editing_a_third_party(client, cast):
    _as(client, cast.team_specialist)
    answer = client.post(
        reverse("people:third_parties"),
        {"name": "王会长", "kind": "association", "organisation": "省钢铁协会"},
    )
    person = ThirdParty.objects.get()
    assert answer.url == reverse("people:connections", args=["third", person.pk])
    assert person.created_by == cast.team_specialist
    assert "王会长" in client.get(reverse("people:third_parties")).content.decode()
    form = client.get(reverse("people:third_party", args=[person.pk])).context["form"]
    seen = form.initial["seen"]
    data = {"name": "王会长", "kind": "association", "role": "vice-chair", "seen": seen}
    client.post(reverse("people:third_party", args=[person.pk]), data)
    person.refresh_from_db()
    assert person.role == "vice-chair"
    stale = client.post(reverse("people:third_party", args=[person.pk]), {**data, "role": "x"})
    person.refresh_from_db()
    assert person.role == "vice-chair"
    assert "Reload the page" in stale.content.decode()


def test_another_kam_may_not_edit_somebody_elses_third_party(client, cast):
    person = services.create_third_party(name="钱", kind="friend", by=cast.team_specialist)
    _as(client, cast.outsider_kam)
    assert client.get(reverse("people:third_party", args=[person.pk])).status_code == 403


def test_adding_ending_and_removing_a_connection_of_a_contact(client, cast):
    gm = services.create_contact(cast.east_account, name="陈总")
    wang = services.create_third_party(name="王会长", kind="association")
    _as(client, cast.owner_kam)
    page = reverse("people:connections", args=["contact", gm.pk])
    client.post(
        page,
        {"other": f"third:{wang.pk}", "kind": "regulates", "strength": 3, "outgoing": "on"},
    )
    connection = Connection.objects.get()
    assert connection.a_contact == gm and connection.b_third == wang  # read from the contact
    body = client.get(page).content.decode()
    assert "regulator of" in body and "王会长" in body
    seen = client.get(page).context["rows"][0]["end_form"].initial["seen"]
    today = timezone.localdate()
    client.post(
        reverse("people:end_connection", args=[connection.pk]),
        {"valid_to": today.isoformat(), "seen": seen, "kind": "contact", "pk": gm.pk},
    )
    connection.refresh_from_db()
    assert connection.valid_to == today
    client.post(reverse("people:remove_connection", args=[connection.pk]))
    assert not Connection.objects.alive().exists()


def test_an_outsider_neither_sees_nor_connects_another_teams_contact(client, cast):
    gm = services.create_contact(cast.east_account, name="陈总")
    connection = services.connect(cast.boss, gm, kind=ConnectionKind.FRIEND)
    _as(client, cast.outsider_kam)
    assert client.get(reverse("people:connections", args=["contact", gm.pk])).status_code == 404
    assert client.post(reverse("people:remove_connection", args=[connection.pk])).status_code == 404
    boss_page = client.get(reverse("people:connections", args=["user", cast.boss.pk]))
    assert "陈总" not in boss_page.content.decode()
    assert Connection.objects.alive().exists()

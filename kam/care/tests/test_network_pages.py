"""The network's pages: how do we reach X, ask for an introduction, the who's who, the
account's network picture."""

import json

import pytest
from django.urls import reverse

from kam.care.choices import TaskOrigin
from kam.care.models import Task
from kam.people import services
from kam.people.choices import BuyingRole, ConnectionKind, ThirdPartyKind
from kam.value import services as value_services
from kam.value.choices import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(cast):
    """The east customer's GM (a decision maker) reachable from the boss only through an
    association's vice-chair; the specialist knows the GM's buyer."""
    gm = services.create_contact(
        cast.east_account, name="陈总", title="General manager", roles=[BuyingRole.DECISION_MAKER]
    )
    coach = services.create_contact(cast.east_account, name="孙工", roles=[BuyingRole.COACH])
    wang = services.create_third_party(
        name="王会长", kind=ThirdPartyKind.ASSOCIATION, organisation="省钢铁协会"
    )
    services.connect(cast.boss, wang, kind=ConnectionKind.EMBA, strength=4)
    services.connect(wang, gm, kind=ConnectionKind.REGULATES, strength=3)
    services.connect(cast.team_specialist, coach, kind=ConnectionKind.BUSINESS, strength=2)
    return type("Net", (), {"gm": gm, "coach": coach, "wang": wang})


def _en(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_paths_page_explains_the_path(client, cast, net):
    page = _en(client, cast.owner_kam).get(reverse("care:paths"), {"to": net.gm.pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert "EMBA classmate of (strong)" in body
    assert "王会长" in body


def test_asking_for_an_introduction_makes_a_task_for_the_colleague_holding_the_first_hop(
    client, cast, net
):
    _en(client, cast.owner_kam)
    page = client.get(reverse("care:paths"), {"to": net.gm.pk})
    [item] = page.context["found"]
    answer = client.post(
        reverse("care:introduce"),
        {"to": net.gm.pk, "start": cast.boss.pk, "path": item["signature"]},
        follow=True,
    )
    task = Task.objects.get()
    assert task.assignee == cast.boss
    assert task.contact == net.gm
    assert task.account == cast.east_account
    assert task.origin == TaskOrigin.INTRODUCTION
    assert "王会长" in task.title
    assert "Introduction asked" in answer.content.decode()


def test_a_path_that_no_longer_holds_makes_no_task(client, cast, net):
    _en(client, cast.owner_kam)
    client.post(reverse("care:introduce"), {"to": net.gm.pk, "start": cast.boss.pk, "path": "999"})
    assert not Task.objects.exists()


def test_an_outsider_neither_sees_the_paths_nor_asks(client, cast, net):
    _en(client, cast.outsider_kam)
    assert client.get(reverse("care:paths"), {"to": net.gm.pk}).status_code == 404
    answer = client.post(
        reverse("care:introduce"), {"to": net.gm.pk, "start": cast.boss.pk, "path": "1,2"}
    )
    assert answer.status_code == 404
    assert not Task.objects.exists()


def test_the_whos_who_lists_key_people_sponsor_and_those_without_a_path(client, cast, net):
    value_services.override_tier(cast.east_account, Tier.GOLD, reason="key", by=cast.boss)
    value_services.override_tier(cast.east_other, Tier.ORDINARY, reason="small", by=cast.boss)
    services.create_contact(cast.east_other, name="周厂长", roles=[BuyingRole.DECISION_MAKER])
    page = _en(client, cast.boss).get(reverse("care:whos_who"))
    rows = {row["contact"].name: row for row in page.context["rows"]}
    assert set(rows) == {"陈总", "孙工"}
    assert rows["陈总"]["warmest"].intermediaries[0].name == "王会长"
    assert rows["孙工"]["warmest"] is None  # only the specialist, not an executive, knows him
    assert page.context["without"] == 1
    assert "No path" in page.content.decode()


def test_the_network_picture_of_an_account(client, cast, net):
    page = _en(client, cast.owner_kam).get(
        reverse("care:account_network", args=[cast.east_account.pk])
    )
    option = page.context["option"]
    names = {node["name"] for node in option["series"][0]["data"]}
    assert {"陈总", "孙工", "王会长", str(cast.team_specialist)} <= names
    assert str(cast.boss) in names  # who of ours knows Wang: the door he opens
    assert str(cast.director) not in names
    assert 'data-chart="network-option"' in page.content.decode()
    assert json.loads(json.dumps(option))
    outsider = _en(client, cast.outsider_kam)
    assert (
        outsider.get(reverse("care:account_network", args=[cast.east_account.pk])).status_code
        == 404
    )

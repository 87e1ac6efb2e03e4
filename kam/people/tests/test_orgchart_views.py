"""The org chart section of the account page: what the team edits from it, what others get."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.concurrency import seen_token
from kam.core.history import history_of
from kam.people import services
from kam.people.choices import ConnectionKind
from kam.people.models import Connection, Contact

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}


def url(name: str, account, *args) -> str:
    return reverse(f"accounts:{name}", args=[account.pk, *args])


def token(contact: Contact) -> str:
    contact = Contact.objects.get(pk=contact.pk)
    return seen_token(contact, services.contact_watches(contact))


def option_of(html: str) -> dict | None:
    found = re.search(r'data-option="([^"]*)"', html)
    return json.loads(unescape(found.group(1))) if found else None


def add(client, account, name, manager=None, **extra):
    data = {"name": name, "title": extra.pop("title", ""), "level": extra.pop("level", "")}
    if manager is not None:
        data["reports_to"] = str(manager.pk)
    data.update(extra)
    return client.post(url("orgchart_add", account), data, **HTMX)


@pytest.fixture
def team(client, cast):
    client.force_login(cast.team_specialist)
    return client


def test_a_team_member_builds_the_chart_from_the_page(team, cast, english):
    account = cast.east_account
    page = team.get(reverse("accounts:detail", args=[account.pk]), **EN)
    assert "Nobody on this account's org chart yet." in page.content.decode()
    assert add(team, account, "Zhao", title="GM", level="senior").status_code == 200
    zhao = Contact.objects.get(account=account, name="Zhao")
    answer = add(
        team, account, "Qian", manager=zhao, roles=["gatekeeper", "coach"], support="mentor"
    )
    assert answer.status_code == 200
    qian = Contact.objects.get(name="Qian")
    add(team, account, "Sun", manager=qian)
    sun = Contact.objects.get(name="Sun")
    assert (qian.reports_to, sun.reports_to) == (zhao, qian)
    assert qian.roles == ["gatekeeper", "coach"] and qian.support == "mentor"

    option = option_of(team.get(reverse("accounts:detail", args=[account.pk])).content.decode())
    series = option["series"][0]
    assert {node["name"] for node in series["data"]} == {"Zhao", "Qian", "Sun"}
    assert {(link["source"], link["target"]) for link in series["links"]} == {
        (str(zhao.pk), str(qian.pk)),
        (str(qian.pk), str(sun.pk)),
    }
    assert all("never met" in node["label"]["formatter"] for node in series["data"])


def test_setting_a_manager_roles_and_attitude_keeps_history(team, cast):
    account = cast.east_account
    boss = services.create_contact(account, name="Boss")
    buyer = services.create_contact(account, name="Buyer")
    answer = team.post(
        url("orgchart_edit", account, buyer.pk),
        {
            "seen": token(buyer),
            "reports_to": str(boss.pk),
            "roles": ["decision_maker"],
            "support": "enemy",
            "level": "middle",
            "title": "Purchasing head",
        },
        **HTMX,
    )
    assert answer.status_code == 200
    buyer.refresh_from_db()
    assert (buyer.reports_to, buyer.roles, buyer.support) == (boss, ["decision_maker"], "enemy")
    assert (
        history_of(buyer)
        .filter(field="support", new_value="enemy", changed_by=cast.team_specialist)
        .exists()
    )
    chart = team.get(url("orgchart_data", account)).json()
    node = next(n for n in chart["nodes"] if n["id"] == buyer.pk)
    assert node["manager"] == boss.pk and node["last_met_on"] is None and node["never_met"]
    assert chart["roots"] == [boss.pk] and chart["unplaced"] == []


def test_a_stale_edit_is_refused_and_changes_nothing(team, cast, english):
    account = cast.east_account
    buyer = services.create_contact(account, name="Buyer")
    seen = token(buyer)
    services.update_contact(buyer, by=cast.owner_kam, support="supporter")
    answer = team.post(
        url("orgchart_edit", account, buyer.pk), {"seen": seen, "support": "enemy"}, **HTMX
    )
    assert answer.status_code == 400
    assert "Reload the page and make your change again." in answer.content.decode()
    buyer.refresh_from_db()
    assert buyer.support == "supporter"


def test_a_manager_from_another_account_or_a_loop_is_refused(team, cast):
    account = cast.east_account
    stranger = services.create_contact(cast.east_other, name="Elsewhere")
    answer = add(team, account, "New", manager=stranger)
    assert answer.status_code == 400
    assert not Contact.objects.filter(name="New").exists()
    top = services.create_contact(account, name="Top")
    below = services.create_contact(account, name="Below", reports_to=top)
    loop = team.post(
        url("orgchart_edit", account, top.pk),
        {"seen": token(top), "reports_to": str(below.pk)},
        **HTMX,
    )
    assert loop.status_code == 400
    top.refresh_from_db()
    assert top.reports_to is None


def test_remove_from_chart_is_apart_from_remove_from_account(team, cast):
    account = cast.east_account
    one = services.create_contact(account, name="One")
    two = services.create_contact(account, name="Two")
    assert (
        team.post(url("orgchart_off", account, one.pk), {"seen": token(one)}, **HTMX).status_code
        == 200
    )
    one.refresh_from_db()
    assert not one.on_chart and one.deleted_at is None
    assert "One" not in {n["name"] for n in team.get(url("orgchart_data", account)).json()["nodes"]}
    assert (
        team.post(url("orgchart_on", account, one.pk), {"seen": token(one)}, **HTMX).status_code
        == 200
    )
    one.refresh_from_db()
    assert one.on_chart
    assert (
        team.post(url("orgchart_remove", account, two.pk), {"seen": token(two)}, **HTMX).status_code
        == 200
    )
    assert Contact.objects.get(pk=two.pk).deleted_at is not None
    assert (
        team.post(url("orgchart_remove", account, two.pk), {"seen": token(two)}).status_code == 404
    )


def test_influence_and_conflict_lines_drawn_from_the_chart(team, cast):
    account = cast.east_account
    a = services.create_contact(account, name="A")
    b = services.create_contact(account, name="B")
    for kind in (ConnectionKind.INFLUENCES, ConnectionKind.CONFLICT):
        answer = team.post(
            url("orgchart_line", account),
            {"a": a.pk, "b": b.pk, "kind": kind, "strength": 4},
            **HTMX,
        )
        assert answer.status_code == 200
    assert (
        team.post(
            url("orgchart_line", account), {"a": a.pk, "b": a.pk, "kind": "conflict", "strength": 3}
        ).status_code
        == 400
    )
    option = option_of(team.get(reverse("accounts:detail", args=[account.pk])).content.decode())
    styles = sorted(link["lineStyle"]["type"] for link in option["series"][0]["links"])
    assert styles == ["dashed", "dotted"]
    line = Connection.objects.get(kind=ConnectionKind.CONFLICT)
    assert team.post(url("orgchart_line_delete", account, line.pk), **HTMX).status_code == 200
    assert Connection.objects.alive().filter(kind=ConnectionKind.CONFLICT).count() == 0


def test_an_outsider_gets_404_everywhere(client, cast):
    account = cast.east_account
    person = services.create_contact(account, name="Secret")
    client.force_login(cast.outsider_kam)
    assert client.get(url("orgchart_data", account)).status_code == 404
    assert add(client, account, "Intruder").status_code == 404
    assert (
        client.post(url("orgchart_off", account, person.pk), {"seen": token(person)}).status_code
        == 404
    )
    assert not Contact.objects.filter(name="Intruder").exists()
    person.refresh_from_db()
    assert person.on_chart


def test_a_contact_of_another_account_cannot_be_reached_through_this_one(team, cast):
    elsewhere = services.create_contact(cast.south_account, name="South person")
    answer = team.post(
        url("orgchart_off", cast.east_account, elsewhere.pk), {"seen": token(elsewhere)}
    )
    assert answer.status_code == 404


def test_a_read_only_viewer_sees_the_chart_but_cannot_post(client, cast, monkeypatch):
    """No role sees an account without editing it today; a team that may only view (the rule
    narrowed here) is what the endpoints' Action.EDIT guards against."""
    monkeypatch.setattr(access, "BY_TEAM", frozenset({Action.VIEW, Action.SEE_PERSONAL}))
    account = cast.east_account
    person = services.create_contact(account, name="Seen")
    client.force_login(cast.team_specialist)
    page = client.get(reverse("accounts:detail", args=[account.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-orgchart " in html and 'id="orgchart-add-form"' not in html
    assert client.get(url("orgchart_data", account)).status_code == 200
    assert add(client, account, "Nope").status_code == 403
    assert (
        client.post(
            url("orgchart_edit", account, person.pk), {"seen": token(person), "support": "enemy"}
        ).status_code
        == 403
    )
    assert not Contact.objects.filter(name="Nope").exists()


def test_without_javascript_an_edit_returns_to_the_chart_on_the_full_page(team, cast):
    account = cast.east_account
    answer = team.post(url("orgchart_add", account), {"name": "Plain form"})
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/customers/{account.pk}/#orgchart")
    refused = team.post(url("orgchart_add", account), {"name": ""}, **EN)
    assert refused.status_code == 400
    assert 'id="orgchart-add-form"' in refused.content.decode(), "the whole page, with the form"


def test_the_chart_data_names_those_not_placed_and_the_lines(team, cast):
    account = cast.east_account
    boss = services.create_contact(account, name="Boss")
    report = services.create_contact(account, name="Report", reports_to=boss)
    loner = services.create_contact(account, name="Loner")
    services.create_contact(account, name="Off", on_chart=False)
    services.connect(loner, boss, kind=ConnectionKind.INFLUENCES, strength=5)
    services.connect(loner, report, kind=ConnectionKind.FRIEND)  # not an org chart line
    chart = team.get(url("orgchart_data", account)).json()
    assert chart["roots"] == [boss.pk] and chart["unplaced"] == [loner.pk]
    assert {n["name"] for n in chart["nodes"]} == {"Boss", "Report", "Loner"}
    kinds = sorted((e["source"], e["target"], e["kind"]) for e in chart["edges"])
    assert kinds == sorted([(boss.pk, report.pk, "reports"), (loner.pk, boss.pk, "influences")])

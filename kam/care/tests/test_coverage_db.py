"""Coverage from the database: the loader, the account page section, the dashboard panel,
the API and the settings' service; data built through the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.accounts import services as account_services
from kam.accounts.choices import TeamRole
from kam.api.tests.conftest import TokenClient
from kam.care import policy as care_policy
from kam.care.choices import VisitKind
from kam.care.coverage import GREEN, MET, RED, UNIDENTIFIED, UNMET
from kam.care.coverage_loader import coverage_for, coverage_of
from kam.care.models import CarePolicy
from kam.care.services import log_visit
from kam.core.history import history_of
from kam.people.services import create_contact
from kam.users import services as user_services
from kam.value import services as value_services

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def chain(cast):
    """east_account, gold, with its four influences named but nobody met yet, and the
    boss as executive sponsor."""
    account = cast.east_account
    value_services.override_tier(account, "gold", reason="test", by=cast.director)
    by = cast.owner_kam
    cast.dm = create_contact(
        account, by=by, name="王总", roles=["decision_maker"], support="supporter", influence=5
    )
    cast.gk = create_contact(account, by=by, name="李工", roles=["gatekeeper"], support="mentor")
    cast.user = create_contact(
        account, by=by, name="张主任", roles=["user", "coach"], support="supporter"
    )
    account_services.add_team_member(account, cast.boss, TeamRole.EXECUTIVE_SPONSOR)
    return cast


def meet(cast, people, *, kind=VisitKind.VISIT, days_ago=1, ours=None):
    return log_visit(
        cast.east_account,
        by=cast.owner_kam,
        our_people=ours or [cast.owner_kam],
        their_people=people,
        kind=kind,
        date=today() - timedelta(days=days_ago),
    )


def test_logging_visits_clears_the_minefield(chain):
    coverage = coverage_of(chain.east_account, chain.owner_kam)
    assert coverage.tier == "gold" and coverage.status == RED
    assert [f.state for f in coverage.influences] == [UNMET] * 4
    assert "unmet_influence" in [w.kind for w in coverage.warnings]
    meet(chain, [chain.dm, chain.gk, chain.user])
    meet(chain, [chain.dm], kind=VisitKind.EXECUTIVE_VISIT, ours=[chain.boss], days_ago=2)
    coverage = coverage_of(chain.east_account, chain.owner_kam)
    assert [f.state for f in coverage.influences] == [MET] * 4
    assert coverage.executive.last_visit_on == today() - timedelta(days=2)
    assert coverage.warnings == () and coverage.status == GREEN


def test_a_call_is_not_a_meeting_and_an_old_visit_is_out_of_cadence(chain):
    meet(chain, [chain.dm, chain.gk, chain.user], kind=VisitKind.CALL)
    assert coverage_of(chain.east_account, chain.owner_kam).influences[0].state == UNMET
    meet(chain, [chain.dm, chain.gk, chain.user], days_ago=61)  # gold: 60 days
    assert coverage_of(chain.east_account, chain.owner_kam).influences[0].state == UNMET
    meet(chain, [chain.dm], days_ago=60)
    assert coverage_of(chain.east_account, chain.owner_kam).influences[0].state == MET


def test_an_executive_visit_without_the_sponsor_does_not_count(chain):
    meet(chain, [chain.dm], kind=VisitKind.EXECUTIVE_VISIT, ours=[chain.director])
    coverage = coverage_of(chain.east_account, chain.owner_kam)
    assert coverage.executive.last_visit_on is None and coverage.executive.overdue
    assert "sponsor_overdue" in [w.kind for w in coverage.warnings]


def test_the_loader_costs_the_same_queries_for_one_account_or_many(chain):
    create_contact(chain.south_account, by=chain.boss, name="陈", roles=["user"])
    meet(chain, [chain.dm], kind=VisitKind.EXECUTIVE_VISIT, ours=[chain.boss])
    with CaptureQueriesContext(connection) as one:
        coverage_for([chain.east_account.pk], tiers={})
    many_ids = [chain.east_account.pk, chain.east_other.pk, chain.south_account.pk]
    with CaptureQueriesContext(connection) as many:
        found = coverage_for([*many_ids, chain.south_shared.pk], tiers={})
    assert len(one) == len(many) == 4
    assert found[chain.east_other.pk].influences[0].state == UNIDENTIFIED
    assert found[chain.east_other.pk].tier == "" and not found[chain.east_other.pk].cadence_known
    assert found[chain.south_account.pk].influences[2].holders[0].name == "陈"
    assert [s.name for s in found[chain.south_shared.pk].executive.sponsors] == [
        str(chain.east_manager)
    ]


def test_the_account_page_shows_influences_warnings_and_sponsor(chain, client, english):
    meet(chain, [chain.dm])
    client.force_login(chain.owner_kam)
    html = client.get(f"/customers/{chain.east_account.pk}/").content.decode()
    assert 'id="coverage-tab"' in html and 'data-status="red"' in html
    assert 'data-role="decision_maker" data-state="met"' in html
    assert 'data-role="gatekeeper" data-state="unmet"' in html
    assert "李工" in html and 'data-kind="unmet_influence"' in html
    assert str(chain.boss) in html and 'id="sponsor-overdue"' in html


def test_the_dashboard_lists_key_accounts_red_first_for_whom_may_see_them(chain, client):
    value_services.override_tier(chain.south_account, "diamond", reason="t", by=chain.director)
    value_services.override_tier(chain.east_other, "ordinary", reason="t", by=chain.director)
    client.force_login(chain.boss)
    response = client.get("/dashboard/")
    html = response.content.decode()
    assert 'id="coverage-panel"' in html and 'id="coverage-settings"' in html
    panel = next(p["context"] for p in response.context["panels"] if p["panel"].key == "coverage")
    shown = [row["account"] for row in panel["rows"]]
    assert set(shown) == {chain.east_account, chain.south_account}  # ordinary is not key
    assert panel["counts"][RED] == 2
    overdue = {row["account"] for row in panel["overdue"]}
    assert overdue == {chain.east_account, chain.south_account}  # never visited; no sponsor

    client.force_login(chain.owner_kam)
    response = client.get("/dashboard/")
    assert 'id="coverage-settings"' not in response.content.decode()
    panel = next(p["context"] for p in response.context["panels"])
    assert [row["account"] for row in panel["rows"]] == [chain.east_account]


def test_the_dashboard_panel_costs_the_same_queries_for_more_accounts(chain, client):
    client.force_login(chain.boss)
    client.get("/dashboard/")  # warm the analysis cache
    with CaptureQueriesContext(connection) as before:
        client.get("/dashboard/")
    for account in (chain.south_account, chain.south_shared):
        value_services.override_tier(account, "diamond", reason="t", by=chain.director)
        create_contact(account, by=chain.boss, name="某人", roles=["coach"])
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as after:
        response = client.get("/dashboard/")
    assert len(response.context["panels"][0]["context"]["rows"]) == 3
    assert len(before) == len(after)


def test_the_api_gives_coverage_and_hides_accounts_from_outsiders(chain):
    meet(chain, [chain.dm])
    _row, token = user_services.create_api_token(chain.owner_kam, "test")
    url = f"/api/v1/accounts/{chain.east_account.pk}/coverage/"
    body = TokenClient(token).get(url).json()
    assert body["status"] == "red" and body["tier"] == "gold" and body["cadence_days"] == 60
    dm = body["influences"][0]
    assert dm["state"] == "met" and dm["contact_ids"] == [chain.dm.pk]
    assert dm["met_on"] == (today() - timedelta(days=1)).isoformat()
    assert body["influences"][1]["last_met_on"] is None
    assert {"kind": "unmet_influence", "severity": "red"}.items() <= body["warnings"][0].items()
    assert body["executive"]["sponsors"][0]["user_id"] == chain.boss.pk
    assert body["executive"]["overdue"] and body["executive"]["due_on"] is None

    other = TokenClient(token).get(f"/api/v1/accounts/{chain.east_other.pk}/coverage/")
    assert other.status_code == 404
    _row, outsider = user_services.create_api_token(chain.outsider_kam, "test")
    assert TokenClient(outsider).get(url).status_code == 404


def test_the_cadence_follows_the_tier_the_account_page_shows(cast):
    """An account that bought nothing is "ordinary" on its page, so its cadence is the
    ordinary tier's (180 days), not the default for an unknown tier; a tier set by hand
    moves it at once."""
    _row, token = user_services.create_api_token(cast.owner_kam, "test")
    url = f"/api/v1/accounts/{cast.east_account.pk}/coverage/"
    body = TokenClient(token).get(url).json()
    assert body["tier"] == "ordinary" and not body["cadence_is_default"]
    assert body["cadence_days"] == 180
    assert not body["key_tier"] and body["executive"]["sponsors"] == []
    value_services.override_tier(cast.east_account, "diamond", reason="key", by=cast.director)
    body = TokenClient(token).get(url).json()
    assert (body["tier"], body["cadence_days"], body["key_tier"]) == ("diamond", 30, True)


def test_the_company_settings_change_with_history_and_refuse_bad_input(chain):
    care_policy.set_policy({"cadence_days": {"gold": 20}}, by=chain.boss, reason="tighter")
    meet(chain, [chain.dm], days_ago=25)
    assert care_policy.current().cadence("gold") == (20, True)
    assert coverage_of(chain.east_account, chain.owner_kam).influences[0].state == UNMET
    with pytest.raises(ValidationError):
        care_policy.set_policy({"cadence_days": {"gold": -1}}, by=chain.boss)
    assert CarePolicy.objects.get().policy == {"cadence_days": {"gold": 20}}
    change = history_of(CarePolicy.objects.get(), "policy").get()
    assert change.changed_by == chain.boss and '"gold": 20' in change.new_value


def settings_post(client, **changes):
    """The settings form as shown, with `changes`."""
    form = client.get("/care/coverage/settings/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["key_tiers"] = form.initial["key_tiers"]
    data.update(changes)
    return data


def test_the_settings_page_saves_only_what_differs_and_refuses_stale_or_bad_input(cast, client):
    client.force_login(cast.owner_kam)
    assert client.get("/care/coverage/settings/").status_code == 403
    client.force_login(cast.director)
    data = settings_post(client, cadence_gold=45, reason="gold tighter")
    stale = settings_post(client, cadence_diamond=20)
    response = client.post("/care/coverage/settings/", data)
    assert response.status_code == 302
    assert CarePolicy.objects.get().policy == {"cadence_days": {"gold": 45}}
    assert care_policy.current().cadence("gold") == (45, True)

    response = client.post("/care/coverage/settings/", stale)  # seen before the change
    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "gold tighter" in errors or str(cast.director) in errors, errors
    assert CarePolicy.objects.get().policy == {"cadence_days": {"gold": 45}}

    bad = settings_post(client, cadence_gold=0)
    response = client.post("/care/coverage/settings/", bad)
    assert response.status_code == 400 and "cadence_gold" in response.context["form"].errors
    assert CarePolicy.objects.get().policy == {"cadence_days": {"gold": 45}}
    page = client.get("/care/coverage/settings/").content.decode()
    assert "gold tighter" in page


def test_the_settings_page_names_the_defaults_in_the_readers_language(cast, client):
    """The hints are made when the page is shown: English for one reader, Chinese for the
    next, whatever language the server started in."""
    client.force_login(cast.director)
    english = client.get("/care/coverage/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Default: 90." in english and "默认：90。" not in english  # the unknown tier's
    chinese = client.get("/care/coverage/settings/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "默认：90。" in chinese.content.decode()
    assert "Default: 90." not in chinese.content.decode()

"""The visits' and tasks' API, as an integration sees it: the same services and access
rules as the account page (404 for accounts the token's user may not see, 409 on a stale
copy), "last met" and the next steps' tasks following."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kam.accounts import access
from kam.accounts.access import Action
from kam.care import services
from kam.care.models import Task, Visit

pytestmark = pytest.mark.django_db

VISITS, TASKS = "/api/v1/visits/", "/api/v1/tasks/"
TODAY = timezone.localdate()
JSON = "application/json"


def test_list_and_create_with_participants(cast, contacts, api_as):
    owner = api_as("owner_kam")
    body = {
        "account": cast.east_account.pk,
        "kind": "executive_visit",
        "date": (TODAY - timedelta(days=1)).isoformat(),
        "our_people": [cast.owner_kam.pk, cast.boss.pk],
        "their_people": [contacts.wang.pk],
        "notes": "董事长会面",
        "next_step": "安排工厂参观",
        "next_step_on": (TODAY + timedelta(days=14)).isoformat(),
    }
    created = owner.post(VISITS, body, JSON)
    assert created.status_code == 201, created.json()
    visit = created.json()
    assert visit["our_people"] == sorted([cast.owner_kam.pk, cast.boss.pk])
    assert visit["their_people"] == [contacts.wang.pk] and created["ETag"]
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on == TODAY - timedelta(days=1)
    listed = owner.get(f"{VISITS}?account={cast.east_account.pk}").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == visit["id"]
    task = Task.objects.open().get()
    assert (task.assignee, task.title) == (cast.owner_kam, "安排工厂参观")


def test_an_outsider_gets_404_and_sees_no_visit(cast, contacts, api_as):
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY)
    outsider = api_as("outsider_kam")
    assert outsider.get(f"{VISITS}?account={cast.east_account.pk}").status_code == 404
    assert outsider.get(VISITS).json()["count"] == 0
    assert outsider.get(f"{VISITS}{visit.pk}/").status_code == 404
    assert outsider.patch(f"{VISITS}{visit.pk}/", {"notes": "x"}, JSON).status_code == 404
    assert outsider.delete(f"{VISITS}{visit.pk}/").status_code == 404
    body = {"account": cast.east_account.pk, "date": TODAY.isoformat()}
    assert outsider.post(VISITS, body, JSON).status_code == 404
    assert Visit.objects.alive().count() == 1


def test_bad_input_is_400_naming_the_field_and_saves_nothing(cast, contacts, api_as):
    owner = api_as("owner_kam")
    future = {"account": cast.east_account.pk, "date": (TODAY + timedelta(days=3)).isoformat()}
    response = owner.post(VISITS, future, JSON)
    assert response.status_code == 400 and "date" in response.json()["errors"]
    south = {
        "account": cast.east_account.pk,
        "date": TODAY.isoformat(),
        "their_people": [contacts.chen.pk],
    }
    response = owner.post(VISITS, south, JSON)
    assert response.status_code == 400 and "their_people" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_patch_with_if_match_and_a_stale_copy_is_409(cast, contacts, api_as):
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="初访")
    owner = api_as("owner_kam")
    url = f"{VISITS}{visit.pk}/"
    etag = owner.get(url)["ETag"]
    services.update_visit(visit, by=cast.team_specialist, their_people=[contacts.li])
    stale = owner.patch(url, {"notes": "改"}, JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert [c["field"] for c in stale.json()["conflicts"]] == ["their_people"]
    fresh = owner.get(url)["ETag"]
    changed = owner.patch(
        url, {"notes": "改", "their_people": [contacts.wang.pk]}, JSON, HTTP_IF_MATCH=fresh
    )
    assert changed.status_code == 200
    assert changed.json()["notes"] == "改" and changed.json()["their_people"] == [contacts.wang.pk]
    contacts.li.refresh_from_db()
    contacts.wang.refresh_from_db()
    assert (contacts.li.last_met_on, contacts.wang.last_met_on) == (None, TODAY)


def test_delete_is_soft_and_in_the_deletions_feed(cast, contacts, api_as):
    visit = services.log_visit(
        cast.east_account, by=cast.owner_kam, date=TODAY, their_people=[contacts.wang]
    )
    owner = api_as("team_specialist")
    assert owner.delete(f"{VISITS}{visit.pk}/").status_code == 204
    assert owner.get(f"{VISITS}{visit.pk}/").status_code == 404
    visit.refresh_from_db()
    assert visit.deleted_at is not None
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on is None
    kinds = {(r["kind"], r["id"]) for r in owner.get("/api/v1/deletions/").json()["results"]}
    assert ("visit", visit.pk) in kinds


def test_own_open_tasks_overdue_first_and_done(cast, api_as):
    services.create_task(cast.owner_kam, "later", due_on=TODAY + timedelta(days=5))
    overdue = services.create_task(
        cast.owner_kam, "overdue", due_on=TODAY - timedelta(days=2), account=cast.east_account
    )
    services.create_task(cast.owner_kam, "undated")
    others = services.create_task(cast.team_specialist, "not mine", account=cast.east_account)
    owner = api_as("owner_kam")
    rows = owner.get(TASKS).json()["results"]
    assert [r["title"] for r in rows] == ["overdue", "later", "undated"]
    assert [r["overdue"] for r in rows] == [True, False, False]
    done = owner.post(f"{TASKS}{overdue.pk}/done/")
    assert done.status_code == 200 and done.json()["done_at"]
    assert [r["title"] for r in owner.get(TASKS).json()["results"]] == ["later", "undated"]
    assert owner.post(f"{TASKS}{others.pk}/done/").status_code == 404
    others.refresh_from_db()
    assert others.done_at is None


def test_all_open_tasks_for_managers_only(cast, api_as):
    services.create_task(cast.team_specialist, "east task", account=cast.east_account)
    services.create_task(cast.outsider_kam, "south task", account=cast.south_account)
    manager = api_as("east_manager")
    titles = [r["title"] for r in manager.get(f"{TASKS}?all=true").json()["results"]]
    assert titles == ["east task"]
    assert api_as("owner_kam").get(f"{TASKS}?all=true").status_code == 403


def test_someone_who_may_only_read_gets_403_and_nothing_changes(cast, api_as, monkeypatch):
    """A team whose members may see but not edit (the access layer's rule changed here, as
    a read-only role would): the visits list, a write is 403."""
    monkeypatch.setattr(access, "BY_TEAM", frozenset({Action.VIEW, Action.SEE_PERSONAL}))
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="原样")
    reader = api_as("team_specialist")
    assert reader.get(f"{VISITS}?account={cast.east_account.pk}").json()["count"] == 1
    body = {"account": cast.east_account.pk, "date": TODAY.isoformat()}
    assert reader.post(VISITS, body, JSON).status_code == 403
    assert reader.patch(f"{VISITS}{visit.pk}/", {"notes": "改"}, JSON).status_code == 403
    assert reader.delete(f"{VISITS}{visit.pk}/").status_code == 403
    visit.refresh_from_db()
    assert (visit.notes, visit.deleted_at, Visit.objects.count()) == ("原样", None, 1)

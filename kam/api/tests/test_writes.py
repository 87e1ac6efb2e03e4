"""Writes through the API: the same services and access rules as the pages — 403 where the
caller sees the account but may not act, 409 on a stale copy (If-Match), history kept."""

import pytest

from kam.accounts.models import Account, AccountTeamMember
from kam.accounts.services import update_account
from kam.core.models import FieldChange

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


def test_a_kam_who_sees_but_may_not_manage_gets_403_and_nothing_changes(cast, api_as):
    kam = api_as("owner_kam")
    url = f"{ACCOUNTS}{cast.east_account.pk}/"
    response = kam.patch(url, {"industry": "改了"}, content_type="application/json")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert kam.delete(url).status_code == 403
    cast.east_account.refresh_from_db()
    assert cast.east_account.industry != "改了" and cast.east_account.deleted_at is None
    other = f"{ACCOUNTS}{cast.south_account.pk}/"
    assert kam.patch(other, {"industry": "x"}, content_type="application/json").status_code == 404


def test_a_change_on_a_stale_copy_is_409_with_what_changed(cast, api_as):
    manager = api_as("east_manager")
    url = f"{ACCOUNTS}{cast.east_other.pk}/"
    etag = manager.get(url)["ETag"]
    update_account(cast.east_other, status="dormant", by=cast.boss)  # somebody else, meanwhile
    response = manager.patch(
        url, {"status": "lost"}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 409
    assert [c["field"] for c in response.json()["conflicts"]] == ["status"]
    fresh = manager.get(url)["ETag"]
    response = manager.patch(
        url, {"status": "lost"}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert response.status_code == 200 and response.json()["status"] == "lost"
    assert response["ETag"] != fresh


def test_delete_shows_in_the_feed_and_restore_brings_it_back(cast, api_as):
    boss = api_as("boss")
    url = f"{ACCOUNTS}{cast.east_other.pk}/"
    assert boss.delete(url).status_code == 204
    assert boss.get(url).status_code == 404
    kinds = {(r["kind"], r["id"]) for r in boss.get("/api/v1/deletions/").json()["results"]}
    assert ("account", cast.east_other.pk) in kinds
    assert boss.post(f"{url}restore/").status_code == 200
    assert boss.get(url).status_code == 200


def test_team_and_stage_moves_through_the_services(cast, api_as):
    owner = api_as("owner_kam")  # manages the team, edits the account
    base = f"{ACCOUNTS}{cast.east_account.pk}/"
    added = owner.post(
        f"{base}team/", {"user": cast.finance_user.pk, "role": "finance"}, "application/json"
    )
    assert added.status_code == 201
    team = owner.get(f"{base}team/").json()
    assert cast.finance_user.pk in {m["user"] for m in team["results"]}
    member = added.json()["id"]
    assert owner.delete(f"{base}team/{member}/").status_code == 204
    assert not AccountTeamMember.objects.filter(pk=member).exists()
    kam_row = AccountTeamMember.objects.get(account=cast.east_account, user=cast.owner_kam)
    assert owner.delete(f"{base}team/{kam_row.pk}/").status_code == 400  # the owner stays
    moved = owner.post(
        f"{base}stages/",
        {"track": "sales", "stage": "trial", "reason": "首批试用"},
        "application/json",
    )
    assert moved.status_code == 200 and moved.json()["sales_stage"] == "trial"
    moves = owner.get(f"{base}stages/").json()["results"]
    assert moves[0]["new_stage"] == "trial" and moves[0]["reason"] == "首批试用"
    bad = owner.post(f"{base}stages/", {"track": "sales", "stage": "nope"}, "application/json")
    assert bad.status_code == 400 and "stage" in bad.json()["errors"]


def test_creating_needs_a_manager_and_huge_ids_are_refused_not_crashing(cast, api_as):
    body = {"name": "新客户", "region": cast.east.pk}
    assert api_as("owner_kam").post(ACCOUNTS, body, "application/json").status_code == 403
    created = api_as("east_manager").post(ACCOUNTS, body, "application/json")
    assert created.status_code == 201
    assert Account.objects.filter(pk=created.json()["id"], region=cast.east).exists()
    south = {"name": "越界", "region": cast.south.pk}
    assert api_as("east_manager").post(ACCOUNTS, south, "application/json").status_code == 400
    assert api_as("boss").get(f"{ACCOUNTS}{2**70}/").status_code == 400
    assert api_as("boss").get(ACCOUNTS, {"region": 2**70}).status_code == 400


def test_contacts_follow_their_account(cast, api_as):
    owner, outsider = api_as("owner_kam"), api_as("outsider_kam")
    body = {"account": cast.east_account.pk, "name": "王经理", "title": "采购"}
    created = owner.post("/api/v1/contacts/", body, "application/json")
    assert created.status_code == 201
    url = f"/api/v1/contacts/{created.json()['id']}/"
    assert outsider.get(url).status_code == 404
    assert outsider.post("/api/v1/contacts/", body, "application/json").status_code == 404
    listed = owner.get("/api/v1/contacts/", {"account": cast.east_account.pk}).json()
    assert [c["name"] for c in listed["results"]] == ["王经理"]
    patched = owner.patch(url, {"phone": "021-1234"}, content_type="application/json")
    assert patched.json()["phone"] == "021-1234"
    assert owner.delete(url).status_code == 204
    assert owner.get(url).status_code == 404
    feed = owner.get("/api/v1/deletions/", {"kind": "contact"}).json()["results"]
    assert [r["id"] for r in feed] == [created.json()["id"]]


def test_a_contact_changed_on_a_stale_copy_is_409_and_each_change_is_in_history(cast, api_as):
    owner, colleague = api_as("owner_kam"), api_as("boss", HTTP_ACCEPT_LANGUAGE="en")
    body = {"account": cast.east_account.pk, "name": "王经理", "phone": "021-1"}
    url = f"/api/v1/contacts/{owner.post('/api/v1/contacts/', body, 'application/json').json()['id']}/"
    etag = owner.get(url)["ETag"]
    assert (
        colleague.patch(url, {"phone": "021-2"}, content_type="application/json").status_code == 200
    )
    stale = owner.patch(
        url, {"phone": "021-3"}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 409 and stale.json()["conflicts"][0]["now"] == "021-2"
    fresh = owner.get(url)["ETag"]
    again = owner.patch(
        url, {"phone": "021-3"}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert again.status_code == 200 and again["ETag"] != fresh
    changes = FieldChange.objects.filter(field="phone").order_by("pk")
    assert [(c.old_value, c.new_value, c.changed_by.username) for c in changes] == [
        ("021-1", "021-2", "boss"),
        ("021-2", "021-3", "owner_kam"),
    ]

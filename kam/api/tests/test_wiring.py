"""The API's wiring: the description and the docs are served, tokens let in exactly whom
they should, lists page and filter as documented, errors are JSON in the caller's language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kam.accounts import services as account_services
from kam.accounts.models import Account
from kam.users import services

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


def test_the_description_is_served_and_lists_the_accounts_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/accounts/" in schema["paths"]
    assert "/api/v1/deletions/" in schema["paths"]
    listed = schema["paths"]["/api/v1/accounts/"]["get"]
    names = {p["name"] for p in listed["parameters"]}
    assert {"limit", "offset", "updated_since", "ordering", "q"} <= names


def test_the_docs_page_uses_assets_served_by_kam(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_a_kams_token_lists_exactly_what_the_kam_sees(cast, api_as):
    body = api_as("owner_kam").get(ACCOUNTS).json()
    assert body["count"] == 1
    assert [row["name"] for row in body["results"]] == [cast.east_account.name]
    visible = set(Account.objects.restrict(cast.owner_kam, "view").values_list("pk", flat=True))
    assert {row["id"] for row in body["results"]} == visible


def test_another_teams_account_is_404(cast, api_as):
    response = api_as("owner_kam").get(f"{ACCOUNTS}{cast.south_account.pk}/")
    assert response.status_code == 404
    assert cast.south_account.name not in response.content.decode()
    assert set(response.json()) == {"detail", "errors"}


def test_no_unknown_revoked_or_expired_token_and_no_inactive_user_gets_in(cast, api_as, client):
    from kam.api.tests.conftest import TokenClient

    assert client.get(ACCOUNTS).status_code == 401
    assert TokenClient("kam_not-a-token").get(ACCOUNTS).status_code == 401
    row, token = services.create_api_token(cast.owner_kam, "laptop")
    assert TokenClient(token).get(ACCOUNTS).status_code == 200
    services.revoke_api_token(row)
    response = TokenClient(token).get(ACCOUNTS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]
    _row, expired = services.create_api_token(
        cast.owner_kam, "old", expires_at=timezone.now() - timedelta(days=1)
    )
    assert TokenClient(expired).get(ACCOUNTS).status_code == 401
    _row, token = services.create_api_token(cast.team_specialist, "x")
    cast.team_specialist.is_active = False
    cast.team_specialist.save()
    assert TokenClient(token).get(ACCOUNTS).status_code == 401


def test_only_the_hash_is_stored_and_use_is_noted(cast):
    from kam.api.tests.conftest import TokenClient

    row, token = services.create_api_token(cast.owner_kam, "laptop")
    row.refresh_from_db()
    assert token not in (row.key_hash, row.prefix) and token.startswith(row.prefix)
    assert row.last_used_at is None
    TokenClient(token).get(ACCOUNTS)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_signed_in_browser_may_use_the_api(cast, client):
    client.force_login(cast.owner_kam)
    assert client.get(ACCOUNTS).json()["count"] == 1


def test_pages_say_the_total_and_link_the_next_and_previous(api_as):
    api = api_as("boss")
    first = api.get(ACCOUNTS, {"limit": 2, "ordering": "code"}).json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    assert second["next"] is None and second["previous"]
    codes = [r["code"] for r in first["results"] + second["results"]]
    assert codes == ["C-E001", "C-E002", "C-S001", "C-S002"]


def test_ordering_and_filters_are_whitelisted(api_as):
    api = api_as("boss")
    assert [r["code"] for r in api.get(ACCOUNTS, {"ordering": "-code"}).json()["results"]] == [
        "C-S002",
        "C-S001",
        "C-E002",
        "C-E001",
    ]
    response = api.get(ACCOUNTS, {"ordering": "password"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]
    assert api.get(ACCOUNTS, {"status": "nonsense"}).status_code == 400
    assert api.get(ACCOUNTS, {"q": "珠江"}).json()["count"] == 1


def test_updated_since_lists_what_changed(cast, api_as):
    api = api_as("boss")
    later = timezone.now()
    assert api.get(ACCOUNTS, {"updated_since": later.isoformat()}).json()["count"] == 0
    account_services.update_account(cast.east_other, industry="食品", by=cast.boss)
    body = api.get(ACCOUNTS, {"updated_since": later.isoformat()}).json()
    assert [r["id"] for r in body["results"]] == [cast.east_other.pk]
    assert api.get(ACCOUNTS, {"updated_since": "yesterday"}).status_code == 400


def test_the_deletions_feed_names_what_went_away(cast, api_as):
    body = api_as("owner_kam").get("/api/v1/deletions/").json()
    assert {"kind": "account", "id": cast.deleted_account.pk} in [
        {"kind": r["kind"], "id": r["id"]} for r in body["results"]
    ]
    # an outsider never saw that account, so learns nothing of it
    assert api_as("outsider_kam").get("/api/v1/deletions/").json()["count"] == 0


def test_errors_are_in_the_callers_language(api_as):
    chinese = api_as("boss", HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"{ACCOUNTS}999999/")
    english = api_as("boss", HTTP_ACCEPT_LANGUAGE="en").get(f"{ACCOUNTS}999999/")
    assert chinese.status_code == english.status_code == 404
    assert chinese.json()["detail"] != english.json()["detail"]
    assert english.json()["detail"] == "Not found."


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/accounts/abc/", "/api/v1/x/1/y/"])
def test_an_unknown_address_under_the_api_answers_json_in_the_users_language(api_as, path):
    response = api_as("owner_kam", HTTP_ACCEPT_LANGUAGE="zh-hans").get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "errors": {}}


def test_a_method_an_address_does_not_take_answers_json_with_allow(api_as):
    response = api_as("owner_kam", HTTP_ACCEPT_LANGUAGE="en").put("/api/v1/accounts/")
    assert response.status_code == 405
    assert response.json()["detail"] == "This address does not take this method."
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}

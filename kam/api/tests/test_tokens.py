"""Personal API tokens from the page and from `kam api-token`: shown once, stored hashed,
revoked tokens let nobody in, and nobody handles another user's tokens but an administrator."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.users.models import ApiToken

from .conftest import TokenClient

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"
ACCOUNTS = "/api/v1/accounts/"


def test_the_page_shows_a_new_token_once_and_it_works(cast, client):
    client.force_login(cast.owner_kam)
    answer = client.post(PAGE, {"name": "ERP sync", "days": "30"}).content.decode()
    row = ApiToken.objects.get(user=cast.owner_kam)
    token = answer.split('id="new-token">')[1].split("<")[0]
    assert token.startswith(row.prefix) and row.key_hash != token and row.expires_at
    assert TokenClient(token).get(ACCOUNTS).status_code == 200
    again = client.get(PAGE).content.decode()
    assert token not in again and "ERP sync" in again and row.prefix in again


def test_revoking_on_the_page_locks_the_token_out(cast, client):
    client.force_login(cast.owner_kam)
    client.post(PAGE, {"name": "laptop"})
    row = ApiToken.objects.get(user=cast.owner_kam)
    response = client.post(PAGE, {"revoke": row.pk}, follow=True)
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert f'name="revoke" value="{row.pk}"' not in response.content.decode()


def test_nobody_revokes_anothers_token_on_the_page(cast, client):
    client.post(PAGE, {"name": "x"})  # anonymous: to the login page, nothing made
    assert not ApiToken.objects.exists()
    client.force_login(cast.owner_kam)
    client.post(PAGE, {"name": "mine"})
    client.force_login(cast.outsider_kam)
    row = ApiToken.objects.get()
    assert client.post(PAGE, {"revoke": row.pk}).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert row.prefix not in client.get(PAGE).content.decode()


def test_an_empty_name_is_refused_on_the_page(cast, client):
    client.force_login(cast.owner_kam)
    response = client.post(PAGE, {"name": "", "days": "0"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def kam(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api-token", "--lang", "en", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_cli_prints_a_token_once_and_revokes_it(cast):
    token, note = kam("create", "--user", "owner_kam", "--name", "BI")
    assert "cannot show it again" in note
    assert TokenClient(token).get(ACCOUNTS).status_code == 200
    listed, _ = kam("list", "--user", "owner_kam")
    row = ApiToken.objects.get()
    assert row.prefix in listed and token not in listed and "BI" in listed
    kam("revoke", row.prefix)
    assert TokenClient(token).get(ACCOUNTS).status_code == 401
    assert "revoked" in kam("list")[0]


def test_only_an_administrator_makes_tokens_for_others_from_the_cli(cast):
    with pytest.raises(CommandError):
        kam("create", "--user", "owner_kam", "--as", "outsider_kam")
    with pytest.raises(CommandError):
        kam("create", "--user", "nobody")
    token, _ = kam("create", "--user", "owner_kam", "--as", "boss")
    assert TokenClient(token).get(ACCOUNTS).status_code == 200
    with pytest.raises(CommandError):
        kam("revoke", ApiToken.objects.get().prefix, "--as", "outsider_kam")


def test_an_administrator_revokes_a_leaked_token_in_the_admin(cast, client, token_of):
    token = token_of("owner_kam")
    row = ApiToken.objects.get()
    changelist = "/admin/users/apitoken/"
    client.force_login(cast.boss)
    listed = client.get(changelist).content.decode()
    assert row.prefix in listed and token not in listed and row.key_hash not in listed
    client.post(changelist, {"action": "revoke", "_selected_action": [row.pk]})
    assert TokenClient(token).get(ACCOUNTS).status_code == 401
    assert ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=False).exists()  # kept


def test_a_kam_cannot_see_or_revoke_tokens_in_the_admin(cast, client, token_of):
    token = token_of("boss")
    client.force_login(cast.director)
    changelist = "/admin/users/apitoken/"
    assert client.get(changelist).status_code in (302, 403)  # to sign-in if not staff
    client.post(changelist, {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]})
    assert TokenClient(token).get(ACCOUNTS).status_code == 200

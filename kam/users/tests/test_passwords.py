"""The password policy: at least 12 characters, not a common one, not only digits; the
reasons come in the user's language."""

import pytest

from kam.conftest import CAST_PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/"


def change_password(client, new, **extra):
    data = {"old_password": CAST_PASSWORD, "new_password1": new, "new_password2": new}
    return client.post(CHANGE, data, **extra)


@pytest.mark.parametrize(
    ("new", "chinese", "english"),
    [
        ("Xq7-vLp2#rT", "至少 12 个字符", "at least 12 characters"),
        ("password1234", "这个密码太常见了", "This password is too common"),
        ("830571946283", "密码只包含数字", "This password is entirely numeric"),
    ],
    ids=["eleven-characters", "common", "numeric"],
)
def test_password_change_refuses_weak_passwords_with_the_reason(
    client, cast, new, chinese, english
):
    client.force_login(cast.owner_kam)
    response = change_password(client, new)
    assert response.status_code == 200  # the form again, not the "changed" page
    assert chinese in response.content.decode()
    response = change_password(client, new, headers={"accept-language": "en"})
    assert english in response.content.decode()
    cast.owner_kam.refresh_from_db()
    assert cast.owner_kam.check_password(CAST_PASSWORD)


def test_a_long_uncommon_password_is_accepted(client, cast):
    client.force_login(cast.owner_kam)
    response = change_password(client, "Blue-harbour-lantern-42")
    assert response.status_code == 302
    cast.owner_kam.refresh_from_db()
    assert cast.owner_kam.check_password("Blue-harbour-lantern-42")


def test_the_form_tells_the_rules_before_one_tries(client, cast):
    client.force_login(cast.owner_kam)
    html = client.get(CHANGE, headers={"accept-language": "en"}).content.decode()
    assert "at least 12 characters" in html

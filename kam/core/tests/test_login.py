"""The login page speaks the browser's language; everything else needs a login."""

import pytest
from django.urls import reverse

from kam.conftest import CAST_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert response.headers["Content-Language"] == "zh-hans"


def test_login_page_follows_accept_language(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "登录" not in html
    assert response.headers["Content-Language"] == "en"


def test_unknown_language_falls_back_to_chinese(client):
    response = client.get("/accounts/login/", headers={"accept-language": "fr"})
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/admin/"])
def test_protected_pages_send_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.split("?")[0] in {reverse("login"), reverse("admin:login")}
    assert "next=" in response.url


def test_logging_in_leads_home(client, cast):
    response = client.post("/accounts/login/", {"username": "owner_kam", "password": CAST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("value:dashboard")
    assert client.get(reverse("value:dashboard")).status_code == 200


def test_wrong_password_stays_on_the_login_page(client, cast):
    response = client.post("/accounts/login/", {"username": "owner_kam", "password": "nope"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated

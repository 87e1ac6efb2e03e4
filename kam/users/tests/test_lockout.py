"""Login throttling (django-axes): guessing a password stops working, and the message is kam's."""

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse

from kam.conftest import CAST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def guess(client, username, times, **extra):
    for attempt in range(times):
        response = log_in(client, username, f"wrong-guess-{attempt}", **extra)
        assert not response.wsgi_request.user.is_authenticated


def test_thirty_wrong_passwords_lock_even_the_right_one_out(client, cast):
    guess(client, "owner_kam", 30)
    response = log_in(client, "owner_kam", CAST_PASSWORD)
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    html = response.content.decode()
    assert "登录已锁定" in html and "15 分钟" in html and "管理员" in html
    assert client.get(reverse("home")).status_code == 302  # still not logged in


def test_lockout_page_speaks_english_to_an_english_browser(client, cast):
    guess(client, "owner_kam", 10)
    response = log_in(client, "owner_kam", CAST_PASSWORD, headers={"accept-language": "en"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked" in html and "15 minutes" in html and "administrator" in html
    assert "Account locked: too many login attempts" not in html  # not axes' own sentence


def test_nine_wrong_passwords_do_not_lock_and_a_right_one_resets_the_count(client, cast):
    guess(client, "owner_kam", 9)
    assert log_in(client, "owner_kam", CAST_PASSWORD).status_code == 302
    client.logout()
    guess(client, "owner_kam", 9)
    assert log_in(client, "owner_kam", CAST_PASSWORD).status_code == 302


def test_another_user_is_not_locked(client, cast):
    guess(client, "owner_kam", 30)
    assert log_in(client, "director", CAST_PASSWORD).status_code == 302


def test_guessing_from_one_address_does_not_lock_a_colleague_elsewhere_but_many_do(client, cast):
    guess(client, "owner_kam", 10, REMOTE_ADDR="198.51.100.1")
    assert log_in(client, "owner_kam", CAST_PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 429
    response = log_in(client, "owner_kam", CAST_PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302  # the pair is locked, not the user name
    client.logout()
    for address in range(2, 5):  # 10 more from each of three addresses: 30 + 1 in all
        guess(client, "owner_kam", 10, REMOTE_ADDR=f"198.51.100.{address}")
    response = log_in(client, "owner_kam", CAST_PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429  # now the user name itself is locked


def test_administrator_unlocks_with_axes_reset_username(client, cast):
    guess(client, "owner_kam", 30)
    assert log_in(client, "owner_kam", CAST_PASSWORD).status_code == 429
    call_command("axes_reset_username", "owner_kam")
    assert log_in(client, "owner_kam", CAST_PASSWORD).status_code == 302


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_configured(client, cast):
    """Without KAM_REVERSE_PROXIES a client cannot escape the lock by inventing addresses."""
    for attempt in range(10):
        log_in(client, "owner_kam", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    response = log_in(client, "owner_kam", CAST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_behind_one_proxy_the_forwarded_address_counts(client, cast, settings):
    """What KAM_REVERSE_PROXIES=1 sets (see kam/settings.py)."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_ORDER = "left-most"
    settings.AXES_IPWARE_PROXY_COUNT = 0
    guess(client, "owner_kam", 10, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert (
        log_in(client, "owner_kam", CAST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code
        == 429
    )
    response = log_in(client, "owner_kam", CAST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert response.status_code == 302


def test_test_client_login_needs_a_request_for_axes(client, cast):
    """axes judges every authenticate() by its request: tests pass one (or use force_login)."""
    assert client.login(request=HttpRequest(), username="owner_kam", password=CAST_PASSWORD)
    assert client.get(reverse("value:dashboard")).status_code == 200

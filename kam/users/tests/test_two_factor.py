"""Two-factor sign-in (TOTP): a user turns it on with a code from the app, sign-in then asks
for the code after the password, and production can require it for administrators."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kam.conftest import CAST_PASSWORD
from kam.users import services

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETUP = "/accounts/two-factor/"


def code_for(device, steps_ahead=0):
    """The code the user's app shows now (or `steps_ahead` periods later: a code is accepted
    once only, and the app's next code is still valid)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device):
    return f"{(int(code_for(device)) + 1) % 10**6:06d}"


@pytest.fixture
def with_authenticator(cast):
    return TOTPDevice.objects.create(user=cast.owner_kam, name="phone", confirmed=True)


def log_in(client, username="owner_kam", next_url=""):
    data = {"username": username, "password": CAST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def test_user_menu_links_to_the_set_up_page(client, cast):
    client.force_login(cast.owner_kam)
    html = client.get(reverse("value:dashboard")).content.decode()
    assert f'href="{SETUP}"' in html and "两步验证" in html


def test_turning_it_on_takes_a_current_code_from_the_app(client, cast):
    client.force_login(cast.owner_kam)
    page = client.get(SETUP, headers={"accept-language": "en"})
    html = page.content.decode()
    assert "<svg" in html and '<path d="M' in html  # the QR code, drawn on the server
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    device = TOTPDevice.objects.get(user=cast.owner_kam)
    assert not device.confirmed
    assert services.secret_for_typing(device) in html

    refused = client.post(SETUP, {"code": wrong_code(device)}, headers={"accept-language": "en"})
    assert "That code is not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()  # as if the user waited the second django-otp asks for
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "两步验证已开启" in client.get(SETUP).content.decode()


def test_a_half_finished_set_up_does_not_ask_for_codes(client, cast):
    client.force_login(cast.owner_kam)
    client.get(SETUP)  # secret shown, never confirmed
    client.logout()
    assert log_in(client).url == reverse("home")


def test_login_asks_for_the_code_and_only_the_right_one_logs_in(client, with_authenticator):
    response = log_in(client)
    assert response.status_code == 302 and response.url == CODE
    assert client.get(reverse("value:dashboard")).status_code == 302  # not logged in yet

    refused = client.post(CODE, {"code": wrong_code(with_authenticator)})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert client.get(reverse("value:dashboard")).status_code == 302

    with_authenticator.throttle_reset()
    response = client.post(CODE, {"code": code_for(with_authenticator)})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("value:dashboard")).status_code == 200


def test_wrong_codes_are_throttled(client, with_authenticator):
    log_in(client)
    client.post(CODE, {"code": wrong_code(with_authenticator)})
    client.post(CODE, {"code": wrong_code(with_authenticator)})
    right_too_soon = client.post(CODE, {"code": code_for(with_authenticator)})
    assert "错误次数过多" in right_too_soon.content.decode()
    assert client.get(reverse("value:dashboard")).status_code == 302
    with_authenticator.refresh_from_db()
    with_authenticator.throttling_failure_timestamp -= timedelta(minutes=1)  # a minute later
    with_authenticator.save()
    assert client.post(CODE, {"code": code_for(with_authenticator)}).status_code == 302


def test_the_code_step_keeps_where_the_user_was_going(client, with_authenticator):
    response = log_in(client, next_url="/customers/")
    assert response.url == f"{CODE}?next=%2Fcustomers%2F"
    response = client.post(CODE, {"code": code_for(with_authenticator), "next": "/customers/"})
    assert response.url == "/customers/"


def test_the_code_step_without_a_password_first_leads_to_login(client, with_authenticator):
    response = client.post(CODE, {"code": code_for(with_authenticator)})
    assert response.url == reverse("login")
    assert client.get(reverse("value:dashboard")).status_code == 302


def test_turning_it_off_needs_a_code_or_the_password(client, with_authenticator):
    log_in(client)
    client.post(CODE, {"code": code_for(with_authenticator)})
    refused = client.post(SETUP, {"password": "not-my-password"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=with_authenticator.user).exists()
    assert client.post(SETUP, {"password": CAST_PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=with_authenticator.user).exists()
    client.logout()
    assert log_in(client).url == reverse("home")  # password alone again


def test_turning_it_off_with_a_current_code(client, with_authenticator):
    log_in(client)
    client.post(CODE, {"code": code_for(with_authenticator)})
    response = client.post(SETUP, {"code": code_for(with_authenticator, steps_ahead=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=with_authenticator.user).exists()


def test_admins_own_login_form_leads_to_kams(client, cast):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/admin/"


@pytest.fixture
def required(settings):
    settings.KAM_REQUIRE_2FA_FOR_ADMINS = True


@pytest.mark.parametrize("path", ["/", "/admin/", "/customers/"])
def test_required_for_admins_sends_them_to_set_up_first(client, cast, required, path):
    log_in(client, "boss")
    response = client.get(path)
    assert response.status_code == 302 and response.url == SETUP
    assert client.get(SETUP).status_code == 200


def test_required_for_admins_leaves_other_users_alone(client, cast, required):
    log_in(client, "owner_kam")
    assert client.get(reverse("value:dashboard")).status_code == 200


def test_admin_with_an_authenticator_reaches_admin_after_the_code(client, cast, required):
    device = TOTPDevice.objects.create(user=cast.boss, name="phone", confirmed=True)
    log_in(client, "boss")
    client.post(CODE, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_required_ends_an_admin_session_that_skipped_the_code(client, cast, required):
    TOTPDevice.objects.create(user=cast.boss, name="phone", confirmed=True)
    client.force_login(cast.boss)
    response = client.get("/admin/")
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("value:dashboard")).url.startswith(reverse("login"))


def test_not_required_by_default_in_development(client, cast, settings):
    assert settings.KAM_REQUIRE_2FA_FOR_ADMINS is False
    log_in(client, "boss")
    assert client.get("/admin/").status_code == 200


def test_production_requires_it_for_admins_and_reads_the_sign_in_settings(tmp_path):
    from kam.core.tests.test_settings import kam, production_env

    show = (
        "from django.conf import settings as s; print(s.KAM_REQUIRE_2FA_FOR_ADMINS, "
        "s.AXES_FAILURE_LIMIT, s.KAM_USERNAME_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, "
        "s.AXES_IPWARE_META_PRECEDENCE_ORDER[0], s.AXES_IPWARE_PROXY_COUNT)"
    )
    env = production_env(AXES_FAILURE_LIMIT="5", AXES_COOLOFF_MINUTES="30", KAM_REVERSE_PROXIES="1")
    result = kam("shell", "--no-imports", "-c", show, tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "5", "15", "0:30:00", "HTTP_X_FORWARDED_FOR", "0"]

"""Every page kind carries the Content-Security-Policy, Permissions-Policy and the other
browser protections; what a signed-in user gets is never cached; static files still are."""

import pytest
from django.urls import reverse

STRICT_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
        if name
    }


def assert_protected(response) -> None:
    policy = directives(response)
    for name, value in STRICT_DIRECTIVES.items():
        assert policy.get(name) == value, (name, response["Content-Security-Policy"])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def signed_in_pages(cast) -> dict[str, str]:
    return {
        "dashboard": reverse("value:dashboard"),
        "list": reverse("accounts:list"),
        "account page": reverse("accounts:detail", args=[cast.east_account.pk]),
        "what-if": reverse("value:whatif"),
        "import": reverse("sales:import"),
        "admin": reverse("admin:index"),
        "404": "/no-such-page/",
    }


def test_every_page_kind_has_the_policy_and_is_not_stored(boss_client, cast, debug):
    for kind, url in signed_in_pages(cast).items():
        response = boss_client.get(url)
        assert response.status_code == (404 if kind == "404" else 200), kind
        assert_protected(response)
        assert_not_stored(response)


def test_the_login_page_has_the_policy(client, db, debug):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_protected(response)


def test_the_403_page_has_the_policy(client, owner_kam, debug):
    client.force_login(owner_kam)
    response = client.get(reverse("value:whatif"))
    assert response.status_code == 403
    assert_protected(response)
    assert_not_stored(response)


def test_chart_data_and_exports_are_not_stored(boss_client, cast):
    chart = boss_client.get(reverse("accounts:chart", args=[cast.east_account.pk]))
    assert chart.status_code == 200
    assert_not_stored(chart)
    export = boss_client.get(reverse("accounts:export"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_not_stored(export)


def test_static_files_keep_their_caching(boss_client, settings):
    """whitenoise answers static files before kam's middleware: no no-store on them."""
    settings.WHITENOISE_USE_FINDERS = True
    response = boss_client.get("/static/kam/kam.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_session_and_csrf_cookies_are_out_of_reach_of_scripts(client, cast):
    from kam.conftest import CAST_PASSWORD

    page = client.get(reverse("login"))
    assert page.cookies["csrftoken"]["httponly"]
    response = client.post(reverse("login"), {"username": "owner_kam", "password": CAST_PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"

"""kam's own error pages: branded, in the user's language, naming nothing of the installation,
whether DEBUG is on (development) or off (production)."""

import pytest
from django.test import Client
from django.urls import path, reverse

from kam import urls as kam_urls
from kam.web import views

LANGUAGES = {
    "zh-hans": ("页面不存在", "返回首页"),
    "en": ("Page not found", "Back to the start page"),
}
# What Django's technical pages show and kam's must not: URL patterns, settings, paths.
LEAKS = (
    "URLconf",
    "urlpatterns",
    "DEBUG = True",
    "settings.py",
    "Traceback",
    "customers/<int:pk>/",
)


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def assert_kams_page(response, status: int, language: str, title: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in body
    assert title in body, body[:2000]
    assert "kam/kam.css" in body  # the site's look
    for leak in LEAKS:
        assert leak not in body
    return body


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_url_gives_kams_404_in_the_users_language(client, owner_kam, debug, language):
    client.force_login(owner_kam)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    title, back = LANGUAGES[language]
    body = assert_kams_page(response, 404, language, title)
    assert back in body
    assert 'data-nav="accounts"' in body  # the signed-in user keeps the menu


@pytest.mark.parametrize("language", LANGUAGES)
def test_another_teams_account_gives_kams_404(client, cast, debug, language):
    client.force_login(cast.outsider_kam)
    url = reverse("accounts:detail", args=[cast.east_account.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    body = assert_kams_page(response, 404, language, LANGUAGES[language][0])
    assert cast.east_account.name not in body


def test_an_anonymous_visitor_gets_the_404_page_without_a_menu(client, db, debug):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_kams_page(response, 404, "en", "Page not found")
    assert "data-nav=" not in body


def test_a_missing_trailing_slash_still_redirects(client, owner_kam, debug):
    """kam's 404 must not swallow CommonMiddleware's APPEND_SLASH redirect."""
    client.force_login(owner_kam)
    response = client.get("/customers")
    assert response.status_code == 301
    assert response["Location"] == "/customers/"


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "无权操作"), ("en", "Not allowed")])
def test_the_whatif_page_without_rights_gives_kams_403(client, owner_kam, debug, language, title):
    client.force_login(owner_kam)
    response = client.get(reverse("value:whatif"), HTTP_ACCEPT_LANGUAGE=language)
    body = assert_kams_page(response, 403, language, title)
    assert "403 Forbidden" not in body


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "出错了"), ("en", "Something went wrong")]
)
def test_the_500_page_needs_neither_database_nor_request(language, title):
    """handler500 runs when anything may be broken: it renders from the template alone."""
    from django.utils import translation

    with translation.override(language):
        response = views.server_error()
    body = response.content.decode()
    assert response.status_code == 500
    assert title in body
    assert "kam/kam.css" in body


def test_an_unexpected_error_in_production_gives_kams_500(db, settings):
    """A view that fails shows kam's page in the user's language, without the traceback."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__  # kam's URLs plus /boom/ below
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret detail" not in body
    assert "Traceback" not in body


def boom(request):
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("boom/", boom), *kam_urls.urlpatterns]
handler500 = kam_urls.handler500


def test_a_bad_request_gives_kams_400(client, db, settings):
    """A request for a host kam does not serve (DisallowedHost) is a 400 in production."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["kam.example.com"]
    response = client.get(
        "/accounts/login/", HTTP_HOST="evil.example.org", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Bad request" in body
    assert "evil.example.org" not in body


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "表单已失效"), ("en", "The form has expired")]
)
def test_a_form_without_its_csrf_token_gets_kams_page(db, debug, language, title):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE=language
    )
    body = assert_kams_page(response, 403, language, title)
    assert "CSRF verification failed" not in body

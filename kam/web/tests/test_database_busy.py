"""SQLite's "database is locked" is a clear, translated 503 with a retry note, never a 500."""

import sqlite3

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kam.conftest import CAST_PASSWORD
from kam.users.models import User

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's one write lock; PostgreSQL locks rows"
)


@pytest.fixture
def locked(settings):
    """Another process holds SQLite's write lock (as an import's transaction does), and
    this process waits only a moment for it."""
    connection.close()
    options = connection.settings_dict["OPTIONS"]
    waited = options.get("timeout")
    options["timeout"] = 0.2
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.rollback() if holder.in_transaction else None
        holder.close()
        connection.close()
        options["timeout"] = waited


@pytest.mark.django_db(transaction=True)
def test_signing_in_while_locked_says_busy_and_works_after(cast, locked):
    browser = Client(raise_request_exception=False)
    form = {"username": "boss", "password": CAST_PASSWORD}
    headers = {"Accept-Language": "en"}
    response = browser.post(reverse("login"), form, headers=headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Nothing was saved. Try again in a few seconds." in html
    locked.rollback()
    response = browser.post(reverse("login"), form, headers=headers)
    assert response.status_code == 302
    assert User.objects.get(username="boss").last_login is not None


@pytest.mark.django_db(transaction=True)
def test_the_busy_page_is_in_chinese_for_a_chinese_reader(cast, locked):
    browser = Client(raise_request_exception=False)
    form = {"username": "boss", "password": CAST_PASSWORD}
    response = browser.post(reverse("login"), form, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 503
    assert "Nothing was saved" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_a_view_while_locked_says_busy(cast, locked):
    """Signing out deletes the session inside the view: the error takes the middleware's
    path, not Django's 500 handling (this client would raise it)."""
    browser = Client()  # would raise here if the error reached Django's 500 handling
    locked.rollback()
    browser.force_login(cast.boss)
    locked.execute("BEGIN IMMEDIATE")
    response = browser.get(reverse("accounts:list"), headers={"Accept-Language": "en"})
    assert response.status_code == 200  # reading needs no lock
    response = browser.post(reverse("logout"), headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "Try again in a few seconds" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_section_edit_while_locked_gets_the_bare_sentence_for_the_section(cast, locked):
    """htmx shows a 503's plain text in the account page section (kam.js)."""
    browser = Client(raise_request_exception=False)
    form = {"username": "boss", "password": CAST_PASSWORD}
    headers = {"HX-Request": "true", "Accept-Language": "en"}
    response = browser.post(reverse("login"), form, headers=headers)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("kam is busy writing other data")

"""The account page as a shell over sections (kam.accounts.sections): a section from an app
the page has never heard of shows up without editing the shell, and edits answer only their
section when htmx asks, the whole page when a plain form posts."""

from __future__ import annotations

import ast
import copy
import re
import types
from pathlib import Path

import pytest
from django.urls import include, path, reverse

from kam.accounts import sections
from kam.accounts.models import StageCheck
from kam.accounts.tests.sectionapp import sections as test_app

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
APP_DIR = Path(test_app.__file__).parent
ACCOUNTS_DIR = Path(sections.__file__).parent


def _urlconf() -> types.ModuleType:
    """kam's URLs with the accounts part read again, so it serves the test section's
    endpoints too (as it would had the app been installed when the URLs loaded)."""
    from kam import urls as root
    from kam.accounts import urls as accounts_urls

    module = types.ModuleType("kam_test_section_urls")
    module.urlpatterns = [
        path("customers/", include((accounts_urls.patterns(), "accounts")))
        if getattr(pattern, "namespace", None) == "accounts"
        else pattern
        for pattern in root.urlpatterns
    ]
    return module


@pytest.fixture
def test_section(settings):
    """The test app's section registered (as its AppConfig.ready does), its templates
    found, its endpoint served; all taken away after the test."""
    import kam.urls  # noqa: F401 -- kam's own URLs loaded first, without the test section

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0].get("DIRS", []), APP_DIR / "templates"]
    test_app.install()
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = _urlconf()
    yield test_app.SECTION
    test_app.uninstall()


def page(client, user, account):
    client.force_login(user)
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_section_from_another_app_shows_on_the_page_without_editing_the_shell(
    client, cast, test_section
):
    html = page(client, cast.owner_kam, cast.east_account)
    assert f"Test notes for {cast.east_account.name}" in html
    assert '<a href="#test-notes">Test notes</a>' in html  # a tab of its own
    assert html.index('id="stages-tab"') < html.index('id="test-notes"')  # in its order
    assert f'action="/customers/{cast.east_account.pk}/s/notes/bump/"' in html

    test_app.uninstall()
    assert "Test notes" not in page(client, cast.owner_kam, cast.east_account)


def test_the_new_section_saves_in_place_and_shows_a_refusal_inside_itself(
    client, cast, test_section
):
    account = cast.east_account
    client.force_login(cast.owner_kam)
    url = reverse("accounts:test_bump", args=[account.pk])

    answer = client.post(url, {"by": 3}, headers=HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.lstrip().startswith('<section id="test-notes"'), "only the section comes back"
    assert "Bumped 3 times" in html and "<html" not in html

    refused = client.post(url, {"by": 99}, headers=HTMX)
    assert refused.status_code == 400
    assert refused.content.decode().lstrip().startswith('<section id="test-notes"')
    assert "errorlist" in refused.content.decode() and test_app.BUMPS[account.pk] == 3

    plain = client.post(url + "?year=2025", {"by": 1})  # without JavaScript
    assert plain.status_code == 302
    assert plain["Location"].endswith(
        f"/customers/{account.pk}/?period=2025#test-notes"
    )  # as value writes it


def test_the_new_sections_endpoint_asks_the_access_layer(client, cast, test_section):
    url = reverse("accounts:test_bump", args=[cast.east_account.pk])
    client.force_login(cast.outsider_kam)  # another region's KAM: may not see it
    assert client.post(url, {"by": 1}, headers=HTMX).status_code == 404
    client.force_login(cast.finance_user)  # sees no account
    assert client.post(url, {"by": 1}, headers=HTMX).status_code == 404
    assert client.get(url).status_code == 405  # an edit is a POST
    assert test_app.BUMPS == {}


def tick_token(html: str, item: str) -> str:
    at = html.index(f'name="item" value="{item}"')
    found = re.search(r'name="seen" value="([^"]+)"', html[at:])
    return found.group(1)


def test_a_checklist_tick_saves_in_place(client, cast):
    account = cast.east_account
    html = page(client, cast.owner_kam, account)
    form = html[html.rindex("<form", 0, html.index('value="credentials"')) :]
    assert f'hx-post="/customers/{account.pk}/s/stages/check/"' in form
    assert 'hx-target="#stages-tab"' in form

    answer = client.post(
        reverse("accounts:check", args=[account.pk]),
        {
            "track": "sales",
            "stage": "qualified",
            "item": "credentials",
            "done": "on",
            "note": "营业执照已交",
            "seen": tick_token(html, "credentials"),
        },
        headers=HTMX,
    )
    assert answer.status_code == 200
    section = answer.content.decode()
    assert section.lstrip().startswith('<section id="stages-tab"') and "<html" not in section
    ticked = section[section.index('data-item="credentials"') - 30 :]
    assert ticked.startswith('<li class="done"') or 'class="done" data-item="credentials"' in (
        section
    )
    assert 'id="check-sales-qualified" open' in section
    check = StageCheck.objects.get(account=account, item="credentials")
    assert (check.done, check.note, check.checked_by) == (True, "营业执照已交", cast.owner_kam)


def test_a_stale_tick_shows_its_message_inside_the_section(client, cast):
    from django.test import Client

    account = cast.east_account
    html = page(client, cast.owner_kam, account)
    other = Client()
    other_html = page(other, cast.team_specialist, account)
    tick = {"track": "sales", "stage": "qualified", "item": "credentials", "done": "on"}
    url = reverse("accounts:check", args=[account.pk])
    first = client.post(url, tick | {"seen": tick_token(html, "credentials")}, headers=HTMX)
    assert first.status_code == 200

    refused = other.post(
        url, tick | {"note": "x", "seen": tick_token(other_html, "credentials")}, headers=HTMX
    )
    assert refused.status_code == 400
    section = refused.content.decode()
    assert section.lstrip().startswith('<section id="stages-tab"')
    assert 'id="check-errors"' in section and "owner_kam" in section
    assert StageCheck.objects.get(account=account, item="credentials").note == ""


def test_a_team_change_saves_in_place(client, cast):
    account = cast.east_account
    client.force_login(cast.boss)
    answer = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": cast.finance_user.pk, "role": "finance", "department": ""},
        headers=HTMX,
    )
    assert answer.status_code == 200, answer.content.decode()[:500]
    section = answer.content.decode()
    assert section.lstrip().startswith('<div class="card" id="team"')
    assert "finance_user" in section


def test_a_stage_move_in_place_brings_the_master_data_out_of_band(client, cast):
    """The stage is shown in the master data too: it comes back with the stages section and
    replaces itself (htmx's out-of-band swap), so the page never shows two stages."""
    account = cast.east_account
    html = page(client, cast.owner_kam, account)
    start = html.index('id="sales-stage-form"')
    seen = html[html.index('name="sales-seen" value="', start) :].split('"')[3]
    answer = client.post(
        reverse("accounts:stage", args=[account.pk, "sales"]),
        {"sales-stage": "trial", "sales-reason": "试用开始", "sales-seen": seen},
        headers=HTMX,
    )
    assert answer.status_code == 200, answer.content.decode()[:500]
    body = answer.content.decode()
    assert body.lstrip().startswith('<section id="stages-tab"')
    master = body[body.index('<div id="master"') :]
    assert master.startswith('<div id="master" class="wide master-data" hx-swap-oob="true"')
    assert '<a href="#sales-stages">小批量</a>' in master  # the cast reads Chinese
    account.refresh_from_db()
    assert account.sales_stage == "trial"


def imported_modules(module_path: Path) -> set[str]:
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


@pytest.mark.parametrize("module", ["views/detail.py", "views/sections.py", "sections.py"])
def test_the_shell_and_the_accounts_sections_import_no_domain_above_accounts(module):
    above = ("kam.value", "kam.sales", "kam.people", "kam.web")
    found = [m for m in imported_modules(ACCOUNTS_DIR / module) if m.startswith(above)]
    assert found == []

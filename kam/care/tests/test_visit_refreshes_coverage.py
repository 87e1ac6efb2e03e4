"""Logging a visit with htmx brings back, beside the visits section, the coverage section
the people section and the org chart as they are now (out of band): the minefield warning
goes and the contact's "last met" shows without a reload."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kam.people import services as people
from kam.people.choices import BuyingRole

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def out_of_band(html: str, key: str) -> str:
    """The element of section `key` marked to replace itself ("" when it is not there)."""
    found = re.search(rf'<(\w+)[^>]*hx-swap-oob="true" data-section="{key}"', html)
    if found is None:
        return ""
    end = html.find('data-section="', found.end())
    return html[found.start() : end if end != -1 else len(html)]


def test_logging_a_visit_refreshes_the_coverage_and_the_people(client, cast, english):
    gatekeeper = people.create_contact(
        cast.east_account, name="韩工", roles=[BuyingRole.GATEKEEPER], by=cast.boss
    )
    client.force_login(cast.owner_kam)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("accounts:visit_add", args=[cast.east_account.pk]),
        {"visit-kind": "meeting", "visit-date": today, "visit-their_people": [gatekeeper.pk]},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    coverage = out_of_band(html, "coverage")
    assert 'data-role="gatekeeper" data-state="met"' in coverage
    assert f"{today} (韩工)" in coverage
    assert "韩工 never met" not in coverage
    assert "韩工" in out_of_band(html, "people") and today in out_of_band(html, "people")
    chart = out_of_band(html, "orgchart")
    assert "韩工" in chart and "never met" not in chart

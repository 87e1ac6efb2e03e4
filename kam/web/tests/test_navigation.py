"""The menu fits the role and marks the section of the page at hand."""

import pytest
from django.urls import reverse


def _menu(response) -> dict[str, bool]:
    return {item["key"]: item["current"] for item in response.context["nav"]}


@pytest.mark.parametrize(
    ("url", "section"),
    [
        (reverse("value:dashboard"), "dashboard"),
        (reverse("accounts:list"), "accounts"),
        (reverse("value:whatif"), "whatif"),
        (reverse("sales:import"), "import"),
        (reverse("care:whos_who"), "network"),
    ],
)
def test_the_boss_has_every_entry_and_the_page_at_hand_is_marked(boss_client, url, section):
    menu = _menu(boss_client.get(url))
    assert {"dashboard", "accounts", "whatif", "import"} <= menu.keys()
    assert [key for key, current in menu.items() if current] == [section]


def test_a_kam_neither_steers_tiers_nor_imports(client, cast):
    client.force_login(cast.owner_kam)
    response = client.get(reverse("accounts:detail", args=[cast.east_account.pk]))
    menu = _menu(response)
    assert set(menu) == {"dashboard", "accounts", "tasks", "network"}
    assert menu["accounts"] is True

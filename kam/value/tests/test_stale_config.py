"""The what-if page: saving over a tier configuration someone changed meanwhile is refused."""

import re

import pytest
from django.test import Client

from kam.core.history import history_of
from kam.value import periods, services
from kam.value.analytics.policy import Policy
from kam.value.models import TierConfig
from kam.value.tests.test_views import settings_form

pytestmark = pytest.mark.django_db


def opened(user, config=None) -> tuple[Client, str]:
    """A director's own browser on the what-if page, started from `config`; and the token."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get("/what-if/" + (f"?config={config.pk}" if config else ""))
    assert response.status_code == 200
    found = re.search(r'name="seen" value="([^"]+)"', response.content.decode())
    assert found, "the what-if form carries no token"
    return client, found.group(1)


def save(client, seen, config=None, **changes):
    data = settings_form(action="save", seen=seen, year=str(periods.today().year), **changes)
    if config is not None:
        data["config"] = str(config.pk)
    return client.post("/what-if/", data)


@pytest.fixture
def current(cast):
    return services.save_tier_config("现行", Policy(), activate=True)


def test_saving_over_a_configuration_changed_meanwhile_is_refused(cast, current):
    boss, boss_seen = opened(cast.boss, current)
    director, director_seen = opened(cast.director, current)

    saved = save(boss, boss_seen, current, name="现行", gold_share="20")
    assert saved.status_code == 302
    refused = save(director, director_seen, current, name="现行", diamond_share="5")

    assert refused.status_code == 200
    (change,) = history_of(current, "policy")
    assert change.changed_by == cast.boss
    html = refused.content.decode()
    assert "参数已被 Lao Ban 于" in html and "请刷新页面后再改。" in html
    current.refresh_from_db()
    assert current.policy == {"tiers": {"gold_share": 0.2}}


def test_saving_again_after_reloading_works(cast, current):
    boss, boss_seen = opened(cast.boss, current)
    assert save(boss, boss_seen, current, name="现行", gold_share="20").status_code == 302
    director, director_seen = opened(cast.director, current)
    assert save(director, director_seen, current, name="现行", gold_share="15").status_code == 302
    current.refresh_from_db()
    assert current.policy == {"tiers": {"gold_share": 0.15}}
    assert history_of(current, "policy").count() == 2


def test_saving_under_the_name_of_another_configuration_is_refused(cast, current):
    """Started from the defaults (or another configuration), a director who types the name
    of an existing configuration would overwrite settings they never saw."""
    other = services.save_tier_config("试算", Policy())
    client, seen = opened(cast.director, current)
    response = save(client, seen, current, name="试算", gold_share="30")
    assert response.status_code == 200
    assert "名为“试算”的配置已经存在，但不是你开始时选的那一个" in response.content.decode()
    other.refresh_from_db()
    assert other.policy == {}
    assert TierConfig.objects.count() == 2


def test_a_configuration_saved_meanwhile_under_the_same_new_name_is_not_overwritten(cast):
    boss, boss_seen = opened(cast.boss)
    director, director_seen = opened(cast.director)
    assert save(boss, boss_seen, name="甲", gold_share="20").status_code == 302
    refused = save(director, director_seen, name="甲", gold_share="30")
    assert refused.status_code == 200
    assert TierConfig.objects.get(name="甲").policy == {"tiers": {"gold_share": 0.2}}


def test_a_forged_token_on_the_what_if_page_changes_nothing(cast, current):
    client, seen = opened(cast.director, current)
    response = save(client, seen[:-3] + "abc", current, name="现行", gold_share="30")
    assert response.status_code == 200
    assert "这张表单在提交途中损坏了" in response.content.decode()
    current.refresh_from_db()
    assert current.policy == {}

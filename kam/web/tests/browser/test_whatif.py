"""The what-if page: changed settings show who would move, and nothing changes until saved;
saving a named configuration without activating it leaves the tiers alone too."""

from __future__ import annotations

import uuid

CONFIGS = """
from kam.value.models import TierConfig
result = sorted(
    [c.name, c.is_active] for c in TierConfig.objects.all()
)
"""


def tiers_on_dashboard(tab) -> tuple[dict, str]:
    tab.goto("/dashboard/")
    return tab.chart_option("#pyramid"), tab.page.locator("#tier-table").inner_text()


def test_preview_shows_moves_and_saves_nothing(browse, kam_server):
    tab = browse("director")
    configs = kam_server.python(CONFIGS)
    tiers = tiers_on_dashboard(tab)

    tab.goto("/what-if/")
    form = tab.page.locator("#whatif-form")
    form.locator("input[name=method][value=percentile]").check()
    now = float(form.locator("input[name=diamond_share]").input_value())
    form.locator("input[name=diamond_share]").fill(str(now + 7))
    tab.page.locator("#whatif-preview-button").click()
    preview = tab.page.locator("#whatif-preview")
    preview.locator("#whatif-counts").wait_for()
    tab.assert_clean()

    diamond = preview.locator('#whatif-counts tr[data-tier="diamond"] td.num')
    before, after = (int(diamond.nth(i).inner_text()) for i in (0, 1))
    assert after > before, "a larger diamond share makes more diamond accounts"
    moves = preview.locator("#whatif-moves tbody tr")
    assert moves.count() > 0, "the accounts that would move are listed"
    assert moves.first.locator("a[href^='/customers/']").count() == 1
    assert moves.locator(".tag.diamond").count() > 0, "some move up to diamond"
    assert form.locator("input[name=diamond_share]").input_value() in {
        str(now + 7),
        f"{now + 7:.2f}",
    }, "the form keeps what was typed"

    assert kam_server.python(CONFIGS) == configs, "a preview saves no configuration"
    assert tiers_on_dashboard(tab) == tiers, "a preview changes no tier"


def test_saving_without_activating_keeps_the_tiers(browse, kam_server):
    tab = browse("director")
    tiers = tiers_on_dashboard(tab)
    name = f"浏览器测试 {uuid.uuid4().hex[:6]}"

    tab.goto("/what-if/")
    form = tab.page.locator("#whatif-form")
    form.locator("input[name=method][value=percentile]").check()
    now = float(form.locator("input[name=gold_share]").input_value())
    form.locator("input[name=gold_share]").fill(str(now + 5))
    form.locator("#whatif-save input[name=name]").fill(name)
    assert not form.locator("input[name=activate]").is_checked()
    tab.page.locator("#whatif-save-button").click()
    tab.page.locator("#whatif-configs", has_text=name).wait_for()
    tab.assert_clean()

    assert [name, False] in kam_server.python(CONFIGS)
    assert tiers_on_dashboard(tab) == tiers, "an inactive configuration changes no tier"

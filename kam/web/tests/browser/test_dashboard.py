"""The portfolio dashboard as the boss and as a KAM see it: every chart drawn, every
figure leading to the accounts behind it, in both languages and on a phone."""

from __future__ import annotations

import json

import pytest

from .conftest import PHONE, translated

CHARTS = ("#pyramid", "#pareto", "#top10-gauge", "#top10-trend")
SECTIONS = ("#tier-moves", "#false-ka", "#top-net")


def user_for(role: str, demo) -> str:
    return {"boss": "boss", "kam": demo["big_owner"]}[role]


@pytest.mark.parametrize("role", ["boss", "kam"])
def test_every_chart_is_drawn_and_leads_to_accounts(browse, demo, role):
    tab = browse(user_for(role, demo))
    tab.goto("/dashboard/")
    tab.wait_for_charts(*CHARTS)
    for section in SECTIONS:
        assert tab.page.locator(section).is_visible(), f"{section} is missing"
    for chart in CHARTS:
        option = json.dumps(tab.chart_option(chart))
        assert '"link": "/customers/' in option, f"{chart} leads to no accounts"

    accounts = tab.page.locator("#top-net tbody a[href^='/customers/']")
    assert accounts.count() > 0, "the top accounts by net contribution are listed"
    with tab.page.expect_navigation():
        accounts.first.click()
    assert tab.page.locator("#account-header").is_visible(), "a listed account opens"
    tab.assert_clean()


def test_pyramid_counts_match_the_accounts_behind_them(browse):
    tab = browse("boss")
    tab.goto("/dashboard/")
    diamond = tab.page.locator("#tier-table tbody tr").filter(has=tab.page.locator(".tag.diamond"))
    count = int(diamond.locator("td.num a").inner_text().strip())
    assert count > 0
    with tab.page.expect_navigation():
        diamond.locator("td.num a").click()
    assert "tier=diamond" in tab.page.url
    shown = tab.page.locator("table.account-list tbody tr")
    assert tab.page.locator("nav.pager").count() == 0 or count > shown.count()
    if tab.page.locator("nav.pager").count() == 0:
        assert shown.count() == count
    assert tab.page.locator("table.account-list tbody .tag.diamond").count() == shown.count()


def test_clicking_the_pyramid_opens_the_accounts_of_that_tier(browse):
    tab = browse("boss")
    tab.goto("/dashboard/")
    tab.wait_for_charts("#pyramid")
    tab.page.wait_for_timeout(1200)  # the funnel grows in: click it once it stands still
    with tab.page.expect_navigation():
        tab.page.locator("#pyramid").click()  # the middle of the pyramid is a tier's band
    assert "/customers/" in tab.page.url and "tier=" in tab.page.url
    tab.page.locator("table.account-list").wait_for()


def test_false_key_accounts_show_their_evidence(browse, demo):
    tab = browse("boss")
    tab.goto("/dashboard/")
    rows = tab.page.locator("#false-ka tbody tr")
    assert rows.count() > 0
    planted = [code for code, kind in demo["planted"].items() if kind != "genuine_key"]
    listed = tab.page.locator("#false-ka").inner_text()
    assert any(code in listed for code in planted), "the planted false key accounts are found"
    first = rows.first
    assert first.locator(".flag-evidence .evidence li").count() > 0, "each flag shows evidence"
    assert first.locator(".tag.diamond, .tag.gold").count() == 0, "kept out of diamond and gold"


def test_dashboard_in_both_languages_with_screenshots(browse):
    tab = browse("boss", language="zh-hans")
    tab.goto("/dashboard/")
    tab.wait_for_charts(*CHARTS)
    assert tab.page.get_attribute("html", "lang") == "zh-hans"
    assert tab.page.locator("h1").first.inner_text().strip() == translated(
        "Portfolio dashboard", "zh-hans"
    )
    assert "销售额" in tab.page.locator("#card-revenue").inner_text()  # "Revenue"
    assert "亿" in tab.page.locator("#card-revenue .value").inner_text()  # ¥1.35亿, not ¥135.0M
    tab.screenshot("dashboard-zh-hans")

    tab.switch_language("en")
    tab.wait_for_charts(*CHARTS)
    assert tab.page.url.endswith("/dashboard/"), "the switch stays on the page"
    assert tab.page.locator("h1").first.inner_text().strip() == "Portfolio dashboard"
    assert "Revenue" in tab.page.locator("#card-revenue").inner_text()
    assert "M" in tab.page.locator("#card-revenue .value").inner_text()  # ¥135.0M
    tab.screenshot("dashboard-en")


def test_dashboard_fits_a_phone(browse, demo):
    tab = browse(user_for("kam", demo), viewport=PHONE)
    tab.goto("/dashboard/")
    tab.wait_for_charts(*CHARTS)
    overflow = tab.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    for chart in CHARTS:
        box = tab.page.locator(chart).bounding_box()
        assert box and box["width"] <= PHONE["width"], f"{chart} is wider than the phone"
    tab.screenshot("dashboard-phone")

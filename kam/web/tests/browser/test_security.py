"""The Content-Security-Policy holds in the browser: kam's pages, the admin, htmx and the
charts run under it without a single violation, and a violation would fail the tests."""

from __future__ import annotations

import pytest

from .conftest import translated


def test_a_csp_violation_fails_the_visit(browse):
    """The policy is live (an inline style is blocked) and the tests notice."""
    tab = browse()
    tab.goto("/accounts/login/")
    tab.page.evaluate(
        """() => {
            const style = document.createElement("style");
            style.textContent = "body { background: red }";
            document.head.append(style);
        }"""
    )
    tab.page.wait_for_timeout(200)
    assert tab.page.evaluate("getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    ), "the inline style was applied: no policy"
    with pytest.raises(AssertionError, match="CSP violation: style-src"):
        tab.assert_clean()
    tab.console_errors.clear()


def test_htmx_injects_no_style_and_its_indicator_is_styled_by_kam(browse):
    tab = browse("boss")
    tab.goto("/customers/")
    tab.page.wait_for_function("() => window.htmx && htmx.config.includeIndicatorStyles === false")
    assert tab.page.evaluate("document.querySelectorAll('style').length") == 0
    assert tab.page.evaluate("htmx.config.allowEval") is False
    hidden = tab.page.evaluate(
        """() => {
            const el = document.createElement("span");
            el.className = "htmx-indicator";
            document.body.append(el);
            const opacity = getComputedStyle(el).opacity;
            el.remove();
            return opacity;
        }"""
    )
    assert hidden == "0"


def test_chart_tooltips_show_without_violations(browse):
    tab = browse("boss")
    tab.goto("/dashboard/")
    tab.wait_for_charts("#pareto", "#top10-trend")
    tab.page.wait_for_timeout(1200)
    for chart in ("#pareto", "#top10-trend", "#pyramid"):
        box = tab.page.locator(chart).bounding_box()
        for fraction in (0.3, 0.5, 0.7):
            tab.page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
            tab.page.wait_for_timeout(150)
    tab.assert_clean()


def test_the_language_switch_works_without_an_inline_handler(browse):
    tab = browse("boss")
    tab.goto("/customers/")
    tab.switch_language("en")
    tab.switch_language("zh-hans")


def test_admin_pages_run_under_the_policy(browse, demo):
    tab = browse("boss")
    pk = demo["accounts"][demo["big"]]["pk"]
    for path in (
        "/admin/",
        "/admin/accounts/account/",
        f"/admin/accounts/account/{pk}/change/",
        "/admin/accounts/account/add/",
        "/admin/users/user/",
        "/admin/sales/orderline/",
    ):
        tab.goto(path)
        assert tab.page.locator("#content").is_visible(), path
    tab.page.wait_for_timeout(300)
    tab.assert_clean()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_another_teams_account_shows_kams_404_in_the_users_language(browse, demo, language):
    pk = demo["accounts"][demo["big"]]["pk"]
    tab = browse(demo["outsider"], language=language)
    tab.goto(f"/customers/{pk}/", status=404)
    assert tab.page.get_attribute("html", "lang") == language
    assert tab.page.locator("main h1").inner_text().strip() == translated(
        "Page not found", language
    )
    assert tab.page.locator("header nav a[href='/customers/']").count() == 1, "menu kept"
    tab.goto("/what-if/", status=403)
    assert tab.page.locator("main h1").inner_text().strip() == translated("Not allowed", language)

"""The shell every page shares: the login form, the language the browser asks for, logout."""

import pytest

from .conftest import leaves_this_machine, translated


def test_login_form_leads_to_the_dashboard_and_logout_leaves(browse):
    tab = browse("boss")
    assert tab.page.url.endswith("/dashboard/")
    with tab.page.expect_navigation():
        tab.page.locator("header form[action*='logout'] button").click()
    assert "/accounts/login/" in tab.page.url
    tab.goto("/customers/")
    assert "/accounts/login/" in tab.page.url, "pages need a login again"


def test_a_wrong_password_is_refused(browse):
    tab = browse()
    tab.goto("/accounts/login/")
    form = tab.page.locator("main form[action*='login']")
    form.locator("input[name=username]").fill("boss")
    form.locator("input[name=password]").fill("not-the-password")
    with tab.page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/accounts/login/" in tab.page.url
    assert tab.page.locator("main .error").is_visible()


@pytest.mark.parametrize(
    ("locale", "language"),
    [("zh-CN", "zh-hans"), ("en-US", "en"), ("fr-FR", "zh-hans")],
)
def test_the_language_follows_the_browser_then_falls_back_to_chinese(browse, locale, language):
    tab = browse(language=locale)
    tab.goto("/accounts/login/")
    assert tab.page.get_attribute("html", "lang") == language
    title = tab.page.locator("main h1").inner_text().strip()
    assert title == translated("Log in", language)


@pytest.mark.parametrize(
    ("url", "outside"),
    [
        ("http://127.0.0.1:8000/static/vendor/echarts.min.js", False),
        ("http://localhost:8000/dashboard/", False),
        ("data:image/png;base64,iVBORw0KGgo=", False),
        ("https://cdn.jsdelivr.net/npm/echarts/dist/echarts.min.js", True),
        ("http://10.0.0.1/", True),
        ("wss://example.com/socket", True),
    ],
)
def test_requests_past_this_machine_are_told_apart(url, outside):
    assert leaves_this_machine(url) is outside


def test_a_console_error_fails_the_visit(browse):
    tab = browse()
    tab.goto("/accounts/login/")
    tab.page.evaluate("() => console.error('kam test: broken')")
    tab.page.evaluate("() => setTimeout(() => { throw new Error('kam test: uncaught'); })")
    tab.page.wait_for_timeout(100)
    with pytest.raises(AssertionError, match="broken"):
        tab.assert_clean()
    assert any("uncaught" in error for error in tab.console_errors)
    tab.console_errors.clear()

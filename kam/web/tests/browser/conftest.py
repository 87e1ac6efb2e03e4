"""Browser tests: Debian's Chromium, driven by Playwright, against a real kam server.

One server with the demo company serves all the browser tests (see server.py); each test gets
fresh browser contexts and logs in through the login form. Every page a test opens is
checked for what a user would suffer silently: JavaScript errors in the console, failed
requests (HTTP 5xx), any request leaving 127.0.0.1 (kam must work offline) and any
Content-Security-Policy violation (a blocked inline script or style, or eval): every page
must carry the policy, and each violation is reported as a console error by a
`securitypolicyviolation` listener, on top of what Chromium logs itself.

Chromium and the Chinese fonts come from `make browser-packages` (part of `make test`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kam.demo.generator import DEMO_PASSWORD, PLANTED

from .server import KamServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
TIMEOUT_MS = 15_000
# Runs in every page before its own scripts: a CSP violation becomes a console error that
# names the directive and what was blocked, so the checks below fail on it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` in ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show what the server logged meanwhile: a 500 has its traceback there."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        item._kam_failed = True
    server = getattr(item, "_kam_server", None)
    if report.failed and server is not None:
        report.sections.append(("kam server log", server.log_since(item._kam_log_offset)[-8000:]))


def leaves_this_machine(url: str) -> bool:
    """Whether the browser asking for `url` would reach past 127.0.0.1 (data: and blob:
    URLs stay in the page)."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


@pytest.fixture(scope="package")
def kam_server():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make browser-packages` installs Debian's chromium "
            "and fonts-noto-cjk (apt-get install -y chromium fonts-noto-cjk)."
        )
    server = KamServer(os.environ.get("DATABASE_URL"))
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def demo(kam_server):
    """Facts about the demo data the pages should show, read from the server's database."""
    facts = kam_server.python(
        """
from kam.accounts.models import Account
from kam.users.models import User
from kam.users.choices import Role

accounts = {
    a.code: {"pk": a.pk, "name": a.name, "owner": a.owner.username if a.owner else None}
    for a in Account.objects.select_related("owner")
}
kams = list(User.objects.filter(role=Role.KAM).order_by("username"))
visible = {u.username: set(Account.objects.restrict(u).values_list("code", flat=True)) for u in kams}
big = "C00003"  # the planted genuine key account of 华东
outsiders = [u.username for u in kams if big not in visible[u.username]]
result = {
    "accounts": accounts,
    "big": big,
    "big_owner": accounts[big]["owner"],
    "outsider": outsiders[-1],
    "visible": {name: sorted(codes) for name, codes in visible.items()},
}
"""
    )
    return {**facts, "planted": PLANTED}


@pytest.fixture(scope="package")
def chromium(kam_server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@dataclass
class Tab:
    """One browser context and page with the checks every visit must pass."""

    page: object
    server: KamServer
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.server.url + path

    def goto(self, path: str, *, status: int = 200):
        if status != 200:
            self.tolerated.append(f"status of {status}")
        response = self.page.goto(self.url(path), wait_until="load")
        assert response is not None, path
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        assert "content-security-policy" in response.headers, f"{path}: no CSP header"
        self.assert_clean()
        return response

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Log in through the real form and land on the start page."""
        self.goto("/accounts/login/")
        form = self.page.locator("main form[action*='login']")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"
        self.assert_clean()

    def switch_language(self, code: str) -> None:
        with self.page.expect_navigation():
            self.page.select_option("select#language-switch", code)
        assert self.page.get_attribute("html", "lang") == code
        self.assert_clean()

    def wait_for_charts(self, *selectors: str) -> None:
        """Each chart is drawn by ECharts into an svg (or canvas) inside its element."""
        for selector in selectors:
            self.page.locator(f"{selector} svg, {selector} canvas").first.wait_for(
                state="attached", timeout=TIMEOUT_MS
            )

    def chart_option(self, selector: str) -> dict:
        """The ECharts option behind the chart at `selector` (the json_script it draws)."""
        text = self.page.eval_on_selector(
            selector,
            """root => {
                const el = root.matches('[data-chart]') ? root : root.querySelector('[data-chart]');
                const source = el && document.getElementById(el.dataset.chart);
                return source ? source.textContent : null;
            }""",
        )
        assert text, f"{selector} holds no chart with a json_script option"
        return json.loads(text)

    def screenshot(self, name: str) -> Path:
        """A full-page picture for people to look at, once the charts' animation settled."""
        self.page.wait_for_timeout(1200)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        errors = [e for e in self.console_errors if not any(t in e for t in self.tolerated)]
        assert not self.outside_requests, f"requests left 127.0.0.1: {self.outside_requests}"
        assert not errors, f"console errors on {self.page.url}: {errors}"
        assert not self.server_errors, f"server errors: {self.server_errors}"


@pytest.fixture
def browse(request, kam_server, chromium):
    """`browse(user, language="zh-hans", viewport=DESKTOP)` opens a logged-in tab; `language`
    is a kam language or any browser locale (its Accept-Language)."""
    request.node._kam_server = kam_server
    request.node._kam_log_offset = kam_server.log_size()
    contexts = []
    tabs = []

    def open_tab(username: str | None = None, *, language: str = "zh-hans", viewport=DESKTOP):
        context = chromium.new_context(
            locale=LOCALES.get(language, language),
            viewport=viewport,
            accept_downloads=True,
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page=page, server=kam_server)

        def guard(route):
            if leaves_this_machine(route.request.url):
                tab.outside_requests.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        page.on(
            "console",
            lambda message: (
                tab.console_errors.append(f"{message.text} ({message.location.get('url')})")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
        page.on(
            "response",
            lambda response: (
                tab.server_errors.append(f"{response.status} {response.url}")
                if response.status >= 500
                else None
            ),
        )
        tabs.append(tab)
        if username:
            tab.login(username)
        return tab

    yield open_tab
    try:
        if not getattr(request.node, "_kam_failed", False):  # else told already
            for tab in tabs:
                tab.assert_clean()
    finally:
        for context in contexts:
            context.close()


def translated(message: str, language: str) -> str:
    """`message` as the catalogue translates it: pages are checked against the catalogue."""
    from django.utils import translation

    with translation.override(language):
        return translation.gettext(message)

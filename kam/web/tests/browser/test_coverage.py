"""The demo's planted minefield: a key account whose technical gatekeeper was never met.
Its owner sees the red warning on the account page, logs a meeting with that person in the
visits section (htmx), and the coverage section, refreshed in place without a reload, shows
the gatekeeper met today and the warning gone. The coverage section and the dashboard's
coverage panel are also looked at in Chinese."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import translated

WARNINGS = "#coverage-tab #coverage-warnings li[data-kind]"


def the_minefield(kam_server, planted: dict) -> dict:
    """The planted account and gatekeeper, put back to "never met" if a test before this one
    met them (its visits deleted through the visit service, which recomputes "last met"),
    so the test does not depend on the order the tests run in; and the server's today."""
    return kam_server.python(
        f"""
from django.utils import timezone
from kam.accounts.models import Account
from kam.care import services
from kam.care.choices import MEETINGS
from kam.care.models import Visit
from kam.people.models import Contact
from kam.users.models import User

account = Account.objects.get(code={planted["account"]!r})
person = Contact.objects.alive().get(account=account, name={planted["contact"]!r})
boss = User.objects.filter(is_superuser=True).order_by("username").first()
met = Visit.objects.alive().filter(account=account, their_people=person, kind__in=MEETINGS)
for visit in list(met):
    services.delete_visit(visit, by=boss, reason="browser test: the planted minefield again")
person.refresh_from_db()
result = {{
    "pk": account.pk,
    "owner": account.owner.username,
    "person": person.pk,
    "roles": person.roles,
    "status": person.status,
    "last_met_on": person.last_met_on,
    "today": timezone.localdate().isoformat(),
}}
"""
    )


def gatekeeper_warnings(tab, name: str):
    """The coverage warnings that name the planted person."""
    return tab.page.locator(WARNINGS, has_text=name)


def test_the_minefield_warning_goes_once_the_gatekeeper_is_met(browse, demo, kam_server):
    planted = demo["planted"]["minefield"]
    name, role = planted["contact"], planted["role"]
    facts = the_minefield(kam_server, planted)
    assert role in facts["roles"] and facts["status"] == "active", facts
    assert facts["last_met_on"] is None, facts

    tab = browse(facts["owner"], language="en")
    tab.goto(f"/customers/{facts['pk']}/")
    coverage = tab.page.locator("#coverage-tab")
    gatekeeper = coverage.locator(f"#coverage-influences tr[data-role='{role}']")
    warning = gatekeeper_warnings(tab, name)
    expect(warning).to_have_count(1)
    assert warning.get_attribute("data-kind") == "unmet_influence"
    assert warning.get_attribute("data-severity") == "red"
    assert "Minefield" in warning.inner_text() and "never met" in warning.inner_text()
    assert gatekeeper.get_attribute("data-state") == "unmet"
    assert name in gatekeeper.inner_text() and "never" in gatekeeper.inner_text()
    status = coverage.locator("#coverage-status")
    assert status.get_attribute("data-status") == "red" and "flag" in status.get_attribute("class")

    on_chart = tab.page.locator(f"#orgchart li[data-contact='{facts['person']}'] .met")
    expect(on_chart).to_have_class("met never")

    # Log the meeting in the visits section, as the owner would, without leaving the page.
    visits = tab.page.locator("#visits")
    visits.locator("#visit-add summary").click()
    form = visits.locator("#visit-add-form")
    form.locator("select[name=visit-kind]").select_option("meeting")
    day = form.locator("input[name=visit-date]").input_value()
    assert day == facts["today"], "the form offers today's date"
    form.locator("select[name=visit-their_people]").select_option(str(facts["person"]))
    form.locator("textarea[name=visit-notes]").fill("Met the technical director at last.")
    tab.page.evaluate("window.kamSamePage = true")  # gone if the page were loaded again
    with tab.page.expect_response(
        lambda r: "/s/visits/add/" in r.url and r.request.method == "POST"
    ) as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 200
    expect(visits.locator("#visit-list tbody tr").first).to_contain_text(name)

    # The coverage section came back with the visit (out of band): no reload.
    expect(warning).to_have_count(0)
    expect(gatekeeper).to_have_attribute("data-state", "met")
    expect(gatekeeper).to_contain_text(f"{day} ({name})")
    people_row = tab.page.locator("#people-tab tr", has_text=name).first
    expect(people_row).to_contain_text(day)
    expect(on_chart).not_to_have_class("met never")
    tab.page.wait_for_function(  # the org chart, swapped in too, is drawn again
        "() => { const el = document.querySelector('#orgchart [data-orgchart]');"
        " return !!el && !!echarts.getInstanceByDom(el) && !!el.querySelector('svg'); }"
    )
    # Whatever other warnings the account still has, the colour follows them.
    reds = tab.page.locator(f"{WARNINGS}[data-severity='red']").count()
    ambers = tab.page.locator(f"{WARNINGS}[data-severity='amber']").count()
    shown = "red" if reds else "amber" if ambers else "green"
    assert status.get_attribute("data-status") == shown
    assert tab.page.evaluate("window.kamSamePage === true"), "the page was not reloaded"
    tab.screenshot("coverage-minefield-met")
    tab.assert_clean()

    # The same, after a reload: it was saved, not only drawn.
    tab.goto(f"/customers/{facts['pk']}/")
    expect(gatekeeper_warnings(tab, name)).to_have_count(0)
    expect(gatekeeper).to_have_attribute("data-state", "met")


def test_coverage_reads_in_chinese_on_the_account_and_the_dashboard(browse, demo):
    planted = demo["planted"]["minefield"]
    account = demo["accounts"][planted["account"]]
    tab = browse("boss", language="zh-hans")
    tab.goto(f"/customers/{account['pk']}/")
    coverage = tab.page.locator("#coverage-tab")
    heading = translated("Coverage of the decision chain", "zh-hans")
    expect(coverage.locator("h2")).to_contain_text(heading)
    expect(coverage.locator("#coverage-influences tbody tr")).to_have_count(4)
    labels = [translated(s, "zh-hans") for s in ("Red", "Amber", "Green")]
    assert coverage.locator("#coverage-status").inner_text().strip() in labels
    coverage.scroll_into_view_if_needed()
    coverage.screenshot(path=str(tab.screenshot("coverage-section-zh").with_suffix(".section.png")))

    tab.goto("/dashboard/")
    panel = tab.page.locator("#coverage-panel")
    expect(panel.locator("h2")).to_contain_text(translated("Coverage of key accounts", "zh-hans"))
    rows = panel.locator("#coverage-accounts tbody tr[data-account]")
    assert rows.count() > 0, "the demo's biggest accounts are key accounts as their pages show"
    for tag in rows.locator(".tag").all_inner_texts():
        assert tag.strip() in labels
    panel.scroll_into_view_if_needed()
    tab.screenshot("coverage-dashboard-zh")
    tab.assert_clean()

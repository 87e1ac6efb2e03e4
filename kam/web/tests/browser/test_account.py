"""The account 360° page in both languages, and a tier override by the director that shows
up in the tier history and in the list."""

from __future__ import annotations

import uuid

from .conftest import translated

CHARTS = ("#trend-chart", "#waterfall-chart")


def open_from_list(tab, code: str) -> None:
    """Find the account the way a user does: search the list, click its name."""
    tab.goto(f"/customers/?q={code}")
    with tab.page.expect_navigation():
        tab.page.locator("table.account-list tbody td.name a").first.click()
    tab.page.locator("#account-header").wait_for()
    tab.assert_clean()


def facts(tab) -> str:
    return tab.page.locator("#account-header dl.facts").inner_text()


def test_account_page_in_both_languages(browse, demo):
    code = demo["big"]
    tab = browse(demo["big_owner"], language="zh-hans")
    open_from_list(tab, code)
    header = tab.page.locator("#account-header")
    assert code in header.inner_text()
    assert demo["accounts"][code]["name"] in tab.page.locator("#account-header h1").inner_text()
    tab.wait_for_charts(*CHARTS)
    for section in ("#value-tab", "#stages-tab", "#stage-history", "#tier-history"):
        assert tab.page.locator(section).count() == 1, f"{section} is missing"
    assert tab.page.locator("#sales-stages ol.stage-line > li").count() == 4
    assert tab.page.locator("#relationship-stages ol.stage-line > li").count() == 5
    assert tab.page.locator("#sales-stages [aria-current=step]").count() == 1
    assert tab.page.locator("#override-form").count() == 0, "a KAM does not steer tiers"

    assert tab.page.get_attribute("html", "lang") == "zh-hans"
    assert "负责人" in facts(tab) and "大区" in facts(tab)  # Owner, Region
    assert translated("Sales stage", "zh-hans") in facts(tab)
    assert "Owner" not in facts(tab)
    tab.screenshot("account-zh-hans")

    tab.switch_language("en")
    tab.wait_for_charts(*CHARTS)
    assert code in tab.page.locator("#account-header").inner_text(), "still the same account"
    assert "Owner" in facts(tab) and "Region" in facts(tab) and "Sales stage" in facts(tab)
    assert "负责人" not in facts(tab)
    tab.screenshot("account-en")


def submit_in_place(tab, form, path: str) -> int:
    """Submit `form`, which saves in place: the answer's status, and the page never left."""
    page = tab.page
    page.evaluate("() => { window.kamMarker = 'same page'; }")
    with page.expect_response(lambda r: path in r.url) as answer:
        form.locator("button[type=submit]").click()
    status = answer.value.status
    page.wait_for_function(  # htmx has read the answer, swapped and settled
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    assert page.evaluate("() => window.kamMarker") == "same page", "no navigation"
    return status


def test_director_overrides_a_tier_with_a_reason(browse, demo):
    code = "C00017"  # a planted one-off big ticket: the figures keep it out of gold
    tab = browse("director")
    open_from_list(tab, code)
    before = tab.page.locator("#tier-tag").get_attribute("class")
    wanted = "strategic" if "strategic" not in before else "gold"
    reason = f"浏览器测试：总部指定的战略客户 {uuid.uuid4().hex[:6]}"

    form = tab.page.locator("#override-form")
    form.locator("[name=tier]").select_option(wanted)
    form.locator("[name=reason]").fill(reason)
    assert submit_in_place(tab, form, "/s/tier/override/") == 200
    tab.assert_clean()

    tag = tab.page.locator("#tier-tag")  # beside the name: another section, swapped with it
    assert wanted in tag.get_attribute("class")
    history = tab.page.locator("#tier-history")
    assert history.get_attribute("open") is not None, "the history is open once it has entries"
    entry = history.locator("tbody tr", has_text=reason)
    assert entry.count() == 1, "the override and its reason are in the tier history"
    who = tab.page.locator("header a.user").inner_text().strip()
    assert who in entry.inner_text(), "the history says who set it"

    tab.goto(f"/customers/?q={code}")
    row = tab.page.locator("table.account-list tbody tr").first
    assert row.locator(f".tag.{wanted}").count() == 1, "the list shows the tier set by hand"
    assert row.locator(".overridden").count() == 1


def test_override_without_a_reason_is_refused(browse):
    tab = browse("director")
    open_from_list(tab, "C00027")
    before = tab.page.locator("#tier-tag").get_attribute("class")
    history = tab.page.locator("#tier-history tbody tr").count()
    form = tab.page.locator("#override-form")
    options = form.locator("[name=tier] option").evaluate_all("o => o.map(e => e.value)")
    other = next(value for value in options if value and value not in before)
    form.locator("[name=tier]").select_option(other)
    form.locator("[name=reason]").fill("")
    form.locator("[name=reason]").evaluate("e => e.removeAttribute('required')")
    tab.tolerated.append("status of 400")  # the form comes back with its errors
    assert submit_in_place(tab, form, "/s/tier/override/") == 400
    tab.assert_clean()
    assert tab.page.locator("#tier-tag").get_attribute("class") == before
    assert tab.page.locator("#tier-history tbody tr").count() == history
    assert tab.page.locator("#override-form .errorlist").count() > 0, "the form says why"


def test_a_stage_skip_asks_for_a_reason(browse, kam_server):
    """入围 straight to 上量 with the first stage unproven: the page names the skipped stage and
    the unproven items and waits for a reason; with one, the move is made and remembered."""
    account = kam_server.python(
        """
from kam.accounts.models import Account
a = Account.objects.filter(sales_stage="qualified", status="active").order_by("-code").first()
result = {"pk": a.pk, "code": a.code}
"""
    )
    tab = browse("director", language="en")
    open_from_list(tab, account["code"])
    form = tab.page.locator("#sales-stage-form")
    form.locator("[name=sales-stage]").select_option("volume")
    form.locator("[name=sales-reason]").fill("")
    tab.tolerated.append("status of 400")  # the form comes back with the question
    assert submit_in_place(tab, form, "/s/stages/stage/") == 400
    tab.assert_clean()
    asked = tab.page.locator("#sales-stage-form").inner_text()
    assert "This move skips Small-batch trial." in asked
    assert "Not proven in Qualified supplier" in asked
    current = tab.page.locator("#sales-stages [aria-current=step]")
    assert current.get_attribute("data-stage") == "qualified", "nothing moved yet"

    reason = f"browser test: the group named us its supplier {uuid.uuid4().hex[:6]}"
    form = tab.page.locator("#sales-stage-form")
    form.locator("[name=sales-stage]").select_option("volume")
    form.locator("[name=sales-reason]").fill(reason)
    assert submit_in_place(tab, form, "/s/stages/stage/") == 200
    tab.assert_clean()
    current = tab.page.locator("#sales-stages [aria-current=step]")
    assert current.get_attribute("data-stage") == "volume"
    master = tab.page.locator("#master a[href='#sales-stages']")  # swapped out of band
    assert master.inner_text() == "Volume ramp"
    assert tab.page.locator("#stage-history tbody tr", has_text=reason).count() == 1
    unproven = tab.page.locator("#sales-stages .unproven").inner_text()
    assert "Qualified supplier" in unproven and "Small-batch trial" in unproven


def test_a_checklist_tick_saves_in_place(browse, kam_server):
    """Ticking an item saves it at once without leaving the page: only the stages section
    comes back (the rest of the page is the same DOM), and a reload shows it ticked."""
    account = kam_server.python(
        """
from kam.accounts.models import Account
a = (Account.objects.filter(sales_stage="qualified", status="active")
     .exclude(stage_checks__done=True).order_by("code").first())
result = {"pk": a.pk, "code": a.code}
"""
    )
    tab = browse("director", language="en")
    open_from_list(tab, account["code"])
    page = tab.page
    page.evaluate(
        "() => { window.kamMarker = 'same page';"
        " window.kamValue = document.getElementById('value-tab'); }"
    )
    item = page.locator("#check-sales-qualified li[data-item]").first
    key = item.get_attribute("data-item")
    assert "done" not in (item.get_attribute("class") or "")
    with page.expect_response(lambda r: "/s/stages/check/" in r.url) as answer:
        item.locator("input[type=checkbox]").check()
    assert answer.value.status == 200
    ticked = page.locator(f"#check-sales-qualified li[data-item='{key}']")
    ticked.and_(page.locator("li.done")).wait_for()
    assert page.evaluate("() => window.kamMarker") == "same page", "no navigation"
    assert page.evaluate("() => window.kamValue === document.getElementById('value-tab')"), (
        "the value section was left alone"
    )
    assert page.locator("#check-sales-qualified").get_attribute("open") is not None
    tab.assert_clean()

    page.reload()
    page.locator("#stages-tab").wait_for()
    assert "done" in page.locator(f"#check-sales-qualified li[data-item='{key}']").get_attribute(
        "class"
    )
    assert page.locator(
        f"#check-sales-qualified li[data-item='{key}'] input[type=checkbox]"
    ).is_checked()


def test_a_tick_that_could_not_be_saved_says_so_in_its_section(browse, kam_server):
    """No network (or no answer from kam): the section says the change was not saved, instead
    of leaving a ticked box that looks saved."""
    account = kam_server.python(
        """
from kam.accounts.models import Account
a = (Account.objects.filter(sales_stage="qualified", status="active")
     .exclude(stage_checks__done=True).order_by("-code").first())
result = {"code": a.code}
"""
    )
    tab = browse("director", language="en")
    open_from_list(tab, account["code"])
    page = tab.page
    item = page.locator("#check-sales-qualified li[data-item]").first
    tab.tolerated += ["htmx:afterRequest", "htmx:sendError", "ERR_INTERNET_DISCONNECTED"]
    page.context.set_offline(True)
    try:
        item.locator("input[type=checkbox]").check()
        alert = page.locator("#stages-tab .section-unsaved[role=alert]")
        alert.wait_for()
    finally:
        page.context.set_offline(False)
    assert alert.inner_text().startswith("Not saved: kam did not answer this change.")

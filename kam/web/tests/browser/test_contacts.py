"""The People section of the account page in a browser: the account's owner adds a contact,
opens it, changes its support with a reason, all in place (htmx), and the attitude history
shows the change; nothing breaks the page's security policy."""

from __future__ import annotations

import uuid

from .conftest import ARTIFACTS
from .test_account import open_from_list, submit_in_place


def test_the_owner_adds_and_edits_a_contact_in_place(browse, demo):
    tab = browse(demo["big_owner"], language="en")
    open_from_list(tab, demo["big"])
    page = tab.page
    name = f"浏览器 {uuid.uuid4().hex[:6]}"

    page.locator("#contact-add summary").click()
    form = page.locator("#contact-add form")
    form.locator("[name=new-name]").fill(name)
    form.locator("[name=new-support]").select_option("neutral")
    form.locator("[name=new-roles][value=user]").check()
    assert submit_in_place(tab, form, "/s/people/contacts/add/") == 200
    tab.assert_clean()
    row = page.locator("#decision-chain tbody tr", has_text=name)
    assert row.count() == 1 and "User" in row.inner_text()

    with page.expect_response(lambda r: "/s/people/contacts/" in r.url):
        row.locator("a", has_text="edit").click()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    edit = page.locator("tr.contact-edit form")
    edit.locator("[name$=-support]").select_option("mentor")
    edit.locator("[name$=-reason]").fill("opened the door to the plant manager")
    assert submit_in_place(tab, edit, "/edit/") == 200
    tab.assert_clean()
    row = page.locator("#decision-chain tbody tr", has_text=name)
    assert row.locator(".tag.support-mentor").count() == 1
    row.locator("details.attitude summary").click()
    history = row.locator("details.attitude").inner_text()
    assert "Neutral → Mentor" in history and "opened the door" in history
    page.locator("#people-tab").screenshot(path=str(ARTIFACTS / "account-people.png"))
